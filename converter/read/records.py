"""Rows of text cells → validated, normalised CaseRecords, with every problem located.

Headers are bound to the data dictionary once (converter/read/headers.py reads what a header
names); each row is then parsed cell by cell (what one column's value means for another's is
converter/read/crossfields.py). A row with an error yields no record; warnings (unknown
terms...) travel with the record.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from converter.problems import (
    InputError,
    Location,
    Problem,
    Severity,
    error,
    shorten,
    warning,
)
from converter.read.columnmap import (
    TIMES_WITH_ORIGIN,
    ColumnMap,
    Constant,
    MappedColumn,
    unit_hint,
)
from converter.read.columnmap import load_column_map as load_column_map  # where the CLI finds it
from converter.read.crossfields import (
    assign_follow_up,
    assign_stated_recurrence,
    assign_survival,
    merge_site,
    one_marker_of_two,
    surgery_not_done,
)
from converter.read.dictionary import (
    COLUMNS_BY_NAME,
    Column,
    header_key,
)
from converter.read.headers import Binding, match_header, suggestions, with_header_method
from converter.read.rows import Cell, RawRow, Table
from converter.read.schema import CaseRecord, Event, Finding, RowSource, Series, Term
from converter.read.values.parsers import DASH_IS_VALUE, PARSERS
from converter.read.values.text import MAX_CELL_CHARS, InvalidValue, is_missing, norm


@dataclass(frozen=True, slots=True)
class SourceRow:
    """Where a record came from: file, row, and which column label each field was read from."""

    file: str
    row: int
    row_kind: str
    columns: Mapping[str, str] = field(default_factory=dict)

    def location(self, field_name: str | None = None) -> Location:
        column = self.columns.get(field_name) if field_name else None
        return Location(self.file, self.row, column, self.row_kind)


DEPENDS_ON = {"margin": "surgery", "surgery_intent": "surgery", "molecular_method": "findings"}


def row_digest(raw: RawRow) -> str:
    """SHA-256 of a row's (header, value) pairs in file order: the same cells give the same
    digest wherever and however the file is read."""
    return hashlib.sha256(orjson.dumps([[c.header, c.value] for c in raw.cells])).hexdigest()


class ParsedCell(NamedTuple):  # a tuple, as Cell: made for every cell, faster than a dataclass
    """One cell's value as its parser read it, before the row's cells make a record."""

    cell: Cell
    column: str  # the dictionary column it was bound to
    repeatable: bool  # the column's values join those of its other columns (findings)
    value: Any


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """A row's cells parsed one by one (RecordBuilder.parse), with the problems found so far."""

    raw: RawRow
    source: SourceRow
    problems: list[Problem]
    cells: tuple[ParsedCell, ...] = ()


