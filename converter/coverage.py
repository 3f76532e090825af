"""Per-column coverage of a conversion: for each source column, how many of its non-empty cells
reached the FHIR as a code or structured value, as text only, or not at all (with a warning at
the cell saying so, or silently — a casefhir bug, which is why it is measured, not assumed).

Whether a cell reaches the FHIR is measured by ablation: the row's record is assembled again as
if that one cell were empty (RecordBuilder.record(..., without=...)), the mappings are run on
it, and the cell counts as carried only when some element value of the case's resources (a
leaf: resource type, element path, value) is there with the cell and missing without it. So a
value a mapping reads only to decide what not to write (or to leave something else out) is
never "carried": removing it loses nothing from the output. A fact two cells state survives
the removal of either; such a cell is carried when, with one other cell (or all the others but
the case id) taken out, it decides record fields as they are in the real record and taking it
out too loses values of the real output (_stands_alone). The shortcuts, all exact:

- a removal that leaves the record equal (bar the row digest) changes no mapping's input, so
  nothing of the output can depend on it: no mapping runs again;
- each mapping is run once on the real record through a view that records the fields it reads;
  a mapping that read none of the fields a removal changed would run the same way without the
  cell (the mappings are pure functions of the record's fields), so only the others run again;
- resources alike before and after (same id, same content) cancel out, unwalked.

The Provenance is not compared: it holds the row's digest and the list of resources, not the
cells' values. Whether a carried cell is coded or text only is read from its parsed value (a
vocabulary key, a number, a Quantity, a boolean, a parsed stage...: coded; words kept as they
are: text only). Rows that make no record (an error) or whose case is not written (rejected)
count only as `in_rejected_rows`: nothing of them is in the output. docs/coverage.md tells it
for users.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, cast

from converter.problems import Problem, Severity
from converter.read.dictionary import header_key
from converter.read.records import ParsedRow, RecordBuilder
from converter.read.rows import RawRow, Table
from converter.read.schema import (
    Age,
    CaseRecord,
    Event,
    Finding,
    Grade,
    Marker,
    Site,
    Size,
    Stage,
    Term,
    Treatment,
)
from converter.read.values.parsers import DASH_IS_VALUE
from converter.read.values.text import is_missing, norm
from mappings.case import MAPPERS, Mapper
from mappings.common import Resource

# what one non-empty cell of a written case became
CODED = "coded"  # a code or structured value: a coded concept, a Quantity, number, date, boolean
TEXT_ONLY = "text_only"  # in the FHIR as text, without a code
DROPPED_WITH_WARNING = "dropped_with_warning"  # not in the FHIR; a warning at the cell says so
DROPPED_SILENTLY = "dropped_silently"  # not in the FHIR and no warning: must never happen
NOT_RECORDED = "not_recorded"  # a "not recorded" word (NA, n/a, unknown, NaN...): nothing to carry
LEFT_OUT = "left_out"  # a column ignored with --columns or left out by --ignore-unmapped
OUTCOMES = (CODED, TEXT_ONLY, DROPPED_WITH_WARNING, DROPPED_SILENTLY, NOT_RECORDED, LEFT_OUT)

IGNORED = "ignored (--columns)"
UNMAPPED = "unmapped (--ignore-unmapped)"

_RECORD_FIELDS = tuple(f.name for f in fields(CaseRecord) if f.name != "source")
_CSV_LABEL = re.compile(r"([A-Z]+) \((.*)\)", re.DOTALL)


# ------------------------------------------------------------------ one row
class _ReadRecorder:
    """A record that notes which of its fields are read (what a mapping depends on)."""

    def __init__(self, record: CaseRecord) -> None:
        self._record = record
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self._record, name)


Leaves = Counter[tuple[str, str, Any]]


def _walk(kind: str, path: str, node: Any, into: Leaves) -> None:
    """Every element value under `node` as (resource type, path, value) into `into`, list
    positions left out (a value that only moves within a list is still there)."""
    if isinstance(node, dict):
        for key, value in node.items():
            _walk(kind, f"{path}.{key}", value, into)
    elif isinstance(node, list):
        for value in node:
            _walk(kind, path, value, into)
    elif node is not None:
        into[(kind, path, node)] += 1


def _walk_apart(kind: str, path: str, before: Any, after: Any, lost: Leaves,
                gained: Leaves) -> None:
    """The element values of `before` into `lost` and those of `after` into `gained`, skipping
    the parts both hold alike at the same place (they would cancel out: same keys)."""
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in before.keys() | after.keys():
            _walk_apart(kind, f"{path}.{key}", before.get(key), after.get(key), lost, gained)
    elif isinstance(before, list) and isinstance(after, list):
        for old, new in itertools.zip_longest(before, after):
            _walk_apart(kind, path, old, new, lost, gained)
    else:
        _walk(kind, path, before, lost)
        _walk(kind, path, after, gained)


@dataclass
class _MappedCase:
    """The real record's output, mapping by mapping, with the fields each mapping read."""

    record: CaseRecord
    outputs: list[list[Resource]] = field(default_factory=list)
    reads: list[set[str]] = field(default_factory=list)

    @classmethod
    def of(cls, record: CaseRecord, mappers: Sequence[Mapper]) -> _MappedCase:
        case = cls(record)
        for mapper in mappers:
            view = _ReadRecorder(record)
            case.outputs.append(mapper(cast(CaseRecord, view)))
            case.reads.append(view.read)
        return case


