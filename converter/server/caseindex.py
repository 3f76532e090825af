"""Resources of FHIR files grouped by case through a temporary on-disk index, so that grouping
the cases of a folder of NDJSON files (one file per resource type: every case spans them all)
holds one case at a time instead of the whole input.

The index is a private temporary SQLite database (the standard library's sqlite3, opened on ""
so that SQLite deletes it when it is closed or the process ends), holding each resource's JSON,
its case, its Type/id, where it was read and the references it makes. Its page cache is SQLite's
default (about 2 MB), so memory stays flat whatever the input's size; the disk holds about the
input's size again, in the temporary folder (TMPDIR).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from converter.fhir.files import Found, expand, iter_file
from converter.problems import Location
from converter.server.caseunits import CaseUnit
from mappings.case import patient_of, references_first
from mappings.common import Resource

_SCHEMA = """
CREATE TABLE resource (
    seq INTEGER PRIMARY KEY,  -- the order read, across every file
    file INTEGER NOT NULL,  -- the input file, in the order read
    grp TEXT NOT NULL,  -- the case: the Patient id, or the resource's own Type/id
    key TEXT NOT NULL,  -- Type/id
    place INTEGER NOT NULL,  -- its location's file name, by number
    row INTEGER, col TEXT, kind TEXT NOT NULL,  -- the rest of its location
    body BLOB NOT NULL
);
CREATE INDEX resource_case ON resource (grp, file, seq);
CREATE INDEX resource_file ON resource (file, grp, key);
CREATE TABLE reference (file INTEGER NOT NULL, grp TEXT NOT NULL, ref TEXT NOT NULL);
CREATE INDEX reference_case ON reference (file, grp);
CREATE TABLE held (n INTEGER PRIMARY KEY, grp TEXT UNIQUE NOT NULL, since INTEGER NOT NULL);
"""


class ResourceIndex:
    """Resources added file by file; units (the resources of a case, in reference order, with
    where each came from) read back one at a time."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")  # private, on disk, deleted when closed
        self.db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
        self.places: list[str] = []  # the file names locations give, by number
        self._place_numbers: dict[str, int] = {}

    def close(self) -> None:
        self.db.close()

    def _place(self, name: str) -> int:
        number = self._place_numbers.get(name)
        if number is None:
            number = self._place_numbers[name] = len(self.places)
            self.places.append(name)
        return number

    def add_file(self, file: int, found: Iterable[Found], with_references: bool) -> None:
        """The readable resources of one file (`found` as fhir/files.py reads it). Each is stored as
        it comes (a parsed resource takes ten times its JSON's size: only rows of bytes wait
        for the next insert, a thousand at a time)."""
        from converter.fhir.references import references

        rows: list[tuple[Any, ...]] = []
        refs: list[tuple[int, str, str]] = []
        with self.db:  # one transaction per file
            for item in found:
                resource = item.resource
                if resource is None:
                    continue
                key = f"{resource.get('resourceType')}/{resource.get('id')}"
                group = patient_of(resource) or key
                where = item.location
                rows.append((file, group, key, self._place(where.file), where.row,
                             where.column, where.row_kind, orjson.dumps(resource)))
                if with_references:
                    refs += [(file, group, ref) for ref in references(resource)]
                if len(rows) == 1000:
                    self._insert(rows, refs)
            self._insert(rows, refs)

    def _insert(self, rows: list[tuple[Any, ...]], refs: list[tuple[int, str, str]]) -> None:
        self.db.executemany("INSERT INTO resource (file, grp, key, place, row, col, kind, body) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self.db.executemany("INSERT INTO reference VALUES (?, ?, ?)", refs)
        rows.clear()
        refs.clear()

    def _unit(self, group: str, rows: Iterable[tuple[Any, ...]]) -> CaseUnit:
        resources: list[Resource] = []
        found: dict[str, Location] = {}
        for key, place, row, column, kind, body in rows:
            resources.append(orjson.loads(body))
            found[key] = Location(self.places[place], row, column, kind)
        return CaseUnit(group, references_first(resources), found=found)

    def file_units(self, file: int) -> Iterator[CaseUnit]:
        """After a file has been added: its cases that are whole within it (every reference of
        their resources resolves among them, and no earlier file left the case waiting),
        yielded in the order they first appear; the others wait (`held_units`). The plan is
        a table of the database, not a list in memory (a file can hold a million cases)."""
        with self.db:
            self.db.execute("DROP TABLE IF EXISTS temp.plan")
            self.db.execute(
                """CREATE TEMP TABLE plan AS
                   SELECT g.first AS first, g.grp AS grp,
                          EXISTS (SELECT 1 FROM held h WHERE h.grp = g.grp)
                          OR EXISTS (SELECT 1 FROM reference r WHERE r.file = :file
                                     AND r.grp = g.grp AND NOT EXISTS (
                                         SELECT 1 FROM resource o WHERE o.file = :file
                                         AND o.grp = g.grp AND o.key = r.ref)) AS waits
                   FROM (SELECT grp, MIN(seq) AS first FROM resource WHERE file = :file
                         GROUP BY grp) g""", {"file": file})
            self.db.execute("INSERT OR IGNORE INTO held (grp, since) SELECT grp, ? FROM "
                            "temp.plan WHERE waits ORDER BY first", (file,))
        for (group,) in self.db.execute("SELECT grp FROM temp.plan WHERE NOT waits "
                                        "ORDER BY first"):
            yield self._unit(group, self.db.execute(
                "SELECT key, place, row, col, kind, body FROM resource WHERE grp = ? AND "
                "file = ? ORDER BY seq", (group, file)))

    def held_units(self) -> Iterator[CaseUnit]:
        """The cases that waited, in the order they first had to: every resource of each from
        the file where it first waited on."""
        for group, since in self.db.execute("SELECT grp, since FROM held ORDER BY n"):
            yield self._unit(group, self.db.execute(
                "SELECT key, place, row, col, kind, body FROM resource WHERE grp = ? AND "
                "file >= ? ORDER BY seq", (group, since)))

    def all_units(self) -> Iterator[CaseUnit]:
        """Every case, across all files, in the order it first appears."""
        for (group,) in self.db.execute(
                "SELECT grp FROM resource GROUP BY grp ORDER BY MIN(seq)"):
            yield self._unit(group, self.db.execute(
                "SELECT key, place, row, col, kind, body FROM resource WHERE grp = ? "
                "ORDER BY seq", (group,)))


class StoredUnits:
    """The cases of FHIR files, grouped across every file by Patient, read back from an
    on-disk index one at a time: iterable as often as needed (validate --server goes through
    them twice: the profiles they claim, then each resource)."""

    def __init__(self, index: ResourceIndex) -> None:
        self.index = index

    def __iter__(self) -> Iterator[CaseUnit]:
        return self.index.all_units()

    def close(self) -> None:
        self.index.close()


def units_from_files(paths: list[str]) -> tuple[StoredUnits, list[tuple[Location, str]]]:
    """Resources of FHIR files grouped by Patient (resources without one are units of their
    own), each unit in reference order; plus the items that could not be read. Resources wait
    in a temporary on-disk index, not in memory."""
    index = ResourceIndex()
    unreadable: list[tuple[Location, str]] = []

    def readable(path: str) -> Iterator[Found]:
        for found in iter_file(path):
            if found.resource is None:
                unreadable.append((found.location, found.problem or "unreadable"))
            else:
                yield found

    for number, path in enumerate(expand(paths)):
        index.add_file(number, readable(path), with_references=False)
    return StoredUnits(index), unreadable


def stream_units(paths: list[str]) -> Iterator[CaseUnit]:
    """Like units_from_files, file by file: a case whose resources all sit (and refer only)
    within one file is handed on when that file has been read, so loading many per-case Bundles
    goes one case at a time; the other resources wait in a temporary on-disk index until every
    file has been read (a folder of NDJSON files, one per resource type), and are then handed
    on a case at a time: memory stays flat either way."""
    index = ResourceIndex()
    try:
        for number, path in enumerate(expand(paths)):
            index.add_file(number, iter_file(path), with_references=True)
            yield from index.file_units(number)
        yield from index.held_units()
    finally:
        index.close()