class RecordBuilder:
    """Turns the rows of one table into CaseRecords for one series."""

    def __init__(self, table: Table, series: Series,
                 column_map: ColumnMap | None = None,
                 ignore_unmapped: bool = False,
                 joined: Mapping[str, tuple[Finding, ...]] | None = None,
                 joined_from: str | None = None) -> None:
        self.table = table
        # findings of findings files (--findings) by case id, and the files' names
        self.joined = joined or {}
        self.joined_from = joined_from
        self.series = series
        self.column_map = {header_key(k): v for k, v in (column_map or {}).items()}
        # values --columns gives every row (e.g. the diagnosis of a single-tumour-type trial)
        self.constants = [(k, v) for k, v in (column_map or {}).items() if isinstance(v, Constant)]
        self.ignore_unmapped = ignore_unmapped
        self.bindings: dict[str, Binding] = {}
        self.bound_by: dict[str, str] = {}  # column name → header label
        self.coded: dict[str, bool] = {}  # column name → every header giving it has a codebook
        self.coded_headers: dict[str, int] = {}  # column name → how many headers give it
        self.header_problems: list[Problem] = []
        self.origins: dict[str, str] = {}  # time column → its origin, as --columns gives it
        self._bind_headers()

    # ------------------------------------------------------------------ headers
    def _bind(self, text: str, label: str, row: int | None) -> Binding:
        location = self.table.location(row, label)
        key = header_key(text)
        binding: Binding | None
        if key in self.column_map:
            target = self.column_map[key]
            if isinstance(target, Constant):
                raise InputError(error(
                    f"{shorten(text)!r} is a header of the table and the name of a constant of "
                    "the column map; rename the constant", location))
            if isinstance(target, MappedColumn):  # the unit --columns gives wins over the header's
                column = COLUMNS_BY_NAME[target.column]
                binding = Binding(column, unit_hint(column, target.unit) if target.unit else None,
                                  target.values)
                if target.origin:
                    self.origins[column.name] = target.origin
            else:
                binding = Binding(COLUMNS_BY_NAME[target]) if target else Binding(None)
            binding = with_header_method(binding, text)  # "CT Befund" → imaging_findings: CT
            if binding.column is not None and binding.unit is None and \
                    not (isinstance(target, MappedColumn) and target.unit):
                guessed = match_header(text)
                if guessed and guessed.column is binding.column:
                    binding = replace(guessed, codebook=binding.codebook)
        else:
            binding = match_header(text)
        if binding is None:
            message = (f"column {shorten(text)!r} is not in the data dictionary{suggestions(text)}; "
                       "map it with --columns (or map it to 'ignore'), or pass --ignore-unmapped "
                       "to leave it out")
            if not self.ignore_unmapped:
                raise InputError(error(message, location))
            self.header_problems.append(warning(
                f"column {shorten(text)!r} is not in the data dictionary and was left out "
                "(--ignore-unmapped)", location))
            binding = Binding(None)
        if binding.column is not None:
            name = binding.column.name
            # dummy-coded columns (Stage_II, Stage_III: 1 or 0) may share a column when each has
            # a codebook; a row in which two of them give it is an error at the second cell
            shared = binding.codebook is not None and self.coded.get(name, False)
            if (binding.column.repeatable or shared) and name in self.bound_by:
                self.bound_by[name] += f", {label}"
                self.coded[name] = self.coded[name] and binding.codebook is not None
                self.coded_headers[name] = self.coded_headers.get(name, 1) + 1
            elif name in self.bound_by:
                raise InputError(error(
                    f"both {self.bound_by[name]} and {label} give {name}; keep one, or map one to "
                    "'ignore' with --columns", location))
            else:
                self.bound_by[name] = label
                self.coded[name] = binding.codebook is not None
                self.coded_headers[name] = 1
        self.bindings[text] = binding
        return binding

    def _bind_headers(self) -> None:
        unknown: list[Problem] = []  # every unknown column at once, not one per run
        for text, label in self.table.headers:
            if text and text not in self.bindings:
                try:
                    self._bind(text, label, self.table.header_row)
                except InputError as exc:
                    if not all("is not in the data dictionary" in p.message for p in exc.problems):
                        raise
                    unknown.extend(exc.problems)
            elif text:
                raise InputError(error(f"the header {shorten(text)!r} appears twice",
                                       self.table.location(self.table.header_row, label)))
        if unknown:
            raise InputError(*unknown)
        for name, constant in self.constants:  # a constant gives its column as a header would
            column = COLUMNS_BY_NAME[constant.column]
            label = _constant_label(name)
            if constant.otherwise:  # the value of a row whose coded cells all say nothing
                if not self.coded.get(column.name):
                    raise InputError(error(
                        f"{label} gives {column.name} 'otherwise', but no header with a codebook "
                        f"gives {column.name}", self.table.location(self.table.header_row)))
                continue
            if column.name in self.bound_by and not column.repeatable:
                raise InputError(error(
                    f"both {self.bound_by[column.name]} and {label} give {column.name}; keep one",
                    self.table.location(self.table.header_row)))
            self.bound_by[column.name] = f"{self.bound_by[column.name]}, {label}" \
                if column.name in self.bound_by else label
        self._check_columns(self.table.header_row)

    def _check_columns(self, row: int | None) -> None:
        bound = set(self.bound_by)
        if self.table.headers and "case_id" not in bound:
            raise InputError(error(
                "no case id column; name one 'Case' (or any alias in docs/data-dictionary.md) or "
                "map yours with --columns", self.table.location(row)))
        if "age_sex" in bound and bound & {"age", "sex"}:
            raise InputError(error(
                "both a combined age/sex column and a separate age or sex column; keep one",
                self.table.location(row, self.bound_by["age_sex"])))
        if "recurrence_metastasis" in bound and bound & {"recurrence", "metastasis"}:
            raise InputError(error(
                "both a combined recurrence/metastasis column and a separate recurrence or "
                "metastasis column; keep one",
                self.table.location(row, self.bound_by["recurrence_metastasis"])))

    # ------------------------------------------------------------------ rows
    def build(self, raw: RawRow) -> tuple[CaseRecord | None, SourceRow, list[Problem]]:
        """One row: its record (None when the row has an error), where it came from, and every
        problem found. Duplicate case ids are a property of the whole table: see CaseIds."""
        return self.record(self.parse(raw))

    def parse(self, raw: RawRow) -> ParsedRow:
        """One row's cells (and the column map's constants), each parsed on its own (the
        record is assembled by `record`)."""
        source = SourceRow(self.table.name, raw.number, self.table.row_kind)
        if raw.error:
            return ParsedRow(raw, source, [error(raw.error, self.table.location(raw.number))])
        problems = [Problem(note.severity, note.message,
                            self.table.location(raw.number, note.column)) for note in raw.notes]
        parsed: list[ParsedCell] = []
        columns: dict[str, str] = {}
        silent: dict[str, int] = {}  # column name → its cells whose code says nothing
        for cell in raw.cells:
            if not cell.header:
                if cell.value is not None:
                    problems.append(error("a value under a column with no header",
                                          self.table.location(raw.number, cell.label), cell.value))
                continue
            binding = self.bindings.get(cell.header)
            if binding is None:  # NDJSON: a key first seen on this line
                known = len(self.header_problems)
                try:
                    binding = self._bind(cell.header, cell.label, raw.number)
                    self._check_columns(raw.number)
                except InputError as exc:
                    problems.extend(exc.problems)
                    continue
                finally:  # say it with this line (the row may be read in another process)
                    problems.extend(self.header_problems[known:])
            column = binding.column
            if column is None or cell.value is None:
                continue
            location = self.table.location(raw.number, cell.label)
            unreadable = _unreadable(cell.value)
            if unreadable:
                problems.append(error(unreadable, location, cell.value[:40]))
                continue
            text, shown = cell.value, cell.value  # what the parser reads; what messages show
            if binding.codebook is not None:
                decoded = _decode(cell.value, binding.codebook, column.kind in DASH_IS_VALUE)
                if isinstance(decoded, Problem):
                    problems.append(replace(decoded, location=location))
                    continue
                if decoded is None:  # a code the codebook says states nothing
                    silent[column.name] = silent.get(column.name, 0) + 1
                    continue
                if decoded == NOT_RECORDED:  # an empty or "NA" cell the codebook does not list
                    continue
                text, shown = decoded, f"{cell.value.strip()} = {decoded}"
            # a case id is any non-empty text ("NA" or "-" may well be someone's case id)
            if column.kind != "case_id" and is_missing(text, column.kind in DASH_IS_VALUE):
                if norm(text) == "nan":
                    problems.append(warning("NaN (not a number) is read as not recorded", location,
                                            shown))
                continue
            if column.name in columns and not column.repeatable:  # two dummy columns say it
                problems.append(error(f"both {columns[column.name]} and {cell.label} give "
                                      f"{column.name} in this row; which is it?", location, shown))
                continue
            repeated = column.repeatable and column.name in columns
            columns[column.name] = f"{columns[column.name]}, {cell.label}" if repeated else cell.label
            value = self._parse(column, text, shown, binding.unit, location, problems)
            if value is not None:
                parsed.append(ParsedCell(cell, column.name, column.repeatable, value))
        for name, constant in self.constants:
            column = COLUMNS_BY_NAME[constant.column]
            if constant.otherwise and (column.name in columns or
                                       silent.get(column.name) != self.coded_headers[column.name]):
                continue  # a cell gave the column, or one was empty: the reference is not implied
            label = _constant_label(name)
            columns[column.name] = f"{columns[column.name]}, {label}" \
                if column.name in columns else label
            value = self._parse(column, constant.value, constant.value, None,
                                self.table.location(raw.number, label), problems)
            if value is not None:
                parsed.append(ParsedCell(Cell(name, label, constant.value), column.name,
                                         column.repeatable, value))
        return ParsedRow(raw, replace(source, columns=columns), problems, tuple(parsed))

    def record(self, row: ParsedRow, without: Collection[int] = ()
               ) -> tuple[CaseRecord | None, SourceRow, list[Problem]]:
        """The record of a parsed row (None when the row has an error), with every problem; with
        `without`, as if those cells (indexes into `row.cells`) had been empty, which is how
        converter/coverage.py tells whether a cell reaches the FHIR."""
        values: dict[str, Any] = {}
        for index, item in enumerate(row.cells):
            if index not in without:
                values[item.column] = values.get(item.column, ()) + item.value if item.repeatable \
                    else item.value
        source, problems = row.source, list(row.problems)
        if row.raw.error:
            return None, source, problems
        if self.joined_from and "molecular" not in source.columns and \
                self.joined.get(values.get("case_id", "")):
            # the findings file's rows are the cells
            source = replace(source, columns={**source.columns, "molecular": self.joined_from})
        case_id = values.get("case_id")
        if case_id is None and not any(p.severity is Severity.ERROR for p in problems):
            problems.append(error("the case id is empty",
                                  source.location() if "case_id" not in self.bound_by else
                                  self.table.location(row.raw.number, self.bound_by["case_id"])))
        problems = [replace(p, case_id=case_id) for p in problems]
        if any(p.severity is Severity.ERROR for p in problems):
            return None, source, problems
        origin = RowSource(Path(self.table.name).name, row.raw.number, self.table.row_kind,
                           row_digest(row.raw))
        record = self._assemble(values, source, problems, origin)
        return record, source, problems

    @staticmethod
    def _parse(column: Column, text: str, shown: str, unit: str | None, location: Location,
               problems: list[Problem]) -> Any:
        """One value (a cell's, a codebook label or a constant) as its parser reads it; None when
        it says nothing ("UNKNOWN") or has an error (added to `problems`)."""
        def warn(message: str, location: Location = location, value: str = shown) -> None:
            problems.append(warning(message, location, value))

        try:
            return PARSERS[column.kind](text, unit, warn)
        except InvalidValue as exc:
            problems.append(error(str(exc), location, shown))
            return None

    def _assemble(self, values: dict[str, Any], source: SourceRow, problems: list[Problem],
                  origin: RowSource) -> CaseRecord:
        def note(field_name: str, message: str) -> None:
            problems.append(replace(warning(message, source.location(field_name)),
                                    case_id=values.get("case_id")))

        findings = values.pop("fusion", ()) + values.pop("molecular", ())
        joined = self.joined.get(values.get("case_id", ""), ())
        findings += joined
        if findings:
            values["findings"] = findings
        if "treatment" in values:
            values["treatments"] = values.pop("treatment")
        if "age_sex" in values:
            values["age"], values["sex"] = values.pop("age_sex")
        if "recurrence_metastasis" in values:
            for event_field, stated in zip(("recurrence", "metastasis"),
                                           values.pop("recurrence_metastasis"), strict=True):
                if stated is not None:
                    values[event_field] = stated
        if isinstance(values.get("age"), str):  # "in utero", "infant": no number to give
            values["age_text"] = values.pop("age")
        for name in TIMES_WITH_ORIGIN:  # the origin a cell names wins over the column's
            if name in values:
                months, censored, stated, words = values[name]
                values[name] = months, censored, stated or self.origins.get(name), words
        if "follow_up_months" in values:
            assign_follow_up(values, note)
        site = merge_site(values.pop("site", None), values.pop("laterality", None),
                           values.pop("depth", None), note)
        status = values.pop("status", None)
        if status is not None:
            values["status"], status_months, stated_recurrence = status
            assign_stated_recurrence(values, stated_recurrence, note)
            follow_up = values.get("follow_up_months")
            if follow_up is None and status_months is not None:
                values["follow_up_months"] = status_months
            elif status_months is not None and follow_up != status_months:
                note("status", f"the status says {status_months} months but the follow-up column "
                               f"says {follow_up}; the follow-up column is used")
        assign_survival(values, note)
        for event_field in ("recurrence", "metastasis"):  # a time column for each event
            event: Event | None = values.get(event_field)
            months = values.pop(f"{event_field}_months", None)
            if months is None:
                continue
            if event is None:
                values[event_field] = Event(True, f"{months} months", months)
            elif not event.occurred:
                note(f"{event_field}_months", f"a {event_field} time is given but {event_field} "
                                              "is 'no'; the time is ignored")
            else:
                values[event_field] = replace(event, months=months)
        surgery: Term | None = values.get("surgery")
        not_done = surgery_not_done(values, note)
        if surgery is not None and surgery.key == "none":
            values.pop("surgery")
            note("surgery", f"{shorten(surgery.text, 80)!r} says no surgery was done; nothing is "
                            "written for it (the FHIR records the procedures done, not their "
                            "absence)")
        if not_done or (surgery is not None and surgery.key == "none"):
            for dependent in ("margin", "surgery_intent"):
                if dependent in values:
                    note(dependent, f"{dependent.replace('_', ' ')} given but surgery is 'no'; "
                                    "it is ignored")
                    values.pop(dependent)
        one_marker_of_two(values, list(source.columns), "pan_trk_ihc", "pantrk", "pan-TRK", note)
        one_marker_of_two(values, list(source.columns), "ki67", "ki67", "Ki-67", note)
        # a detail of a procedure or test the row does not report has nothing to belong to
        for dependent, parent in DEPENDS_ON.items():
            if dependent == "margin" and any(  # the margin of the treatments' (last) surgery
                    t.kind == "surgery" and t.status == "completed"
                    for t in values.get("treatments", ())):
                continue
            if dependent in values and parent not in values:
                what = "molecular finding" if parent == "findings" else parent
                note(dependent, f"{dependent.replace('_', ' ')} given without a {what} "
                                f"column value; it is ignored")
                values.pop(dependent)
        return CaseRecord(series=self.series, site=site, source=origin, **values)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _constant_label(name: str) -> str:
    """How messages and the source columns name a constant of the column map."""
    return f"{shorten(name)} (constant of --columns)"


