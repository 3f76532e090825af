"""Shared helpers: build inputs, run the CLI in-process, read outputs."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from converter.cli import main
from converter.read.schema import Series

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"

SERIES = Series("test-series", "10.1000/test", "Test series")


@pytest.fixture
def series() -> Series:
    return SERIES


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: Sequence[Sequence[str]], name: str = "cases.csv",
              encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(csv_text(rows).encode(encoding))
        return path

    return write


def run(*args: str, input: bytes | str | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def load(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def bundle_resources(path: Path) -> list[dict[str, Any]]:
    return [e["resource"] for e in load(path)["entry"]]


def build(cells: dict[str, str], series: Series = SERIES) -> tuple[Any, list[Any]]:
    """Build one record from header → text cells, through the real RecordBuilder."""
    from converter.read.records import RecordBuilder
    from converter.read.rows import Cell, RawRow, Table

    headers = [(h, h) for h in cells]
    raw = RawRow(2, tuple(Cell(h, h, v or None) for h, v in cells.items()))
    builder = RecordBuilder(Table("t.csv", "row", headers, iter([raw])), series)
    record, _, problems = builder.build(raw)
    return record, problems


def record(**cells: str) -> Any:
    """A valid record from canonical column names (case_id defaults to '1')."""
    cells.setdefault("case_id", "1")
    built, problems = build(cells)
    assert built is not None, [p.render() for p in problems]
    return built


def by_id(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"].removeprefix("test-series.1.") if r["id"] != "test-series.1" else "patient": r
            for r in resources}


def objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object inside `value` (itself included), depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects(item)


def codes(concept: dict[str, Any]) -> list[str]:
    return [c["code"] for c in concept.get("coding", [])]


@pytest.fixture(scope="session")
def hapi(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One in-memory HAPI FHIR server for the whole test session (never skipped: a server that
    cannot start fails the tests that need it)."""
    from tests.hapi import HapiServer

    server = HapiServer(tmp_path_factory.mktemp("hapi"))
    server.start()
    yield server
    server.stop()
