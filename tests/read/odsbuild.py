"""ODS spreadsheets built in the test, byte by byte (a ZIP of a mimetype, a manifest and a
content.xml, as LibreOffice writes them), so no binary fixture is needed."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from xml.sax.saxutils import escape, quoteattr

MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ROOT = ('<office:document-content '
         'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
         'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
         'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
         'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
         'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
         'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" office:version="1.3">')
MANIFEST = (b'<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
            b'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            b'<manifest:file-entry manifest:full-path="/" manifest:media-type='
            b'"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            b'</manifest:manifest>')

Value = str | int | float | bool | date | datetime | None


def cell_xml(value: Value) -> str:
    """One table:table-cell as LibreOffice writes it; a str starting with '=' is a formula
    without a saved value (as a script might write it)."""
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, bool):
        flag = "true" if value else "false"
        return (f'<table:table-cell office:value-type="boolean" office:boolean-value="{flag}">'
                f'<text:p>{flag.upper()}</text:p></table:table-cell>')
    if isinstance(value, int | float):
        return (f'<table:table-cell office:value-type="float" office:value="{value!r}" '
                f'calcext:value-type="float"><text:p>{value}</text:p></table:table-cell>')
    if isinstance(value, datetime | date):
        return (f'<table:table-cell office:value-type="date" office:date-value='
                f'"{value.isoformat()}"><text:p>{value}</text:p></table:table-cell>')
    if value.startswith("="):
        return f'<table:table-cell table:formula={quoteattr("of:" + value)}/>'
    return (f'<table:table-cell office:value-type="string" calcext:value-type="string">'
            f'<text:p>{escape(value)}</text:p></table:table-cell>')


def table_xml(name: str, rows: Sequence[Sequence[Value]], trailing: bool = True) -> str:
    """A table of these rows, ending (as LibreOffice's do) in a run of empty rows down to row
    1,048,576 and each row in a run of empty cells to column AMJ."""
    body = "".join("<table:table-row>" + "".join(cell_xml(v) for v in row)
                   + ('<table:table-cell table:number-columns-repeated="1000"/>' if trailing
                      else "") + "</table:table-row>" for row in rows)
    if trailing:
        body += (f'<table:table-row table:number-rows-repeated="{1_048_576 - len(rows)}">'
                 '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    return (f'<table:table table:name={quoteattr(name)}>'
            '<table:table-column table:number-columns-repeated="1024"/>'
            f"{body}</table:table>")


def content_xml(tables: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{_ROOT}<office:body><office:spreadsheet>'
            f"{tables}</office:spreadsheet></office:body></office:document-content>"
            ).encode()


def package(content: bytes, mimetype: bytes | None = MIMETYPE,
            extra: dict[str, bytes] | None = None, manifest: bytes = MANIFEST) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype is not None:  # first and stored, as ODF requires
            archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def spreadsheet(rows: Sequence[Sequence[Value]], name: str = "cases",
                more: Sequence[tuple[str, Sequence[Sequence[Value]]]] = ()) -> bytes:
    tables = table_xml(name, rows) + "".join(table_xml(n, r) for n, r in more)
    return package(content_xml(tables))


def raw_table(name: str, body: str) -> bytes:
    """A spreadsheet of one table whose rows are `body` (XML written by the test)."""
    return package(content_xml(f"<table:table table:name={quoteattr(name)}>{body}"
                               "</table:table>"))
