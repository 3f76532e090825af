"""Hostile and broken input through the real `casefhir convert`: every file of the corpus
(tests/hostile/corpus.py) in every output shape gives exit 1, an error naming the file and the
row/line and column/key, no output, no temporary file left behind and no traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson
import pytest

from converter.cli import DELIMITER_NAMES
from converter.fhir.write import SAFE_FILE_STEM, PerCaseWriter
from converter.output.diskerrors import OutputError
from converter.read.tables import open_table
from tests.conftest import ROOT, SERIES, csv_text, run
from tests.hostile.corpus import BAD, PATH_IDS, READABLE, Bad, Readable
from tests.hostile.xlsxbuild import workbook

SHAPES: dict[str, list[str]] = {
    "bundle": ["-o", "{out}/bundle.json"],
    "ndjson": ["-t", "ndjson", "-o", "{out}/ndjson"],
    "per-case": ["--per-case", "-t", "collection", "-o", "{out}/bundles"],
    "stdout": ["-o", "-"],
}


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """in/ for inputs, out/ for outputs, tmp/ as the temporary folder (where `-o -` spools)."""
    for folder in ("in", "out", "tmp"):
        (tmp_path / folder).mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


def convert(path: Path | str, shape: str, out: Path, *args: str, stdin: bytes | None = None
            ) -> tuple[int, str, bytes]:
    options = [a.format(out=out) for a in SHAPES[shape]]
    result = run("convert", str(path), "--series-id", "s1", *options, *args, input=stdin)
    return result.exit_code, result.stderr, result.stdout_bytes


def assert_located(stderr: str, file: str, where: str, message: str) -> None:
    prefix = f"error: {file}{where}: "
    assert any(line.startswith(prefix) and message in line for line in stderr.splitlines()), (
        f"no line starting {prefix!r} and holding {message!r} in:\n{stderr}")


def assert_clean(sandbox: Path, inputs: set[str]) -> None:
    """Nothing written: no output, no temporary file or folder, the inputs untouched."""
    leftovers = [str(p.relative_to(sandbox)) for p in sandbox.rglob("*")
                 if p.parent != sandbox and p.parent != sandbox / "in"]
    assert leftovers == []
    assert {p.name for p in (sandbox / "in").iterdir()} == inputs


def write_input(sandbox: Path, case: Bad) -> Path:
    path = sandbox / "in" / case.name
    path.write_bytes(case.data())
    return path


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("case", BAD, ids=lambda case: case.id)
def test_bad_input_is_located_exit_1_and_writes_nothing(sandbox: Path, case: Bad,
                                                        shape: str) -> None:
    path = write_input(sandbox, case)
    code, stderr, stdout = convert(path, shape, sandbox / "out", *case.args)
    assert code == 1, stderr
    assert_located(stderr, str(path), case.where, case.message)
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert stdout == b""
    assert_clean(sandbox, {case.name})


def test_the_corpus_is_large_and_its_names_unique() -> None:
    names = [case.name for case in BAD] + [case.name for case in READABLE]
    assert len(names) == len(set(names))
    assert len(BAD) >= 90
    assert {Path(name).suffix for name in names} == {".csv", ".tsv", ".json", ".ndjson", ".xlsx",
                                                          ".ods", ".xls"}


@pytest.mark.parametrize("name", ["latin-1.csv", "deep.json", "broken-sheet-xml.xlsx",
                                  "nul-byte.csv", "broken-line.ndjson", "zip-bomb.xlsx"])
def test_a_real_process_prints_no_traceback(sandbox: Path, name: str) -> None:
    case = next(c for c in BAD if c.name == name)
    path = write_input(sandbox, case)
    out = sandbox / "out" / "bundle.json"
    done = subprocess.run([sys.executable, "-m", "converter", "convert", str(path),
                           "--series-id", "s1", "-o", str(out)], capture_output=True, cwd=ROOT,
                          env={**os.environ, "TMPDIR": str(sandbox / "tmp")})
    stderr = done.stderr.decode()
    assert done.returncode == 1, stderr
    assert "Traceback" not in stderr and done.stdout == b""
    assert_located(stderr, str(path), case.where, case.message)
    assert_clean(sandbox, {name})


@pytest.mark.parametrize("case", READABLE, ids=lambda case: case.id)
def test_awkward_but_legitimate_input_is_read_as_written(sandbox: Path, case: Readable) -> None:
    path = sandbox / "in" / case.name
    path.write_bytes(case.data())
    options = dict(zip(case.args[::2], case.args[1::2], strict=True))
    delimiter = options.get("--delimiter")
    table = open_table(str(path), encoding=options.get("--encoding", "utf-8"),
                       delimiter=DELIMITER_NAMES.get(delimiter, delimiter) if delimiter else None)
    first = next(iter(table.rows))
    values = {cell.header: cell.value for cell in first.cells}
    assert {header: values.get(header) for header in case.cells} == case.cells
    code, stderr, _ = convert(path, "bundle", sandbox / "out", *case.args)
    assert code == 0, stderr
    for fragment in case.warnings:
        assert f"warning: {path}" in stderr and fragment in stderr, stderr
    assert orjson.loads((sandbox / "out" / "bundle.json").read_bytes())["resourceType"] == "Bundle"


def data_files(folder: Path) -> list[Path]:
    """The files of an output folder the manifest names (all but casefhir's own)."""
    manifest = orjson.loads((folder / ".casefhir-manifest").read_bytes())
    files = sorted(p for p in folder.iterdir() if not p.name.startswith(".casefhir-"))
    assert [p.name for p in files] == manifest["files"]
    return files


@pytest.mark.parametrize("shape", ["per-case", "ndjson", "bundle"])
def test_case_ids_never_escape_the_output_folder(sandbox: Path, shape: str) -> None:
    path = sandbox / "in" / "ids.csv"
    path.write_text(csv_text([["Case", "Age"], *([case_id, "4"] for case_id in PATH_IDS)]))
    code, stderr, _ = convert(path, shape, sandbox / "out", "-q")
    assert code == 0, stderr
    written = [p for p in sandbox.rglob("*") if p.is_file() and p.parent != sandbox / "in"]
    assert all(p.is_relative_to(sandbox / "out") for p in written)
    assert not list((sandbox / "tmp").iterdir())
    if shape == "per-case":
        names = sorted(p.name for p in data_files(sandbox / "out" / "bundles"))
        assert len(names) == len(PATH_IDS)
        assert all(SAFE_FILE_STEM.fullmatch(n.removesuffix(".json")) for n in names), names
        assert "s1.etc-passwd--" in " ".join(names)
        resources = [e["resource"] for p in data_files(sandbox / "out" / "bundles")
                     for e in orjson.loads(p.read_bytes())["entry"]]
    elif shape == "ndjson":
        resources = [orjson.loads(line) for p in data_files(sandbox / "out" / "ndjson")
                     for line in p.read_bytes().splitlines()]
    else:
        bundle = orjson.loads((sandbox / "out" / "bundle.json").read_bytes())
        resources = [e["resource"] for e in bundle["entry"]]
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    assert len({p["id"] for p in patients}) == len(PATH_IDS)
    assert all(re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", r["id"]) for r in resources)


def test_per_case_files_never_overwrite_each_other(tmp_path: Path) -> None:
    """On a disk that ignores case, s1-A.json and s1-a.json are one file: refused, not lost."""
    writer = PerCaseWriter(str(tmp_path / "bundles"), "collection", SERIES)
    patient = {"resourceType": "Patient", "id": "s1-a"}
    writer.add_case("s1-a", [patient])
    with pytest.raises(OutputError, match=r"would both be written to s1-a\.json"):
        writer.add_case("s1-a", [patient])
    with pytest.raises(ValueError, match="unsafe file name"):
        writer.add_case("../x", [patient])
    writer.abort()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [("--encoding", "no-such-codec"), ("--encoding", "rot13"),
                                  ("--encoding", "unicode_escape"), ("--encoding", "utf-7"),
                                  ("--delimiter", "ab"), ("--delimiter", '"'),
                                  ("--delimiter", "\n"), ("--delimiter", "x")])
def test_unusable_encoding_or_delimiter_is_a_usage_error(sandbox: Path, args: tuple[str, str]
                                                         ) -> None:
    path = sandbox / "in" / "cases.csv"
    path.write_text("Case,Age\n1,22\n")
    code, stderr, _ = convert(path, "bundle", sandbox / "out", *args)
    assert code == 2 and f"Invalid value for '{args[0]}'" in stderr
    assert_clean(sandbox, {"cases.csv"})


def test_standard_input_is_named_and_located(sandbox: Path) -> None:
    data = "Case,Site\n1,cuisse\n2,r\u00e9gion\n".encode("latin-1")
    code, stderr, stdout = convert("-", "stdout", sandbox / "out", "-f", "csv", stdin=data)
    assert code == 1 and stdout == b""
    assert_located(stderr, "<stdin>", ", line 3", "is not UTF-8 text: byte 0xE9")
    assert_clean(sandbox, set())


def test_unprintable_header_and_file_name_are_escaped(sandbox: Path) -> None:
    name = os.fsdecode(b"caf\xe9 \x1b[2J.csv")  # not UTF-8, and a terminal escape
    path = sandbox / "in" / name
    path.write_bytes(b"Case,Ag\x1b]0;pwned\x07e\n1,22\n")
    report = sandbox / "report.json"
    result = run("convert", str(path), "--series-id", "s1", "-o", str(sandbox / "out" / "b.json"),
                 "--report", str(report))
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "caf\ufffd \\x1b[2J.csv" in result.stderr and "Ag\\x1b]0;pwned\\x07e" in result.stderr
    problems = orjson.loads(report.read_bytes())["problems"]
    assert problems[0]["file"].startswith(str(sandbox / "in" / "caf\ufffd"))


def test_reader_notes_travel_to_worker_processes(sandbox: Path) -> None:
    rows: list[list[object]] = [["Case", "Age"], *([str(n), 5] for n in range(1, 300))]
    rows[250][1] = "=2+3"  # sheet row 251, with no saved value
    path = sandbox / "in" / "big.xlsx"
    path.write_bytes(workbook(rows))
    code, stderr, _ = convert(path, "bundle", sandbox / "out", "--workers", "2")
    assert code == 1
    assert_located(stderr, str(path), " [cases], row 251, column B (Age)", "with no saved value")
    assert "cases: 299 read" in stderr
    assert_clean(sandbox, {"big.xlsx"})


@pytest.mark.parametrize("name", ["latin-1.csv", "formula-without-value.xlsx", "deep.json",
                                  "broken-line.ndjson", "duplicate-ids.csv"])
@pytest.mark.parametrize("command", [["validate"], ["load", "--dry-run"]])
def test_validate_and_load_refuse_the_same_way(sandbox: Path, name: str, command: list[str]
                                               ) -> None:
    case = next(c for c in BAD if c.name == name)
    path = write_input(sandbox, case)
    result = run(*command, str(path), "--series-id", "s1")
    assert result.exit_code == 1, result.stderr
    assert_located(result.stderr, str(path), case.where, case.message)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert_clean(sandbox, {name})
