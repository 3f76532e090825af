"""The --columns file: which dictionary column each of a table's headers gives, in which unit,
with which codebook (value labels of a coded column), plus values that hold for every row of the
series (constants).

JSON (an object keyed by the table's headers):

    {"Patient code": "case_id",                       a dictionary column
     "Colour": "ignore",                              left out ("ignore", "" or null)
     "FU": {"column": "follow_up_months", "unit": "days"},
     "time": {"column": "os_months", "unit": "days", "from": "study entry"},
     "sex": {"column": "sex", "values": {"1": "male", "2": "female"}},
     "status": {"column": "os_status", "values": {"1": "dead", "0": "alive", "9": null}},
     "series diagnosis": {"column": "diagnosis", "constant": "breast carcinoma"}}

A codebook's label is read by the column's own parser, as if the table had written it; a code
mapped to null says nothing (the cell is read as empty). A cell whose code the codebook does not
list is an error at that cell, never a guess. A constant is read the same way for every row; its
key names it (it is not a header of the table). "from" gives what a survival or follow-up time
(follow_up_months, os_months, dfs_months, pfs_months) counts from: one of
converter.read.schema.TIME_ORIGINS (diagnosis, study entry, randomisation, start of treatment,
surgery, remission); without it, the surgery when the row has one, else the diagnosis.

Dummy-coded columns (`Stage_II`, `Stage_III`, `Stage_IV`: 1 or 0) may give one column when each
has a codebook (`{"1": "Stage II", "0": null}`); `{"column": "stage", "otherwise": "Stage I"}`
then gives the reference value to a row whose coded cells are all present and all say nothing.

CSV: `header,column[,unit[,values[,from]]]`, values as `code=label` pairs separated by `;`
(`1=male; 2=female`; `9=` says nothing). Constants exist in the JSON form only.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from converter.problems import InputError, Location, error, shorten
from converter.read.dictionary import COLUMNS_BY_NAME, UNIT_HINTS, Column
from converter.read.values.text import MAX_CELL_CHARS
from converter.read.values.times import origin_of, origins_text

IGNORE = "ignore"
MAX_CODES = 10_000  # a codebook is a short list; a huge one is a mistake, not a codebook
# what no cell may hold (records.py refuses such cells), so no label or constant either
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class MappedColumn:
    """A --columns target with the unit its bare values are in ("days", "1=event"), its
    codebook (code → label; None: the code says nothing) and, for a survival or follow-up time,
    its origin (schema.TIME_ORIGINS; "": the default)."""

    column: str
    unit: str = ""
    values: dict[str, str | None] | None = field(default=None, hash=False, compare=True)
    origin: str = ""


@dataclass(frozen=True, slots=True)
class Constant:
    """A value every row of the series has, given by the column map rather than by a cell
    (e.g. the diagnosis of a trial that enrolled one tumour type only)."""

    column: str
    value: str
    # only for rows whose dummy-coded cells for the column all say nothing ("otherwise": stage I
    # where Stage_II, Stage_III and Stage_IV are all 0)
    otherwise: bool = False


# a --columns file's entry: a column name, a column with its unit or codebook, a constant, or
# None (ignored)
Entry = str | MappedColumn | Constant | None
ColumnMap = Mapping[str, Entry]


def unit_hint(column: Column, unit: str) -> str | None:
    """What a unit given with --columns says of a column's bare values (None: not a unit of it)."""
    words = UNIT_HINTS.get(column.units or "", {})
    word = unit.strip().casefold()
    if column.units == "event":
        return word.replace(" ", "") if word.replace(" ", "") in ("1=event", "0=event") else None
    return words.get(word) or (word if word in words.values() else None)


def load_column_map(path: str) -> dict[str, Entry]:
    """Read a --columns file (JSON or CSV, see the module docstring); every mistake is an
    InputError naming the file (and, for CSV, the line) and the header."""
    location = Location(path)
    try:
        data = Path(path).read_bytes().removeprefix(b"\xef\xbb\xbf")
    except OSError as exc:
        raise InputError(error(f"cannot read the column map: {exc.strerror}", location)) from None
    if path.casefold().endswith(".json"):
        return _entries(_json_map(data, location), location, {})
    return _csv_map(data, path)


def column_map_of(mapping: Mapping[str, Any], origin: Location,
                  lines: Mapping[str, Location] | None = None) -> dict[str, Entry]:
    """A column map already parsed into the JSON form (say, the [columns] table of a
    casefhir.toml), checked as a --columns file is; each mistake is located at `lines[header]`,
    else at `origin`."""
    return _entries(dict(mapping), origin, dict(lines or {}))


