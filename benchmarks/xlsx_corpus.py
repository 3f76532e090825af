"""Workbooks for the bounded-input benchmark (benchmarks/bench_xlsx.py) and its tests
(tests/read/test_xlsx.py): bombs that claim little and cost much to read, and legitimately
large tables that must still be read.

Every builder writes a workbook to `path`, streaming its parts (a bomb's sheet can be hundreds
of megabytes of XML), with the size as a parameter: the benchmark builds them full size, the
tests small, against proportionally smaller limits. CASES lists them full size, each with the
fragment of the located error casefhir must give (None: it must be read).

    python benchmarks/xlsx_corpus.py OUT_DIR [NAME ...]     # writes the workbooks
"""

from __future__ import annotations

import random
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from converter.read.rows import column_letter  # noqa: E402

MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = b"http://schemas.openxmlformats.org/package/2006/relationships"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CHUNK = 1 << 16

Parts = dict[str, Iterable[bytes]]


def repeat(piece: bytes, count: int) -> Iterator[bytes]:
    """`piece` `count` times, in chunks of about 64 KiB."""
    per_chunk = max(1, CHUNK // max(1, len(piece)))
    block = piece * per_chunk
    full, rest = divmod(count, per_chunk)
    for _ in range(full):
        yield block
    if rest:
        yield piece * rest


def sheet_xml(body: Iterable[bytes], after: Iterable[bytes] = ()) -> Iterator[bytes]:
    yield DECLARATION + b'<worksheet xmlns="' + MAIN + b'" xmlns:r="' + REL + b'"><sheetData>'
    yield from body
    yield b"</sheetData>"
    yield from after
    yield b"</worksheet>"


def write_workbook(path: Path, sheet: Iterable[bytes], *, shared_strings: Iterable[bytes] | None
                   = None, styles: Iterable[bytes] | None = None, sheet_names: Iterable[str] =
                   ("cases",), workbook_inner: Iterable[bytes] = (), extra: Parts | None = None,
                   workbook_rels: Iterable[bytes] = (),
                   compression: int = zipfile.ZIP_DEFLATED) -> None:
    """A workbook whose first sheet is `sheet` (the sheet part's whole XML); every other
    sheet named is an empty sheet. Parts are streamed into the ZIP, compressed at level 9."""
    names = list(sheet_names)
    rels = [b'<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>' % (i, i)
            for i in range(1, len(names) + 1)]
    rels.append(b'<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships/styles" Target="styles.xml"/>')
    if shared_strings is not None:
        rels.append(b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/>')
    kind = b"application/vnd.openxmlformats-officedocument.spreadsheetml."
    overrides = [b'<Override PartName="/xl/workbook.xml" ContentType="' + kind +
                 b'sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="' + kind +
                 b'styles+xml"/>']
    overrides += [b'<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="%sworksheet+xml"'
                  b'/>' % (n, kind) for n in range(1, len(names) + 1)]
    if shared_strings is not None:
        overrides.append(b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + kind +
                         b'sharedStrings+xml"/>')
    parts: Parts = {
        "[Content_Types].xml": [DECLARATION, b'<Types xmlns="http://schemas.openxmlformats.org/'
                                b'package/2006/content-types"><Default Extension="rels" '
                                b'ContentType="application/vnd.openxmlformats-package.'
                                b'relationships+xml"/><Default Extension="xml" ContentType='
                                b'"application/xml"/>', *overrides, b"</Types>"],
        "_rels/.rels": [DECLARATION, b'<Relationships xmlns="' + PKG_REL + b'"><Relationship '
                        b'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        b'relationships/officeDocument" Target="xl/workbook.xml"/>'
                        b"</Relationships>"],
        "xl/workbook.xml": _workbook_xml(names, workbook_inner),
        "xl/_rels/workbook.xml.rels": [DECLARATION, b'<Relationships xmlns="' + PKG_REL + b'">',
                                       *rels, *workbook_rels, b"</Relationships>"],
        "xl/styles.xml": styles if styles is not None else [DECLARATION, STYLES],
        "xl/worksheets/sheet1.xml": sheet,
    }
    for number in range(2, len(names) + 1):
        parts[f"xl/worksheets/sheet{number}.xml"] = [EMPTY_SHEET]
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", compression, compresslevel=9) as archive:
        for name, content in parts.items():
            with archive.open(name, "w", force_zip64=True) as target:
                for piece in content:
                    target.write(piece)


def _workbook_xml(names: list[str], inner: Iterable[bytes]) -> Iterator[bytes]:
    yield DECLARATION + b'<workbook xmlns="' + MAIN + b'" xmlns:r="' + REL + b'"><sheets>'
    for number, name in enumerate(names, start=1):
        yield b'<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (name.encode(), number, number)
    yield b"</sheets>"
    yield from inner
    yield b"</workbook>"


STYLES = (b'<styleSheet xmlns="' + MAIN + b'"><numFmts count="1"><numFmt numFmtId="164" '
          b'formatCode="yyyy\\-mm\\-dd"/></numFmts><fonts count="1"><font><sz val="11"/>'
          b'<name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill '
          b'patternType="none"/></fill></fills><borders count="1"><border><left/><right/><top/>'
          b'<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" '
          b'fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf '
          b'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" '
          b'fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="14" '
          b'fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
          b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
          b"</styleSheet>")
EMPTY_SHEET = DECLARATION + b'<worksheet xmlns="' + MAIN + b'"><sheetData/></worksheet>'


def shared_strings_xml(items: Iterable[bytes]) -> Iterator[bytes]:
    yield DECLARATION + b'<sst xmlns="' + MAIN + b'">'
    yield from items
    yield b"</sst>"


# ---------------------------------------------------------------------------- legitimate tables
def _escape(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()


def case_table(path: Path, rows: int = 50_000, shared: bool = True, seed: int = 1,
               blank_rows_after: int = 0, sheets: int = 1) -> None:
    """A synthetic case series (benchmarks/generate.py: 27 columns) as Excel writes one: text
    in the shared-string table (or inline, as openpyxl writes it), numbers as numbers, every
    row and cell with its reference, styles on the header. `blank_rows_after` formatted empty
    rows follow the table (what a sheet formatted down to its last row holds)."""
    from benchmarks.generate import HEADERS
    from benchmarks.generate import rows as generated

    strings: dict[str, int] = {}

    def cell(ref: str, text: str, style: int = 0) -> bytes:
        s = b' s="%d"' % style if style else b""
        if text.isdigit() and len(text) < 10:
            return b'<c r="%s"%s><v>%s</v></c>' % (ref.encode(), s, text.encode())
        if not text:
            return b""
        if shared:
            index = strings.setdefault(text, len(strings))
            return b'<c r="%s"%s t="s"><v>%d</v></c>' % (ref.encode(), s, index)
        return b'<c r="%s"%s t="inlineStr"><is><t>%s</t></is></c>' % (ref.encode(), s,
                                                                       _escape(text))

    letters = [column_letter(i) for i in range(len(HEADERS))]
    spans = b' spans="1:%d"' % len(HEADERS)

    def body() -> Iterator[bytes]:
        yield b'<row r="1"%s>' % spans + b"".join(
            cell(f"{letters[i]}1", h, 1) for i, h in enumerate(HEADERS)) + b"</row>"
        batch = []
        for number, values in enumerate(generated(rows, seed), start=2):
            batch.append(b'<row r="%d"%s>' % (number, spans) + b"".join(
                cell(f"{letters[i]}{number}", v) for i, v in enumerate(values)) + b"</row>")
            if len(batch) == 500:
                yield b"".join(batch)
                batch = []
        yield b"".join(batch)
        for number in range(rows + 2, rows + 2 + blank_rows_after):
            yield b'<row r="%d"%s s="2" customFormat="1" ht="15" customHeight="1"/>' % (number,
                                                                                        spans)

    # the sheet is written first: the shared strings are known once it has been generated
    sheet_file = path.with_suffix(".sheet.tmp")
    with sheet_file.open("wb") as out:
        for piece in sheet_xml(body()):
            out.write(piece)

    def from_file() -> Iterator[bytes]:
        with sheet_file.open("rb") as source:
            while chunk := source.read(1 << 20):
                yield chunk

    table = shared_strings_xml(b"<si><t>%s</t></si>" % _escape(s) for s in strings) \
        if shared else None
    write_workbook(path, from_file(), shared_strings=table,
                   sheet_names=["cases", *(f"notes {n}" for n in range(2, sheets + 1))])
    sheet_file.unlink()


def long_notes(path: Path, rows: int = 5_000, chars: int = 9_000) -> None:
    """Every row with a free-text note of `chars` characters (records read up to 10,000)."""
    r = random.Random(2)
    words = ["tumour", "margin", "resection", "follow-up", "NTRK", "fusion", "MRI", "deep"]
    strings = []

    def body() -> Iterator[bytes]:
        yield (b'<row r="1"><c r="A1" t="inlineStr"><is><t>Case</t></is></c><c r="B1" '
               b't="inlineStr"><is><t>Notes</t></is></c></row>')
        for number in range(2, rows + 2):
            note = " ".join(r.choice(words) for _ in range(chars // 6))[:chars]
            strings.append(note)
            yield (b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c></row>'
                   % (number, number, number - 1, number, number - 2))

    sheet = list(sheet_xml(body()))
    write_workbook(path, sheet, shared_strings=shared_strings_xml(
        b"<si><t>%s</t></si>" % _escape(s) for s in strings))


# ---------------------------------------------------------------------------- bombs
HEADER = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Case</t></is></c></row>'


def empty_rows(path: Path, rows: int = 30_000_000, numbered: bool = False) -> None:
    """Millions of empty rows (the 264 kB workbook that read for over 6 minutes)."""
    if numbered:
        body: Iterable[bytes] = (b"".join(b'<row r="%d"/>' % n for n in range(start, min(
            start + 5000, rows + 1))) for start in range(1, rows + 1, 5000))
    else:
        body = repeat(b"<row/>", rows)
    write_workbook(path, sheet_xml(body))


def empty_cells(path: Path, cells: int = 100_000_000, per_row: int = 16_000) -> None:
    """Rows of empty cells, as many as Excel allows in a row."""
    rows, rest = divmod(cells, per_row)
    row = b"<row>" + b"<c/>" * per_row + b"</row>"
    body = [HEADER, *repeat(row, rows), b"<row>" + b"<c/>" * rest + b"</row>"]
    write_workbook(path, sheet_xml(body))


def numbers(path: Path, cells: int = 40_000_000, per_row: int = 100) -> None:
    """Rows of numbers: the cheapest cells that carry a value."""
    rows = cells // per_row
    row = b"<row>" + b"<c><v>1</v></c>" * per_row + b"</row>"
    write_workbook(path, sheet_xml([HEADER, *repeat(row, rows)]))


def junk_elements(path: Path, elements: int = 150_000_000) -> None:
    """Elements no table has, inside a row: only their number costs anything."""
    body = [HEADER, b"<row>", *repeat(b"<x/>", elements), b"</row>"]
    write_workbook(path, sheet_xml(body))


def many_columns(path: Path, cells: int = 1_000_000) -> None:
    """One row wider than Excel's 16,384 columns."""
    write_workbook(path, sheet_xml([HEADER, b"<row>", *repeat(b"<c/>", cells), b"</row>"]))


def shared_string_count(path: Path, strings: int = 20_000_000) -> None:
    """A shared-string table of millions of one-letter strings (a 1.5 MB workbook held 2.3 GB
    through openpyxl)."""
    write_workbook(path, sheet_xml([HEADER]), shared_strings=shared_strings_xml(
        repeat(b"<si><t>a</t></si>", strings)))


def strings_and_cells(path: Path, strings: int = 20_000_000, cells: int = 40_000_000,
                      per_row: int = 100) -> None:
    """Both costly tables at once: a shared-string table just under its limit and a sheet of
    numbers beyond its own (the time each takes adds up)."""
    row = b"<row>" + b"<c><v>1</v></c>" * per_row + b"</row>"
    write_workbook(path, sheet_xml([HEADER, *repeat(row, cells // per_row)]),
                   shared_strings=shared_strings_xml(repeat(b"<si><t>a</t></si>", strings)))


def shared_string_chars(path: Path, strings: int = 3_000, chars: int = 32_000) -> None:
    """A shared-string table of long strings, each within Excel's cell limit."""
    item = b"<si><t>" + b"a" * chars + b"</t></si>"
    write_workbook(path, sheet_xml([HEADER]), shared_strings=shared_strings_xml(
        repeat(item, strings)))


def huge_shared_string(path: Path, chars: int = 200_000_000) -> None:
    """One shared string far beyond Excel's 32,767 characters."""
    write_workbook(path, sheet_xml([HEADER]), shared_strings=shared_strings_xml(
        [b"<si><t>", *repeat(b"a", chars), b"</t></si>"]))


def repeated_long_string(path: Path, rows: int = 1_000_000, per_row: int = 40,
                         chars: int = 32_000) -> None:
    """One long shared string, referred to by every cell of a million rows: a few bytes of
    XML each, 32,000 characters each once read."""
    row = b"<row>" + b'<c t="s"><v>0</v></c>' * per_row + b"</row>"
    write_workbook(path, sheet_xml([HEADER, *repeat(row, rows)]),
                   shared_strings=shared_strings_xml([b"<si><t>" + b"a" * chars + b"</t></si>"]))


def huge_cell(path: Path, chars: int = 200_000_000) -> None:
    """One inline-string cell of hundreds of millions of characters."""
    body = [HEADER, b'<row><c t="inlineStr"><is><t>', *repeat(b"a", chars),
            b"</t></is></c></row>"]
    write_workbook(path, sheet_xml(body))


def huge_value(path: Path, digits: int = 200_000_000) -> None:
    """One number of hundreds of millions of digits."""
    write_workbook(path, sheet_xml([HEADER, b"<row><c><v>", *repeat(b"9", digits),
                                    b"</v></c></row>"]))


def deep_nesting(path: Path, depth: int = 50_000_000) -> None:
    """Elements nested millions deep inside a cell."""
    body = [HEADER, b"<row><c>", *repeat(b"<a>", depth), *repeat(b"</a>", depth),
            b"</c></row>"]
    write_workbook(path, sheet_xml(body))


def huge_styles(path: Path, formats: int = 1_000_000) -> None:
    """A styles.xml of a million cell formats (Excel's limit is 64,000)."""
    styles = [DECLARATION, b'<styleSheet xmlns="' + MAIN + b'"><cellXfs>',
              *repeat(b'<xf numFmtId="14"/>', formats), b"</cellXfs></styleSheet>"]
    write_workbook(path, sheet_xml([HEADER]), styles=styles)


def bloated_styles(path: Path, fonts: int = 1_000_000) -> None:
    """A bloated styles.xml (fonts copied between workbooks for years) that Excel still
    opens: read, not refused."""
    styles = [DECLARATION, b'<styleSheet xmlns="' + MAIN + b'"><fonts>',
              *repeat(b'<font><sz val="11"/></font>', fonts),
              b'</fonts><cellXfs><xf numFmtId="0"/></cellXfs></styleSheet>']
    write_workbook(path, sheet_xml([HEADER, b'<row r="2"><c r="A2"><v>1</v></c></row>']),
                   styles=styles)


def many_sheets(path: Path, sheets: int = 200_000) -> None:
    """A workbook naming hundreds of thousands of sheets."""
    inner = (b'<sheet name="s%d" sheetId="%d" r:id="rId1"/>' % (n, n) for n in range(sheets))

    def workbook() -> Iterator[bytes]:
        yield DECLARATION + b'<workbook xmlns="' + MAIN + b'" xmlns:r="' + REL + b'"><sheets>'
        yield from inner
        yield b"</sheets></workbook>"

    write_workbook(path, sheet_xml([HEADER]), extra={"xl/workbook.xml": workbook()})


def entity_expansion(path: Path) -> None:
    """The billion laughs: entities defined in terms of each other, in the shared strings."""
    entities = b'<!ENTITY a0 "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY a%d "%s">' % (n, b"&a%d;" % (n - 1) * 10) for n in range(1, 10))
    write_workbook(path, sheet_xml([HEADER]), shared_strings=[
        b'<?xml version="1.0"?><!DOCTYPE sst [' + entities + b"]><sst xmlns=\"" + MAIN +
        b'"><si><t>&a9;</t></si></sst>'])


def huge_tag(path: Path, chars: int = 100_000_000) -> None:
    """One start tag of a hundred megabytes (an attribute value no parser can stream)."""
    write_workbook(path, sheet_xml([HEADER, b'<row><c r="A2" x="', *repeat(b"a", chars),
                                    b'"/></row>']))


def huge_comment(path: Path, chars: int = 100_000_000) -> None:
    """An XML comment of a hundred megabytes."""
    write_workbook(path, sheet_xml([HEADER, b"<!--", *repeat(b"<a>", chars // 3), b"-->"]))


def many_members(path: Path, members: int = 60_000) -> None:
    """A ZIP of tens of thousands of (empty) members."""
    write_workbook(path, sheet_xml([HEADER]),
                   extra={f"xl/media/image{n}.png": [b""] for n in range(members)})


def many_merges(path: Path, merges: int = 1_000_000) -> None:
    """A million merged ranges after the cells."""
    after = [b"<mergeCells>", *(b"".join(b'<mergeCell ref="A%d:B%d"/>' % (n, n) for n in range(
        start, min(start + 5000, merges + 2))) for start in range(2, merges + 2, 5000)),
        b"</mergeCells>"]
    write_workbook(path, sheet_xml([HEADER], after))


def bzip2_member(path: Path, rows: int = 1_000) -> None:
    """A sheet compressed with bzip2, which ZIP allows and XLSX does not."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    write_workbook(path, sheet_xml([HEADER, *repeat(row, rows)]), compression=zipfile.ZIP_BZIP2)


def external_links(path: Path) -> None:
    """Not a bomb: formulas whose saved values come from another workbook and from a DDE link
    (read, with a warning per cell)."""
    body = [b'<row r="1"><c r="A1" t="inlineStr"><is><t>Case</t></is></c><c r="B1" '
            b't="inlineStr"><is><t>Age</t></is></c><c r="C1" t="inlineStr"><is><t>Sex</t></is>'
            b"</c></row>",
            b'<row r="2"><c r="A2"><v>1</v></c><c r="B2"><f>[1]Sheet1!B2</f><v>22</v></c>'
            b'<c r="C2" t="str"><f>cmd|\' /C calc\'!A0</f><v>F</v></c></row>']
    link = [DECLARATION, b'<externalLink xmlns="' + MAIN + b'"><externalBook xmlns:r="' + REL +
            b'" r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook>'
            b"</externalLink>"]
    link_rels = [DECLARATION, b'<Relationships xmlns="' + PKG_REL + b'"><Relationship Id="rId1" '
                 b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                 b'externalLinkPath" Target="file:///C:/data/other.xlsx" TargetMode="External"/>'
                 b"</Relationships>"]
    write_workbook(
        path, sheet_xml(body),
        workbook_inner=[b'<externalReferences><externalReference r:id="rIdLink"/>'
                        b"</externalReferences>"],
        workbook_rels=[b'<Relationship Id="rIdLink" Type="http://schemas.openxmlformats.org/'
                       b'officeDocument/2006/relationships/externalLink" '
                       b'Target="externalLinks/externalLink1.xml"/>'],
        extra={"xl/externalLinks/externalLink1.xml": link,
               "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels})


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[..., None]
    refused: str | None  # a fragment of the located error; None: the workbook must be read
    about: str
    options: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("legit-50k-excel", case_table, None, "50,000 rows x 27 columns, shared strings"),
    Case("legit-50k-inline", case_table, None, "50,000 rows x 27 columns, inline strings "
         "(as openpyxl writes)", {"shared": False}),
    Case("legit-200k-excel", case_table, None, "200,000 rows x 27 columns, shared strings",
         {"rows": 200_000}),
    Case("legit-formatted-to-last-row", case_table, None, "1,000 rows, then formatted empty "
         "rows down to Excel's last row", {"rows": 1_000, "blank_rows_after": 1_047_575}),
    Case("legit-2000-sheets", case_table, None, "1,000 rows on the first of 2,000 sheets",
         {"rows": 1_000, "sheets": 2_000}),
    Case("legit-long-notes", long_notes, None, "5,000 rows with a 9,000-character note each"),
    Case("legit-bloated-styles", bloated_styles, None, "a styles.xml of a million fonts "
         "(27 MB)"),
    Case("external-links", external_links, None, "formulas from another workbook and a DDE "
         "link (warnings)"),
    Case("empty-rows", empty_rows, "past Excel's last row", "30 million empty rows <row/>"),
    Case("empty-rows-numbered", empty_rows, "past Excel's last row", "30 million empty rows "
         '<row r="n"/>', {"numbered": True}),
    Case("empty-cells", empty_cells, "compressed bytes: more than any table packs",
         "100 million empty cells"),
    Case("numbers", numbers, "compressed bytes: more than any table packs",
         "40 million cells holding 1"),
    Case("junk-elements", junk_elements, "XML elements", "150 million elements no table has"),
    Case("many-columns", many_columns, "past Excel's last column XFD", "a row of a million "
         "cells"),
    Case("shared-string-count", shared_string_count, "shared strings in",
         "20 million shared strings"),
    Case("strings-and-cells", strings_and_cells, "compressed bytes: more than any table packs",
         "1.5 million shared strings (allowed), then 40 million cells holding 1",
         {"strings": 1_500_000}),
    Case("shared-string-chars", shared_string_chars, "characters of shared strings",
         "3,000 shared strings of 32,000 characters"),
    Case("huge-shared-string", huge_shared_string, "shared string 0 holds more than 32,767",
         "one shared string of 200 million characters"),
    Case("repeated-long-string", repeated_long_string, "characters; casefhir stops there",
         "a 32,000-character shared string in every cell of a million rows"),
    Case("huge-cell", huge_cell, "the cell holds more than 32,767 characters",
         "an inline string of 200 million characters"),
    Case("huge-value", huge_value, "the cell holds more than 32,767 characters",
         "a number of 200 million digits"),
    Case("deep-nesting", deep_nesting, "nests XML elements more than 64 deep",
         "elements nested 50 million deep"),
    Case("huge-styles", huge_styles, "cell formats", "a million cell formats"),
    Case("many-sheets", many_sheets, "sheets; casefhir reads at most", "200,000 sheets"),
    Case("entity-expansion", entity_expansion, "DTD", "the billion laughs"),
    Case("huge-tag", huge_tag, "a tag or text longer than", "a 100 MB start tag"),
    Case("huge-comment", huge_comment, "a comment longer than", "a 100 MB comment"),
    Case("many-members", many_members, "ZIP members", "60,000 ZIP members"),
    Case("many-merges", many_merges, "merged ranges", "a million merged ranges"),
    Case("bzip2-member", bzip2_member, "compressed with a method XLSX does not use",
         "a sheet compressed with bzip2"),
]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0])
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set(args[1:])
    for case in CASES:
        if not wanted or case.name in wanted:
            path = folder / f"{case.name}.xlsx"
            case.build(path, **case.options)
            print(f"{path}: {path.stat().st_size:,} bytes", flush=True)


if __name__ == "__main__":
    main()