NOT_RECORDED = ""  # _decode's answer for a missing cell (no label is empty)


def _decode(cell: str, codebook: Mapping[str, str | None],
            dash_is_value: bool) -> str | Problem | None:
    """A coded cell's label, None for a code the codebook says states nothing, NOT_RECORDED for
    a missing cell ("NA") the codebook does not list, or the error of a code it does not list
    (its location is filled in by the caller)."""
    code = cell.strip()
    if code in codebook:
        return codebook[code]
    if is_missing(cell, dash_is_value):
        return NOT_RECORDED
    codes = ", ".join(list(codebook)[:12]) + (", ..." if len(codebook) > 12 else "")
    return error(f"the code {shorten(code)!r} is not in the codebook --columns gives this column "
                 f"(codes: {codes}); add it to the codebook", None, cell)


def _unreadable(value: str) -> str | None:
    """Why a cell cannot be read at all (too long, control characters), or None."""
    if len(value) > MAX_CELL_CHARS:
        return f"the cell holds {len(value):,} characters; at most {MAX_CELL_CHARS:,} are read"
    found = _CONTROL.search(value)
    if found:
        return (f"the cell holds the control character U+{ord(found.group()):04X}, which no table "
                "text contains (a binary file, or a wrong --encoding?)")
    return None


