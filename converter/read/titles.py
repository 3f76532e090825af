"""Tables as papers and spreadsheets keep them: a title row above the header ("Table 1.
Clinicopathological features of 12 cases") and footnote rows below the cases ("Abbreviations:
NGS, next-generation sequencing"; "* Died of other causes"). The title row gives way to the real
header below it, footnotes are left out; each with a warning naming its row, never as a case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from converter.problems import Problem, shorten, warning
from converter.read.rows import RawRow, Table, column_letter

# what a footnote starts with: a mark, a footnote letter, or a word footnotes begin with
_FOOTNOTE = re.compile(r"^\s*(?:[*†‡§¶#]+|[a-z]\s*[).:]?\s+(?=[A-Za-z])|"
                       r"(?:abbreviations?|note|notes|source|sources|legend|key|data are|"
                       r"values are|ref(?:erence)?s?)\b)", re.IGNORECASE)


def _filled(raw: RawRow) -> list[str]:
    return [c.value for c in raw.cells if c.value is not None and c.value.strip()]


def is_footnote(raw: RawRow) -> bool:
    """A row whose only cell is its first one, written like a footnote."""
    filled = _filled(raw)
    first = raw.cells[0].value if raw.cells else None
    return (raw.error is None and len(filled) == 1 and first is not None and first == filled[0]
            and (bool(_FOOTNOTE.match(first)) or (" " in first.strip() and len(first) > 40)))


def without_titles_and_footnotes(table: Table) -> tuple[Table, list[Problem]]:
    """The table with a title row replaced by the header below it and footnote rows left out;
    the warnings (for footnotes, filled in as the rows are read)."""
    if table.row_kind != "row":  # JSON and NDJSON have keys, not rows of text
        return table, []
    notes: list[Problem] = []
    rows = table.rows
    filled_headers = [text for text, _ in table.headers if text]
    if len(filled_headers) == 1 and len(table.headers) > 1:
        first = next(rows, None)
        if first is not None and len(_filled(first)) >= 2 and first.error is None:
            title = filled_headers[0]
            notes.append(warning(f"{shorten(title, 60)!r} is read as the table's title; the header "
                                 f"is row {first.number}",
                                 table.location(table.header_row)))
            headers = []
            for index, cell in enumerate(first.cells):
                text = (cell.value or "").strip()
                letter = column_letter(index)
                headers.append((text, f"{letter} ({shorten(text)})" if text else letter))
            table = replace(table, headers=headers, header_row=first.number)
        elif first is not None:
            rows = _chain(first, rows)

    def kept(source: Iterator[RawRow], headers: list[tuple[str, str]]) -> Iterator[RawRow]:
        for raw in source:
            if is_footnote(raw):
                notes.append(warning(f"{shorten(raw.cells[0].value or '', 60)!r} is read as a "
                                     "footnote, not a case", table.location(raw.number)))
                continue
            if raw.cells and raw.cells[0].header != headers[0][0]:  # re-headed by a title row
                raw = replace(raw, cells=tuple(cell._replace(header=text, label=label)
                                               for cell, (text, label) in zip(raw.cells, headers,
                                                                              strict=False)))
            yield raw

    return replace(table, rows=kept(rows, table.headers)), notes


def _chain(first: RawRow, rest: Iterator[RawRow]) -> Iterator[RawRow]:
    yield first
    yield from rest