def _json_map(data: bytes, location: Location) -> dict[str, Any]:
    try:
        mapping = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(error(f"the column map is not valid JSON: {exc}", location)) from None
    if not isinstance(mapping, dict):
        raise InputError(error('the column map must be a JSON object {"header": "column"}',
                               location))
    return mapping


def _csv_map(data: bytes, path: str) -> dict[str, Entry]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(error("the column map is not UTF-8 text", Location(path))) from None
    mapping: dict[str, Any] = {}
    lines: dict[str, Location] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or (number == 1 and [c.strip().casefold() for c in row[:2]] ==
                       ["header", "column"]):
            continue
        where = Location(path, number)
        if len(row) not in (2, 3, 4, 5):
            raise InputError(error("each line needs two to five cells: header,column[,unit"
                                   "[,values[,from]]]", where))
        target = row[1].strip()
        unit = row[2].strip() if len(row) >= 3 else ""
        codes = row[3].strip() if len(row) >= 4 else ""
        origin = row[4].strip() if len(row) == 5 else ""
        entry: dict[str, Any] = {"column": target}
        if unit:
            entry["unit"] = unit
        if codes:
            entry["values"] = _csv_codebook(codes, row[0].strip(), where)
        if origin:
            entry["from"] = origin
        mapping[row[0].strip()] = entry if len(entry) > 1 else target
        lines[row[0].strip()] = where
    return _entries(mapping, Location(path), lines)


def _csv_codebook(text: str, header: str, where: Location) -> dict[str, str | None]:
    """`1=male; 2=female; 9=` → {"1": "male", "2": "female", "9": None}."""
    codebook: dict[str, str | None] = {}
    for pair in text.split(";"):
        if not pair.strip():
            continue
        code, equals, label = pair.partition("=")
        if not equals:
            raise InputError(error(
                f"the codebook of {shorten(header)!r} has {shorten(pair.strip())!r}, which is not "
                "code=label (pairs separated by ';', e.g. 1=male; 2=female)", where))
        if code.strip() in codebook:
            raise InputError(error(f"the codebook of {shorten(header)!r} gives the code "
                                   f"{shorten(code.strip())!r} twice", where))
        codebook[code.strip()] = _readable(label.strip(), f"the label of the code "
                                           f"{shorten(code.strip())!r} of {shorten(header)!r}",
                                           where) or None
    return codebook


def _entries(mapping: dict[str, Any], location: Location,
             lines: dict[str, Location]) -> dict[str, Entry]:
    result: dict[str, Entry] = {}
    for header, target in mapping.items():
        where = lines.get(header, location)
        if isinstance(target, dict):
            result[header] = _object_entry(str(header), target, where)
        elif target is None or (isinstance(target, str) and target.casefold() in ("", IGNORE)):
            result[header] = None
        elif isinstance(target, str) and target in COLUMNS_BY_NAME:
            result[header] = target
        else:
            raise InputError(_not_a_column(str(header), target, where))
    return result


def _not_a_column(header: str, target: Any, where: Location) -> Any:
    shown = repr(shorten(target)) if isinstance(target, str) else \
        shorten(orjson.dumps(target).decode(), 60)
    return error(f"maps {shorten(header)!r} to {shown}, which is not a column of the data "
                 f"dictionary (see `casefhir template` or docs/data-dictionary.md), nor 'ignore'",
                 where)


def _object_entry(header: str, target: dict[str, Any], where: Location) -> str | MappedColumn | \
        Constant:
    name = target.get("column")
    unknown = sorted(set(target) - {"column", "unit", "values", "constant", "otherwise", "from"})
    if unknown or not isinstance(name, str) or name not in COLUMNS_BY_NAME:
        if unknown and isinstance(name, str) and name in COLUMNS_BY_NAME:
            raise InputError(error(
                f"the entry of {shorten(header)!r} has the key {shorten(unknown[0])!r}; an entry "
                "takes column, unit, values (a codebook), from (a time's origin) or constant",
                where))
        raise InputError(_not_a_column(header, target, where))
    column = COLUMNS_BY_NAME[name]
    if "constant" in target or "otherwise" in target:
        return _constant(header, column, target, where)
    unit = target.get("unit", "")
    if not isinstance(unit, str):
        raise InputError(error(f"the unit of {shorten(header)!r} must be text, e.g. \"days\"",
                               where))
    if unit and unit_hint(column, unit) is None:
        known = sorted(UNIT_HINTS.get(column.units or "", {})) or ["none"]
        raise InputError(error(
            f"maps {shorten(header)!r} to {column.name} in the unit {shorten(unit)!r}, which is "
            f"not a unit of that column (units: {', '.join(known)})", where))
    values = _codebook(header, target["values"], where) if "values" in target else None
    origin = _origin(header, column, target["from"], where) if "from" in target else ""
    if not unit and values is None and not origin:
        return column.name
    return MappedColumn(column.name, unit, values, origin)


