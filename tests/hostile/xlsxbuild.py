"""Workbooks for the hostile corpus: built with openpyxl, then edited as XML and ZIP bytes to
make what openpyxl would never write (cached formula values, error cells, wrong dimensions,
rows out of order, damaged archives)."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable, Sequence
from typing import Any

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: Sequence[Sequence[Any]], merge: Sequence[str] = (),
             at: str | None = None) -> bytes:
    """A one-sheet workbook ("cases") holding `rows` (from A1, or from cell `at`)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "cases"
    if at is None:
        for row in rows:
            sheet.append(list(row))
    else:
        match = re.fullmatch(r"([A-Z]+)(\d+)", at)
        assert match
        first_col = ord(match.group(1)) - 64
        first_row = int(match.group(2))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.cell(first_row + r, first_col + c, value)
    for ref in merge:
        sheet.merge_cells(ref)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def edit_part(data: bytes, edit: Callable[[bytes], bytes], part: str = SHEET) -> bytes:
    """The workbook with one ZIP member rewritten by `edit`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, edit(content) if info.filename == part else content)
    return buffer.getvalue()


def set_cell_xml(data: bytes, ref: str, xml: str) -> bytes:
    """Replace the whole <c r="ref" ...>...</c> element of a cell."""
    def edit(sheet: bytes) -> bytes:
        pattern = rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)'
        new, count = re.subn(pattern, xml.encode(), sheet, count=1)
        assert count == 1, ref
        return new

    return edit_part(data, edit)


def sub_xml(data: bytes, pattern: bytes, replacement: bytes) -> bytes:
    def edit(sheet: bytes) -> bytes:
        new, count = re.subn(pattern, replacement, sheet, count=1)
        assert count == 1, pattern
        return new

    return edit_part(data, edit)


def declare_huge(data: bytes) -> bytes:
    """A ZIP whose central directory declares a 4 GB sheet (a ZIP bomb, as far as any reader
    that trusts the declared sizes can tell), without being one."""
    out = bytearray(data)
    start = 0
    while (start := out.find(b"PK\x01\x02", start)) >= 0:
        name_length = struct.unpack_from("<H", out, start + 28)[0]
        name = bytes(out[start + 46:start + 46 + name_length])
        if name == SHEET.encode():
            struct.pack_into("<I", out, start + 24, 0xFFFFFFF0)
        start += 4
    return bytes(out)


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, content in members.items():
            target.writestr(name, content)
    return buffer.getvalue()


def from_corpus(build: Callable[..., None], **options: Any) -> bytes:
    """The bytes of a workbook that benchmarks/xlsx_corpus.py builds (at a small size)."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "built.xlsx"
        build(path, **options)
        return path.read_bytes()
