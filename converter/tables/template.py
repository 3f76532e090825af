"""`casefhir template`: an empty input file with the canonical headers, and the data dictionary
(each column, its aliases, accepted values and FHIR target) beside it or in a second sheet."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from converter.output.atomic import AtomicFile
from converter.read.dictionary import COLUMNS, Column
from converter.signals import critical

DICTIONARY_HEADERS = ("column", "required", "description", "accepted values", "FHIR target",
                      "also recognised headers")
# columns a template offers; age_sex and recurrence_metastasis are other spellings of age + sex
# and of recurrence + metastasis, so they are left out
TEMPLATE_COLUMNS = tuple(c for c in COLUMNS
                         if c.name not in ("age_sex", "recurrence_metastasis"))


def _row(column: Column) -> tuple[str, ...]:
    return (column.name, "yes" if column.required else "no", column.description, column.accepted,
            column.fhir, "; ".join(column.aliases))


def dictionary_markdown() -> str:
    lines = [
        "# Data dictionary",
        "",
        "Generated from `converter/read/dictionary.py` (`casefhir template --dictionary-markdown`). "
        "Headers match ignoring case, spaces and punctuation; a unit in brackets such as "
        "`Age (months)`, `Size (mm)` or `Follow-up (years)` tells how bare numbers are read. Any "
        "other header can be mapped with `--columns FILE`.",
        "",
        "| " + " | ".join(DICTIONARY_HEADERS) + " |",
        "|" + "---|" * len(DICTIONARY_HEADERS),
    ]
    for column in COLUMNS:
        cells = [c.replace("|", "\\|") for c in _row(column)]
        cells[0] = f"`{cells[0]}`"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _csv_bytes(rows: list[tuple[str, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def dictionary_path(path: str) -> str | None:
    """The data dictionary written beside a CSV template (`cases.csv` → `cases.dictionary.csv`);
    None for XLSX (a second sheet) and standard output."""
    if path == "-" or path.casefold().endswith(".xlsx"):
        return None
    target = Path(path)
    return str(target.with_name(target.stem + ".dictionary.csv"))


DICTIONARY_HEADER = ",".join(DICTIONARY_HEADERS[:3])  # how a dictionary casefhir wrote begins


def _xlsx_bytes(headers: tuple[str, ...], dictionary: list[tuple[str, ...]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    cases = workbook.active
    cases.title = "cases"
    cases.append(headers)
    for cell in cases[1]:
        cell.font = Font(bold=True)
    cases.freeze_panes = "A2"
    sheet = workbook.create_sheet("dictionary")
    for row in dictionary:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_template(path: str) -> list[str]:
    """Write the template (and, for CSV, its dictionary beside it: both or neither); returns
    the files written."""
    headers = tuple(c.name for c in TEMPLATE_COLUMNS)
    dictionary = [DICTIONARY_HEADERS, *(_row(c) for c in COLUMNS)]
    side = dictionary_path(path)
    contents = [(path, _xlsx_bytes(headers, dictionary) if side is None and path != "-"
                 else _csv_bytes([headers]))]
    if side is not None:
        contents.append((side, _csv_bytes(dictionary)))
    staged: list[AtomicFile] = []
    try:
        for target, data in contents:
            out = AtomicFile(target)
            staged.append(out)
            out.write(data)
            out.finish()
        with critical():
            for out in staged:
                out.publish()
    except BaseException:
        for out in staged:
            out.abort()
        raise
    return [target for target, _ in contents]