# the times whose origin a study chooses (recurrence and metastasis times count from the surgery)
TIMES_WITH_ORIGIN = ("follow_up_months", "os_months", "dfs_months", "pfs_months")


def _origin(header: str, column: Column, origin: Any, where: Location) -> str:
    """What the time of `header` counts from, one of schema.TIME_ORIGINS."""
    if column.name not in TIMES_WITH_ORIGIN:
        raise InputError(error(
            f"the entry of {shorten(header)!r} gives \"from\" (what a time counts from), but "
            f"{column.name} is not a survival or follow-up time ({', '.join(TIMES_WITH_ORIGIN)})",
            where))
    found = origin_of(origin) if isinstance(origin, str) else None
    if found is None:
        shown = repr(shorten(origin)) if isinstance(origin, str) else \
            shorten(orjson.dumps(origin).decode(), 60)
        raise InputError(error(
            f"the time {shorten(header)!r} counts \"from\" {shown}, which is not an origin "
            f"casefhir knows; write one of: {origins_text()}", where))
    return found


def _codebook(header: str, values: Any, where: Location) -> dict[str, str | None]:
    if not isinstance(values, dict) or not values:
        raise InputError(error(
            f"the codebook (\"values\") of {shorten(header)!r} must be a non-empty object "
            '{"code": "label"}, e.g. {"1": "male", "2": "female"}', where))
    if len(values) > MAX_CODES:
        raise InputError(error(f"the codebook of {shorten(header)!r} has {len(values)} codes; at "
                               f"most {MAX_CODES}", where))
    codebook: dict[str, str | None] = {}
    for code, label in values.items():
        if not code.strip():
            raise InputError(error(f"the codebook of {shorten(header)!r} has an empty code",
                                   where))
        if label is not None and (not isinstance(label, str) or not label.strip()):
            shown = shorten(orjson.dumps(label).decode(), 60)
            raise InputError(error(
                f"the codebook of {shorten(header)!r} gives the code {shorten(code)!r} the label "
                f"{shown}; a label is text (or null: the code says nothing)", where))
        if code.strip() in codebook:
            raise InputError(error(f"the codebook of {shorten(header)!r} gives the code "
                                   f"{shorten(code.strip())!r} twice", where))
        codebook[code.strip()] = _readable(label.strip(), f"the label of the code "
                                           f"{shorten(code)!r} of {shorten(header)!r}", where) \
            if label is not None else None
    return codebook


def _readable(text: str, what: str, where: Location) -> str:
    """A label or constant as a cell could hold it: at most MAX_CELL_CHARS characters, no
    control characters (else the error names the entry)."""
    if len(text) > MAX_CELL_CHARS:
        raise InputError(error(f"{what} holds {len(text):,} characters; at most "
                               f"{MAX_CELL_CHARS:,}, as in a cell", where))
    found = _CONTROL.search(text)
    if found:
        raise InputError(error(f"{what} holds the control character U+{ord(found.group()):04X}",
                               where))
    return text


def _constant(header: str, column: Column, target: dict[str, Any], where: Location) -> Constant:
    kind = "otherwise" if "otherwise" in target else "constant"
    value = target[kind]
    if set(target) != {"column", kind}:
        raise InputError(error(f"the constant {shorten(header)!r} takes no unit, codebook or "
                               "second value: write the value as a cell would", where))
    if not isinstance(value, str) or not value.strip():
        raise InputError(error(f"the constant {shorten(header)!r} must be non-empty text",
                               where))
    if column.name == "case_id":
        raise InputError(error(f"the constant {shorten(header)!r} gives case_id, which differs "
                               "from case to case", where))
    return Constant(column.name, _readable(value.strip(), f"the constant {shorten(header)!r}",
                                           where), otherwise=kind == "otherwise")