@dataclass(frozen=True, slots=True)
class _Change:
    """What the case's resources lose and gain when some cells are taken out of the row."""

    lost: Leaves
    gained: Leaves


NO_RECORD = None  # without some cells (the case id) the row makes no record at all


def _change(case: _MappedCase, ablated: CaseRecord | None, mappers: Sequence[Mapper]
            ) -> _Change | None:
    """The element values of the case's resources missing, and those added, when the record
    is `ablated` (NO_RECORD: the ablated row makes none). Only the mappings that read a field
    the ablation changed are run again: the others would give the same resources."""
    if ablated is None:
        return NO_RECORD
    changed = _differing(ablated, case.record)
    if not changed:
        return _Change(Counter(), Counter())
    before: list[Resource] = []
    after: list[Resource] = []
    for index, mapper in enumerate(mappers):
        if case.reads[index] & changed:
            before += case.outputs[index]
            after += mapper(ablated)
    # what the same resource (same id) holds alike before and after cancels out, so only the
    # parts that differ are taken apart: the multiset differences are the same
    lost: Leaves = Counter()
    gained: Leaves = Counter()
    now = {(r["resourceType"], r["id"]): r for r in after}
    for resource in before:
        key = (resource["resourceType"], resource["id"])
        _walk_apart(key[0], "", resource, now.pop(key, None), lost, gained)
    for key, resource in now.items():
        _walk(key[0], "", resource, gained)
    return _Change(lost - gained, gained - lost)


def _differing(one: CaseRecord, other: CaseRecord) -> set[str]:
    return {name for name in _RECORD_FIELDS if getattr(one, name) != getattr(other, name)}


def _stands_alone(builder: RecordBuilder, row: ParsedRow, case: _MappedCase, index: int,
                  others: tuple[int, ...], without_others: _Change | None,
                  mappers: Sequence[Mapper]) -> bool:
    """Whether, once the cells `others` are taken out, the cell `index` still holds values of
    the real output (taking it out too loses more of it) while doing what it does in the real
    row: the record fields it then decides are those of the real record. A cell made to stand
    in for the others does not count (a recurrence time creating a recurrence once the
    recurrence column saying "no" is gone: the real record has no recurrence)."""
    rest = builder.record(row, without=others)[0]
    fewer = builder.record(row, without=(*others, index))[0]
    if rest is None or fewer is None or without_others is NO_RECORD:
        return False
    decided = _differing(rest, fewer)
    if not decided or any(getattr(rest, name) != getattr(case.record, name) for name in decided):
        return False
    both = _change(case, fewer, mappers)
    return both is not NO_RECORD and bool(both.lost - without_others.lost)


