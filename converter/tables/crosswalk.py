"""The crosswalk: one line per resource, from the source row it was made from to its id and, after
a load, what the server did with it.

Everything is read from the data itself: a case's Provenance (mappings/provenance.py) names the
source file and row and the row's SHA-256 and targets every resource made from that row, and the
Patient's case identifier (`series#case`) gives the case id. So the same crosswalk comes from a
table converted on the fly and from FHIR files converted earlier. A resource no Provenance
targets (FHIR from elsewhere) gets a line with empty source columns.

Lines follow the input: case by case in input order, each case's resources in their order (the
Provenance last). Written atomically (output/atomic.AtomicFile) and streamed: a load writes a
case's lines once it and every case before it have been answered, so only cases answered ahead
of a slower earlier one wait in memory.

Formats, from the file name: `.json` (an array of objects), `.ndjson` / `.jsonl` (one object a
line), anything else CSV (cells that a spreadsheet would read as a formula are prefixed with `'`).
"""

from __future__ import annotations

import csv
import io
import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

import orjson

from converter.credentials import redact
from converter.csvcells import csv_safe
from converter.fhir.write import TwoStepWriter, Writer
from converter.output.atomic import AtomicFile
from converter.server.caseunits import CaseUnit
from converter.server.load import NOT_SENT, Answer
from converter.signals import critical
from mappings.common import Resource, series_of
from mappings.provenance import from_fhir_provenance
from mappings.terminology import system_url

COLUMNS = ("series", "source_file", "row_kind", "source_row", "row_sha256", "case_id",
           "resource_type", "resource_id")
LOAD_COLUMNS = (*COLUMNS, "outcome", "http_status", "version", "message")
# the crosswalk's words for the load's outcomes (the summary's "failed" is "rejected" here;
# "unknown": the answer was lost and reading the resource back from the server failed too)
CROSSWALK_OUTCOMES = {"created": "created", "updated": "updated", "unchanged": "unchanged",
                      "failed": "rejected", "unknown": "unknown", "not sent": "not sent"}

CASE = system_url("casefhir-case")


def _case_id(resources: Iterable[Resource]) -> str | None:
    for resource in resources:
        if resource.get("resourceType") != "Patient":
            continue
        for identifier in resource.get("identifier") or []:
            value = identifier.get("value") if isinstance(identifier, dict) else None
            if identifier.get("system") == CASE and isinstance(value, str):
                return value.partition("#")[2] or value
    return None


def case_lines(resources: list[Resource], answers: list[Answer] | None = None
               ) -> list[dict[str, Any]]:
    """The crosswalk lines of one case (a unit of resources), with the answers when loaded."""
    sources: dict[str, dict[str, Any]] = {}
    for resource in resources:
        if resource.get("resourceType") != "Provenance":
            continue
        source = from_fhir_provenance(resource)
        sources.setdefault(f"Provenance/{resource.get('id')}", source)
        for target in resource.get("target") or []:
            reference = target.get("reference") if isinstance(target, dict) else None
            if isinstance(reference, str):
                sources.setdefault(reference, source)
    case_id = _case_id(resources)
    lines = []
    for index, resource in enumerate(resources):
        kind, rid = resource.get("resourceType"), resource.get("id")
        source = sources.get(f"{kind}/{rid}", {})
        line: dict[str, Any] = {
            "series": series_of(resource), "source_file": source.get("source_file"),
            "row_kind": source.get("row_kind"), "source_row": source.get("source_row"),
            "row_sha256": source.get("row_sha256"), "case_id": case_id,
            "resource_type": kind, "resource_id": rid}
        if answers is not None:
            answer = answers[index] if index < len(answers) else NOT_SENT
            line.update({"outcome": CROSSWALK_OUTCOMES.get(answer.outcome, answer.outcome),
                         "http_status": answer.status, "version": answer.version,
                         "message": redact(answer.message) or None})
        lines.append(line)
    return lines