class CaseIds:
    """The case ids of a table so far, to refuse a duplicate where it occurs, in constant memory
    per id: each id is kept as its 64-bit hash with the row of first use (4 bytes) in an
    open-addressing table of two arrays (12 bytes a slot, at most half full: 25 MB for a million
    rows). Two different ids sharing a hash (odds about 1 in 10^10 at a million rows) would be
    reported as a duplicate, never missed."""

    def __init__(self, row_kind: str) -> None:
        self.row_kind = row_kind
        self.count = 0
        self.hashes = array("q", bytes(8 * 1024))  # 0: an empty slot
        self.rows = array("I", bytes(4 * 1024))

    def _slot(self, key: int) -> int:
        mask = len(self.hashes) - 1
        slot = key & mask
        while self.hashes[slot] not in (0, key):
            slot = (slot + 1) & mask
        return slot

    def _grow(self) -> None:
        old_hashes, old_rows = self.hashes, self.rows
        self.hashes = array("q", bytes(16 * len(old_hashes)))
        self.rows = array("I", bytes(8 * len(old_rows)))
        for key, row in zip(old_hashes, old_rows, strict=True):
            if key:
                slot = self._slot(key)
                self.hashes[slot], self.rows[slot] = key, row

    def check(self, case_id: str, source: SourceRow) -> Problem | None:
        key = hash(case_id) or 1
        slot = self._slot(key)
        if self.hashes[slot] == key:
            first = self.rows[slot]
            return replace(error(f"duplicate case id {shorten(case_id)!r}; it is first used in "
                                 f"{self.row_kind} {first}", source.location("case_id"), case_id),
                           case_id=case_id)
        self.hashes[slot], self.rows[slot] = key, source.row
        self.count += 1
        if 2 * self.count > len(self.hashes):  # keep the table at most half full
            self._grow()
        return None