def _structured(value: Any) -> bool:
    """Whether a parsed value says more than its words: a vocabulary key, a number, a boolean,
    a Quantity, a parsed stage or grade, a recognised finding, marker or treatment."""
    if isinstance(value, bool | int | float | Age | Size | Event):
        return True
    if isinstance(value, Term):
        return value.key is not None
    if isinstance(value, Site):
        return any(part is not None for part in (value.region, value.laterality, value.depth))
    if isinstance(value, Stage):
        return any(part is not None for part in (value.group, value.t, value.n, value.m))
    if isinstance(value, Grade):
        return value.number is not None or value.level is not None
    if isinstance(value, Finding):
        return value.kind != "unparsed"
    if isinstance(value, Marker):
        return value.key is not None
    if isinstance(value, Treatment):
        return any(part is not None for part in (value.key, value.ncit_code, value.dose_cgy))
    if isinstance(value, tuple):  # several items, or (status, months, recurrence), (age, sex)...
        return any(_structured(item) for item in value)
    return False  # words kept as written (notes, MRI findings, an age such as "infant")


def _carried(builder: RecordBuilder, row: ParsedRow, case: _MappedCase, index: int,
             alone: dict[int, _Change | None], mappers: Sequence[Mapper]) -> bool:
    """Whether some element value of the output is there because of the cell `index`: lost
    when it alone is taken out, or else — a fact two cells state (a follow-up column and a
    status "NED at 36 mo") survives either's removal — when it holds real values on its own
    once one other cell (or every other but the case id) is taken out (see _stands_alone).
    Each value credited is in the real output and goes when this cell goes too."""
    single = alone[index]
    if single is NO_RECORD or single.lost:
        return True
    others = [other for other in alone if other != index and alone[other] is not NO_RECORD]
    for other in others:
        if _stands_alone(builder, row, case, index, (other,), alone[other], mappers):
            return True
    if len(others) > 1:
        rest = _change(case, builder.record(row, without=tuple(others))[0], mappers)
        return _stands_alone(builder, row, case, index, tuple(others), rest, mappers)
    return False


def _warned_at(problems: Sequence[Problem], row: int, label: str) -> bool:
    """Whether a warning of the row is located at the column `label` (alone, or among the
    labels of a repeatable column's cells: "H (Fusion), J (Molecular)")."""
    for problem in problems:
        location = problem.location
        if problem.severity is Severity.WARNING and location is not None and \
                location.row == row and location.column is not None and \
                (location.column == label or label in location.column.split(", ")):
            return True
    return False


def bound_to(builder: RecordBuilder, header: str) -> str:
    """The dictionary column a header was bound to, or why none: IGNORED, UNMAPPED."""
    binding = builder.bindings.get(header)
    if binding is not None and binding.column is not None:
        return binding.column.name
    return IGNORED if header_key(header) in builder.column_map else UNMAPPED


# what one cell became: (header, the column it was bound to (see bound_to), outcome)
CellOutcome = tuple[str, str, str]


def row_coverage(builder: RecordBuilder, row: ParsedRow, record: CaseRecord,
                 problems: Sequence[Problem], mappers: Sequence[Mapper] = MAPPERS
                 ) -> tuple[CellOutcome, ...]:
    """What each non-empty cell of a row that made `record` became, in the row's order (the
    bound column travels with it: an NDJSON key may be first bound in a worker process).
    `problems` are every problem of the row; `mappers` the mappings (all of them; a test passes
    others to prove a dropped cell is caught)."""
    parsed_at = {item.cell: index for index, item in enumerate(row.cells)}
    case = _MappedCase.of(record, mappers) if row.cells else None
    alone: dict[int, _Change | None] = {}  # what the output loses without each parsed cell
    for position in range(len(row.cells)):
        assert case is not None
        alone[position] = _change(case, builder.record(row, without=(position,))[0], mappers)
    outcomes: list[CellOutcome] = []
    for cell in row.raw.cells:
        if not cell.header or cell.value is None:
            continue
        binding = builder.bindings.get(cell.header)
        column = bound_to(builder, cell.header)
        if binding is None or binding.column is None:
            outcomes.append((cell.header, column, LEFT_OUT))
            continue
        index = parsed_at.get(cell)
        if index is None:  # the row made a record: the cell said "not recorded" ("NA", a
            # codebook's null, a status "UNKNOWN"), or its parser kept nothing and warned
            # ("4/6 cm": which size?)
            said_nothing = is_missing(cell.value, binding.column.kind in DASH_IS_VALUE) or \
                norm(cell.value) == "nan" or binding.codebook is not None
            outcomes.append((cell.header, column, NOT_RECORDED if said_nothing or not _warned_at(
                problems, row.raw.number, cell.label) else DROPPED_WITH_WARNING))
            continue
        assert case is not None
        if _carried(builder, row, case, index, alone, mappers):
            outcome = CODED if binding.column.kind == "case_id" or \
                _structured(row.cells[index].value) else TEXT_ONLY
        elif _warned_at(problems, row.raw.number, cell.label):
            outcome = DROPPED_WITH_WARNING
        else:
            outcome = DROPPED_SILENTLY
        outcomes.append((cell.header, column, outcome))
    return tuple(outcomes)


