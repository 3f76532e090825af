"""OpenDocument spreadsheets (.ods: LibreOffice, OpenOffice, Google Sheets' export) → Tables,
read as XLSX workbooks are (converter/read/xlsx.py) and within the same limits: the same ZIP
guard (converter/read/xlsxpackage.py: member count, directory size, bytes inflated, deflate or
stored only, no DTD, bounded markup), content.xml streamed through expat
(converter/read/odscontent.py), the same located messages, the same handling of merged ranges
(a range merged down one column reads its value in each row, with a warning).

Formulas are never evaluated: a formula cell reads as the value the spreadsheet program saved
with it; one without a saved value is an error naming the cell. `--sheet` takes a table's name
or its 1-based number.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

from converter.problems import InputError, Location, error, shorten
from converter.read.odscontent import CONTENT, ContentReader
from converter.read.rows import Table, display_name
from converter.read.sheetkind import (
    NAMES,
    ODF_MIMETYPE_PREFIX,
    ODS_MIMETYPES,
    kind_of_head,
    looks_like_text,
    odf_mimetype,
)
from converter.read.xlsx import SHEETS_LISTED, part_error, rows_table, seekable_input
from converter.read.xlsxbook import SheetEntry
from converter.read.xlsxpackage import (
    LIMITS,
    Limits,
    MalformedPart,
    Package,
    PartError,
    stream_part,
)
from converter.read.xlsxsheet import SheetRow


def _not_a_spreadsheet(name: str, head: bytes) -> InputError:
    if not head:
        return InputError(error("is empty (0 bytes), not an ODS spreadsheet", Location(name)))
    if kind_of_head(head) == "xls":
        return InputError(error(f"is {NAMES['xls']}, not an ODS spreadsheet; name it .xls or "
                                "pass --format xls", Location(name)))
    if looks_like_text(head):
        return InputError(error("is text, not an ODS spreadsheet (a CSV file named .ods? pass "
                                "--format csv)", Location(name)))
    return InputError(error("is not an ODS spreadsheet (not a ZIP archive)", Location(name)))


def _open_package(name: str, path: str, limits: Limits) -> Package:
    handle = seekable_input(path)
    try:
        head = handle.read(4096)
        handle.seek(0)
        if not head.startswith(b"PK\x03\x04"):
            raise _not_a_spreadsheet(name, head)
        package = Package(handle, limits)
    except PartError as exc:
        handle.close()
        raise part_error(name, exc) from None
    except InputError:
        handle.close()
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            NotImplementedError, RuntimeError) as exc:
        handle.close()
        raise InputError(error(f"is not a readable ODS spreadsheet (a broken ZIP archive: "
                               f"{type(exc).__name__}: {shorten(str(exc), 200)})",
                               Location(name))) from None
    try:
        _check_package(name, package)
    except BaseException:
        package.close()
        raise
    return package


def _check_package(name: str, package: Package) -> None:
    """Refuse a ZIP that is not an unencrypted ODS spreadsheet, saying what it is."""
    try:
        mimetype = odf_mimetype(package)
        manifest = b"".join(package.chunks("META-INF/manifest.xml", package.limits.part_bytes)) \
            if package.has("META-INF/manifest.xml") else b""
    except PartError as exc:
        raise part_error(name, exc) from None
    if mimetype is None and package.has("[Content_Types].xml"):
        raise InputError(error(f"is {NAMES['xlsx']}, not an ODS spreadsheet; name it .xlsx or "
                               "pass --format xlsx", Location(name)))
    if mimetype is not None and mimetype not in ODS_MIMETYPES:
        shown = shorten(mimetype.decode("utf-8", "replace"), 80)
        what = ("an OpenDocument file of another kind" if mimetype.startswith(ODF_MIMETYPE_PREFIX)
                else "a ZIP archive of another kind")
        raise InputError(error(f"is {what} (mimetype {shown!r}), not an ODS spreadsheet",
                               Location(name)))
    if mimetype is None and not package.has(CONTENT):
        raise InputError(error("is a ZIP archive but not an ODS spreadsheet (it has no mimetype "
                               "or content.xml entry)", Location(name)))
    if b"encryption-data" in manifest:
        raise InputError(error("is password-protected; save it again without a password (or as "
                               ".xlsx or CSV)", Location(name)))
    if not package.has(CONTENT):
        raise InputError(error("is not a readable ODS spreadsheet (it has no content.xml)",
                               Location(name)))


def read_ods(path: str, sheet: str | None = None, limits: Limits = LIMITS) -> Table:
    name = display_name(path)
    package = _open_package(name, path, limits)
    try:
        return _read_table(name, package, sheet)
    except BaseException:
        package.close()
        raise


def _read_table(name: str, package: Package, sheet: str | None) -> Table:
    reader = ContentReader(package, sheet)
    steps = stream_part(reader, package.limits.sheet_bytes, pause_every=16 * 1024)
    pending: PartError | None = None  # an error in the chosen table's first chunk: located
    # by the rows, which know its header
    try:
        while reader.chosen is None and next(steps, False) is not False:
            pass
    except MalformedPart as exc:
        if reader.chosen is None:
            raise InputError(error(f"is not a readable ODS spreadsheet ({exc.part} "
                                   f"{exc.message})", Location(name))) from None
        pending = exc
    except PartError as exc:
        if reader.chosen is None:
            raise part_error(name, exc) from None
        pending = exc
    if reader.chosen is None:
        raise _no_such_table(name, reader, sheet)
    entry = SheetEntry(reader.chosen, CONTENT, "worksheet")

    def rows() -> Iterator[SheetRow]:
        try:
            if pending is not None:
                raise pending
            for _ in steps:
                if reader.done:  # the handlers hold this very list: emptied, never replaced
                    ready = reader.done[:]
                    reader.done.clear()
                    yield from ready
        except PartError as exc:
            exc.rows_before = reader.done[:]  # (the header, when the error is in the first rows)
            raise

    return rows_table(name, entry, rows(), reader.starting, package.close)


def _no_such_table(name: str, reader: ContentReader, sheet: str | None) -> InputError:
    if not reader.spreadsheet:
        return InputError(error("is an OpenDocument file without a spreadsheet in it, not an ODS "
                                "spreadsheet", Location(name)))
    names = reader.names
    if not names or sheet is None:
        return InputError(error("has no sheets", Location(name)))
    listed = ", ".join(repr(shorten(n)) for n in names[:SHEETS_LISTED])
    more = f" and {len(names) - SHEETS_LISTED:,} more" if len(names) > SHEETS_LISTED else ""
    return InputError(error(f"has no sheet {shorten(sheet)!r}; its sheets are {listed}{more}",
                            Location(name)))