def crosswalk_format(path: str) -> str:
    name = path.casefold()
    if name.endswith(".json"):
        return "json"
    if name.endswith((".ndjson", ".jsonl")):
        return "ndjson"
    return "csv"


class CrosswalkFile:
    """A crosswalk written line by line to an AtomicFile; appears only on commit()."""

    def __init__(self, path: str, with_outcomes: bool) -> None:
        self.path = path
        self.format = crosswalk_format(path)
        self.columns = LOAD_COLUMNS if with_outcomes else COLUMNS
        self.file = AtomicFile(path)
        self.count = 0
        if self.format == "csv":
            self._csv(list(self.columns))
        elif self.format == "json":
            self.file.write(b"[")

    def _csv(self, cells: list[Any]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(
            ["" if c is None else csv_safe(str(c)) for c in cells])
        self.file.write(buffer.getvalue().encode("utf-8"))

    def write(self, lines: list[dict[str, Any]]) -> None:
        for line in lines:
            if self.format == "csv":
                self._csv([line.get(c) for c in self.columns])
            else:
                data = orjson.dumps({c: line.get(c) for c in self.columns})
                if self.format == "json":
                    self.file.write((b",\n" if self.count else b"\n") + data)
                else:
                    self.file.write(data + b"\n")
            self.count += 1

    def finish(self) -> None:
        """Every line on disk; not yet in place (publish())."""
        if self.format == "json":
            self.file.write(b"\n]\n" if self.count else b"]\n")
        self.file.finish()

    def publish(self) -> None:
        self.file.publish()

    def commit(self) -> None:
        self.finish()
        with critical():
            self.publish()

    def abort(self) -> None:
        self.file.abort()


class CrosswalkTee(TwoStepWriter):
    """A pipeline Writer that passes every case on to `inner` and writes its crosswalk lines
    (convert --crosswalk); both appear together on commit() (neither, if either cannot be
    written)."""

    def __init__(self, inner: Writer, crosswalk: CrosswalkFile) -> None:
        self.inner = inner
        self.crosswalk = crosswalk

    def add_case(self, case_key: str, resources: list[dict[str, Any]],
                 source: Any = None) -> None:
        self.inner.add_case(case_key, resources, source)
        self.crosswalk.write(case_lines(resources))

    def finish(self) -> list[str]:
        written = list(self.inner.finish())
        self.crosswalk.finish()
        return [*written, self.crosswalk.path]

    def publish(self) -> None:
        self.inner.publish()
        self.crosswalk.publish()

    def abort(self) -> None:
        self.inner.abort()
        self.crosswalk.abort()


class LoadCrosswalk:
    """The crosswalk of a load: cases are registered in input order (`expect`, as the loader
    reads them) and answered in any order (`answered`, from the loader's threads); lines are
    written in input order as soon as every earlier case has been answered."""

    def __init__(self, path: str) -> None:
        self.file = CrosswalkFile(path, with_outcomes=True)
        self.lock = threading.Lock()
        self.waiting: deque[CaseUnit] = deque()
        self.answers: dict[int, list[Answer]] = {}

    @property
    def path(self) -> str:
        return self.file.path

    def expect(self, unit: CaseUnit) -> None:
        with self.lock:
            self.waiting.append(unit)

    def answered(self, unit: CaseUnit, answers: list[Answer]) -> None:
        with self.lock:
            self.answers[id(unit)] = answers
            self._flush()

    def _flush(self) -> None:
        while self.waiting and id(self.waiting[0]) in self.answers:
            unit = self.waiting.popleft()
            self.file.write(case_lines(unit.resources, self.answers.pop(id(unit))))

    def commit(self) -> None:
        """Write what is left (a case never answered is "not sent") and put the file in place."""
        with self.lock:
            for unit in self.waiting:
                self.answers.setdefault(id(unit), [NOT_SENT] * len(unit.resources))
            self._flush()
        self.file.commit()

    def abort(self) -> None:
        self.file.abort()