# ------------------------------------------------------------------ the table
@dataclass
class ColumnCoverage:
    header: str
    label: str  # as messages name the column: "C (Age (y))", or a JSON key
    bound_to: str  # the dictionary column, IGNORED or UNMAPPED
    counts: Counter[str] = field(default_factory=Counter)
    in_rejected_rows: int = 0

    @property
    def letter(self) -> str | None:
        match = _CSV_LABEL.fullmatch(self.label)
        return match.group(1) if match else None

    def to_json(self) -> dict[str, Any]:
        return {"column": self.letter, "header": self.header, "bound_to": self.bound_to,
                "non_empty": sum(self.counts.values()),
                **{outcome: self.counts[outcome] for outcome in OUTCOMES},
                "in_rejected_rows": self.in_rejected_rows}


class Coverage:
    """The per-column counts of a table, row by row (in the main process, in input order)."""

    def __init__(self, table: Table, builder: RecordBuilder) -> None:
        self.builder = builder
        self.columns: dict[str, ColumnCoverage] = {}
        for text, label in table.headers:
            if text:
                self._column(text, label)

    def _column(self, header: str, label: str) -> ColumnCoverage:
        if header not in self.columns:
            self.columns[header] = ColumnCoverage(header, label, bound_to(self.builder, header))
        return self.columns[header]

    def add(self, raw: RawRow, outcomes: tuple[CellOutcome, ...] | None) -> None:
        """A row: its cells' outcomes when its case was written, None when it was not."""
        if outcomes is None:
            for cell in raw.cells:
                if cell.header and cell.value is not None:
                    self._column(cell.header, cell.label).in_rejected_rows += 1
            return
        labels = {cell.header: cell.label for cell in raw.cells}
        for header, column, outcome in outcomes:
            counted = self._column(header, labels[header])
            counted.bound_to = column  # the worker that read the row bound it
            counted.counts[outcome] += 1

    def to_json(self) -> list[dict[str, Any]]:
        return [column.to_json() for column in self.columns.values()]


def render(coverage: list[dict[str, Any]]) -> list[str]:
    """The coverage list of a report as a table, one line per column."""
    heads = ("column", "bound to", "non-empty", "coded", "text", "warned", "SILENT", "NA",
             "left out", "rejected")
    rows = [(f"{c['column']} {c['header']}" if c["column"] else c["header"], c["bound_to"],
             *(str(c[key]) for key in ("non_empty", CODED, TEXT_ONLY, DROPPED_WITH_WARNING,
                                       DROPPED_SILENTLY, NOT_RECORDED, LEFT_OUT,
                                       "in_rejected_rows")))
            for c in coverage]
    widths = [max(len(str(row[i])) for row in [heads, *rows]) for i in range(len(heads))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i])
                         for i, cell in enumerate(cells)).rstrip()

    return [line(heads), *(line(row) for row in rows)]


def silent_total(coverage: list[dict[str, Any]]) -> int:
    return sum(int(column[DROPPED_SILENTLY]) for column in coverage)
