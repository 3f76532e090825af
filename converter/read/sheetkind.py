"""Which spreadsheet a file is, from its first bytes or its ZIP package: so that a file under
the wrong name (or on standard input) is named for what it is, not refused as "not CSV text"
or "not an XLSX workbook" and left to the user to guess."""

from __future__ import annotations

import struct
from typing import Literal

from converter.read.xlsxpackage import Package

SpreadsheetKind = Literal["ods", "xls", "xlsx"]

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: .xls (or .doc, or an
# XLSX saved with a password, which Office wraps in one)
ODS_MIMETYPES = (b"application/vnd.oasis.opendocument.spreadsheet",
                 b"application/vnd.oasis.opendocument.spreadsheet-template")
ODF_MIMETYPE_PREFIX = b"application/vnd.oasis.opendocument."
_OOXML_FIRST = (b"[Content_Types].xml", b"_rels/", b"docProps/", b"xl/")

NAMES: dict[str, str] = {
    "ods": "an OpenDocument spreadsheet (.ods)",
    "xls": "a legacy Excel .xls workbook (or another OLE file, such as a password-protected "
           "workbook)",
    "xlsx": "an XLSX workbook (or another Office Open XML file)",
}


def looks_like_text(head: bytes) -> bool:
    """UTF-8 text without NUL bytes (a CSV file under a spreadsheet's name, say)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def kind_of_head(head: bytes) -> SpreadsheetKind | None:
    """The spreadsheet format the first bytes of a file show (at least the first 100: the
    ZIP's first local header and, in an ODS file, its stored `mimetype` entry), or None."""
    if head.startswith(OLE_SIGNATURE):
        return "xls"
    if not head.startswith(b"PK\x03\x04") or len(head) < 30:
        return None
    method, = struct.unpack_from("<H", head, 8)
    size, = struct.unpack_from("<I", head, 18)
    name_length, extra_length = struct.unpack_from("<HH", head, 26)
    name = head[30:30 + name_length]
    if name == b"mimetype" and method == 0:  # ODF stores it first, uncompressed
        start = 30 + name_length + extra_length
        if head[start:start + size].strip() in ODS_MIMETYPES:
            return "ods"
        return None
    if name.startswith(_OOXML_FIRST):
        return "xlsx"
    return None


def odf_mimetype(package: Package) -> bytes | None:
    """The `mimetype` entry of a ZIP package (an OpenDocument file), or None."""
    if not package.has("mimetype"):
        return None
    return b"".join(package.chunks("mimetype", 4096, budgeted=False)).strip()


def is_ods_package(package: Package) -> bool:
    return odf_mimetype(package) in ODS_MIMETYPES
