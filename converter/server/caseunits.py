"""Cases as units of work for a server: the resources of one case, in reference order, and where
each came from (a table's file, row and columns, or a FHIR file's entry or line).

From a table, the pipeline converts and validates every row first (nothing is sent if any row is
invalid), spooling the cases to a temporary file; from FHIR files, resources are grouped by the
Patient they belong to through a temporary on-disk index (converter/server/caseindex.py), so memory
stays flat (for `$import`, each resource is a unit of its own).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from converter.fhir.files import iter_resources
from converter.output.diskerrors import spooling
from converter.problems import Location
from converter.read.records import SourceRow
from converter.signals import check as check_stop
from mappings.case import ROLE_FIELDS, role_of
from mappings.common import Resource


@dataclass
class CaseUnit:
    key: str  # the Patient id for a case
    resources: list[Resource]
    source: SourceRow | None = None  # the table row the case came from
    found: dict[str, Location] = field(default_factory=dict)  # FHIR files: Type/id → where

    def where(self, resource_key: str) -> Location | None:
        """Where the resource `Type/id` came from: the cells behind it, or its file entry."""
        if self.source is not None:
            role = role_of(resource_key.partition("/")[2], self.key)
            fields = ROLE_FIELDS.get(role, ())
            columns = [self.source.columns[f] for f in fields if f in self.source.columns]
            return Location(self.source.file, self.source.row, ", ".join(columns) or None,
                            self.source.row_kind)
        return self.found.get(resource_key)


class CaseSpool:
    """A Writer for the pipeline that keeps validated cases (in a temporary file) to be read
    back with `units()` once the whole input is known to be valid."""

    WHAT = "the converted cases"  # for a message about a full temporary folder

    def __init__(self) -> None:
        # unnamed, so nothing is left behind however the process ends; lives until units()
        # has been read, so not a with-block
        with spooling(self.WHAT):
            self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.count = 0

    def add_case(self, case_key: str, resources: list[dict[str, Any]],
                 source: SourceRow | None = None) -> None:
        item: dict[str, Any] = {"key": case_key, "resources": resources}
        if source is not None:
            item["source"] = {"file": source.file, "row": source.row,
                              "row_kind": source.row_kind, "columns": dict(source.columns)}
        with spooling(self.WHAT):
            self.file.write(orjson.dumps(item) + b"\n")
        self.count += 1

    def finish(self) -> list[str]:
        with spooling(self.WHAT):
            self.file.flush()
        return []

    def publish(self) -> None:
        pass

    def commit(self) -> list[str]:
        return self.finish()

    def abort(self) -> None:
        with contextlib.suppress(OSError):  # the unwritten rest of a full disk's buffer
            self.file.close()

    def units(self, close: bool = True) -> Iterator[CaseUnit]:
        self.file.seek(0)
        for line in self.file:
            item = orjson.loads(line)
            source = item.get("source")
            check_stop()
            yield CaseUnit(item["key"], item["resources"],
                           SourceRow(**source) if source else None)
        if close:
            self.file.close()

    def replayable(self) -> Iterable[CaseUnit]:
        """The cases, read back from the spool as often as needed, one at a time (validate
        --server goes through them twice)."""
        spool = self

        class Replay:
            def __iter__(self) -> Iterator[CaseUnit]:
                return spool.units(close=False)

        return Replay()


def resource_units(paths: list[str]) -> Iterator[CaseUnit]:
    """Each resource of FHIR files as a unit of its own, as it is read: for `$import`, which
    orders resources by their references and needs no grouping by case (so nothing is held)."""
    for found in iter_resources(paths):
        if found.resource is not None:
            key = f"{found.resource.get('resourceType')}/{found.resource.get('id')}"
            yield CaseUnit(key, [found.resource], found={key: found.location})


def unreadable_items(paths: list[str]) -> list[tuple[Location, str]]:
    """Items of FHIR files that cannot be read (checked before anything is sent)."""
    return [(found.location, found.problem or "unreadable")
            for found in iter_resources(paths) if found.resource is None]


TABLE_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".xlsx", ".xlsm")


def is_fhir_input(path: str, input_format: str | None = None) -> bool:
    """Whether `path` holds FHIR (Bundles, resources, NDJSON of resources, a folder of them)
    rather than a case-series table. JSON is FHIR when its first object has a resourceType."""
    from pathlib import Path

    if input_format is not None:
        return False
    if path == "-":
        from converter.read import stdin
        from converter.read.sniff import sniff

        return sniff(stdin.head(), "<stdin>") in ("fhir-json", "fhir-ndjson")
    p = Path(path)
    if p.is_dir():
        return True
    if p.suffix.casefold() in TABLE_SUFFIXES or not p.is_file():
        return False
    with p.open("rb") as handle:
        head = handle.read(65536).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return False
    first = head.split(b"\n", 1)[0]
    return b'"resourceType"' in (first if p.suffix in (".ndjson", ".jsonl") else head)
