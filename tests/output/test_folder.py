"""Output folders: only files the manifest names are replaced or removed; other files refuse the
run, or with --force stay untouched; a commit stopped midway leaves every casefhir file named."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from converter.fhir.ids import resource_id
from converter.output.diskerrors import OutputError
from converter.output.folder import AtomicDir
from tests.conftest import EXAMPLES, ROOT, csv_text, run

MANIFEST = ".casefhir-manifest"
KOBAYASHI = EXAMPLES / "kobayashi-2023" / "cases.csv"


def case_file(series: str, case_id: str) -> str:
    """A per-case Bundle's file name: its Patient's id."""
    return f"{resource_id(series, case_id)}.json"


KOBAYASHI_FILES = [case_file("k", str(n)) for n in range(1, 7)]


def table(path: Path, case_ids: list[str]) -> Path:
    path.write_text(csv_text([["Case", "Age", "Sex"], *([c, "30", "F"] for c in case_ids)]))
    return path


def manifest(folder: Path) -> dict:
    return orjson.loads((folder / MANIFEST).read_bytes())


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def convert(source: Path, series: str, out: Path, *args: str) -> tuple[int, str]:
    result = run("convert", source, "--series-id", series, "--per-case", "-o", out, "-q", *args)
    return result.exit_code, result.stderr


def test_a_rerun_replaces_and_removes_only_the_files_it_wrote(tmp_path: Path) -> None:
    out = tmp_path / "bundles"
    assert convert(table(tmp_path / "t.csv", ["1", "2"]), "s", out)[0] == 0
    assert listing(out) == [MANIFEST, case_file("s", "1"), case_file("s", "2")]
    code, stderr = convert(table(tmp_path / "t.csv", ["2", "3"]), "s", out)
    assert code == 0, stderr
    # the first case's file was casefhir's: removed
    assert listing(out) == [MANIFEST, case_file("s", "2"), case_file("s", "3")]
    assert manifest(out)["files"] == [case_file("s", "2"), case_file("s", "3")]
    assert manifest(out)["complete"] is True


def test_the_input_inside_the_output_folder_is_refused_and_kept(tmp_path: Path) -> None:
    """The bug that lost data: `convert data/cases.json --per-case -o data` deleted the input."""
    data = tmp_path / "data"
    data.mkdir()
    cases = data / "cases.json"
    cases.write_bytes(orjson.dumps([{"Case": "1", "Age": "3"}]))
    before = cases.read_bytes()
    for shape in (["--per-case"], ["-t", "ndjson"]):
        result = run("convert", cases, "--series-id", "s", *shape, "-o", data)
        assert result.exit_code == 2
        assert "the output folder holds the input" in result.stderr and str(cases) in result.stderr
        assert listing(data) == ["cases.json"] and cases.read_bytes() == before


def test_a_folder_with_other_files_is_refused_and_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("thesis.docx", "notes.json", "zz.ndjson", "a.txt"):
        (out / name).write_text(name)
    code, stderr = convert(KOBAYASHI, "k", out)
    assert code == 2
    assert (f"{out}: the folder holds files casefhir did not write (a.txt, notes.json, "
            "thesis.docx and 1 more)") in stderr and "--force" in stderr
    assert listing(out) == ["a.txt", "notes.json", "thesis.docx", "zz.ndjson"]


def test_force_writes_beside_other_files_and_never_removes_them(tmp_path: Path) -> None:
    out = tmp_path / "nd"
    out.mkdir()
    (out / "notes.txt").write_text("precious")
    (out / "Patient.ndjson").write_text("someone else's, same name")
    result = run("convert", KOBAYASHI, "--series-id", "k", "-t", "ndjson", "-o", out, "--force",
                 "-q")
    assert result.exit_code == 0, result.stderr
    assert (out / "notes.txt").read_text() == "precious"
    assert b'"resourceType":"Patient"' in (out / "Patient.ndjson").read_bytes()  # replaced
    written = manifest(out)["files"]
    assert "Patient.ndjson" in written and "notes.txt" not in written
    assert listing(out) == sorted([MANIFEST, "notes.txt", *written])
    # a second run, without --force, is still refused (notes.txt is not ours) ...
    again = run("convert", KOBAYASHI, "--series-id", "k", "-t", "ndjson", "-o", out, "-q")
    assert again.exit_code == 2 and "notes.txt" in again.stderr
    # ... and with it, replaces only what the manifest names
    per_case = run("convert", KOBAYASHI, "--series-id", "k", "--per-case", "-o", out, "--force",
                   "-q")
    assert per_case.exit_code == 0, per_case.stderr
    assert not any(name.endswith(".ndjson") for name in listing(out))  # ours: gone
    assert (out / "notes.txt").read_text() == "precious"


def test_a_stop_midway_through_a_commit_beside_other_files_is_recoverable(tmp_path: Path) -> None:
    """SIGKILL while files are being moved into a folder that also holds someone else's: the
    interim manifest names the old and the new files, reading the folder is refused, and the next
    run finishes the job touching nothing else."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("precious")
    assert convert(table(tmp_path / "a.csv", ["1", "2", "3"]), "a", out, "--force")[0] == 0
    new = table(tmp_path / "b.csv", ["1", "2", "3"])
    killer = f"""
import os, signal, sys
from pathlib import Path
real = os.replace
moved = []
def replace(source, target):
    if Path(target).name != {MANIFEST!r}:
        moved.append(target)
        if len(moved) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
    real(source, target)
os.replace = replace
from converter.cli import main
main(["convert", {str(new)!r}, "--series-id", "b", "--per-case", "-o", {str(out)!r},
      "--force", "-q"])
"""
    died = subprocess.run([sys.executable, "-c", killer], cwd=ROOT, capture_output=True)
    assert died.returncode == -9
    interim = manifest(out)
    assert interim["complete"] is False
    assert interim["files"] == sorted(case_file(s, c) for s in "ab" for c in "123")
    assert case_file("b", "1") in listing(out) and case_file("b", "2") not in listing(out)
    assert (out / "notes.txt").read_text() == "precious"
    refused = run("validate", out)
    assert refused.exit_code == 1 and "stopped while writing this folder" in refused.stderr
    code, stderr = convert(new, "b", out, "--force")
    assert code == 0, stderr
    assert [n for n in listing(out) if not n.startswith(".casefhir-")] == sorted(
        [*(case_file("b", c) for c in "123"), "notes.txt"])
    assert manifest(out)["complete"] is True
    assert [n for n in listing(out) if n.startswith(".casefhir-")] == [MANIFEST]  # parts cleaned
    assert run("validate", out).exit_code == 0  # notes.txt is not a FHIR file name: not read


def test_symbolic_links_to_folders_are_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "made")
    for _ in range(2):  # and again: a second run works too
        for target in (link, dangling):
            code, stderr = convert(KOBAYASHI, "k", target)
            assert code == 0, stderr
            assert "nothing was written" not in stderr
    assert link.is_symlink() and dangling.is_symlink()
    assert listing(real) == listing(tmp_path / "made") == [MANIFEST, *KOBAYASHI_FILES]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling", "link", "made", "real"]


def test_swapping_keeps_the_folders_permissions(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o750)
    assert convert(KOBAYASHI, "k", out)[0] == 0
    assert out.stat().st_mode & 0o777 == 0o750


def test_the_current_folder_is_written_in_place_not_swapped(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "here"
    here.mkdir()
    inode = here.stat().st_ino
    monkeypatch.chdir(here)
    for _ in range(2):
        code, stderr = convert(KOBAYASHI, "k", Path("."))
        assert code == 0, stderr
        assert Path.cwd().stat().st_ino == inode and here.stat().st_ino == inode
    assert listing(here) == [MANIFEST, *KOBAYASHI_FILES]


def test_parts_of_a_killed_run_are_not_someone_elses_files(tmp_path: Path) -> None:
    """A SIGKILLed in-place commit leaves a part inside the folder, a swap one beside it: neither
    makes the folder "foreign", and the next run removes both."""
    out = tmp_path / "out"
    assert convert(KOBAYASHI, "k", out)[0] == 0
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    host = "".join(c for c in socket.gethostname() if c.isalnum())[:16]
    inside = out / f".casefhir-{gone}-{host}-ab12.out.part"
    inside.mkdir()
    (inside / case_file("k", "1")).write_text("half")
    beside = tmp_path / f".casefhir-{gone}-{host}-cd34.out.part"
    beside.mkdir()
    code, stderr = convert(KOBAYASHI, "k", out)
    assert code == 0, stderr
    assert listing(out) == [MANIFEST, *KOBAYASHI_FILES]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_part_of_a_live_run_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert convert(KOBAYASHI, "k", out)[0] == 0
    host = "".join(c for c in socket.gethostname() if c.isalnum())[:16]
    live = out / f".casefhir-1-{host}-ab12.out.part"  # pid 1 is always running
    live.mkdir()
    assert convert(KOBAYASHI, "k", out)[0] == 0
    assert live.is_dir()


@pytest.mark.parametrize(("content", "why"), [
    (b"{not json", "not valid JSON"),
    (b'{"files": ["../../etc/passwd"]}', "names a file casefhir never writes"),
    (b'{"files": [".bashrc"]}', "names a file casefhir never writes"),
    (b'{"files": "all"}', "no list of files"),
])
def test_a_broken_or_hostile_manifest_is_refused(tmp_path: Path, content: bytes, why: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_bytes(content)
    (out / case_file("s", "1")).write_text("{}")
    with pytest.raises(OutputError, match=why):
        AtomicDir(str(out))
    code, stderr = convert(KOBAYASHI, "k", out)
    assert code == 2 and why in stderr
    code, stderr = convert(KOBAYASHI, "k", out, "--force")  # names nothing: all left alone
    assert code == 0, stderr
    assert (out / case_file("s", "1")).read_text() == "{}"
    assert manifest(out)["files"] == KOBAYASHI_FILES


def test_a_folder_named_like_an_output_file_stops_before_anything_moves(tmp_path: Path) -> None:
    out = tmp_path / "nd"
    out.mkdir()
    (out / "Patient.ndjson").mkdir()
    (out / "keep.txt").write_text("x")
    result = run("convert", KOBAYASHI, "--series-id", "k", "-t", "ndjson", "-o", out, "--force")
    assert result.exit_code == 1 and "Patient.ndjson is a folder" in result.stderr
    assert listing(out) == ["Patient.ndjson", "keep.txt"]


def test_an_output_folder_that_is_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    out.write_text("{}")
    code, stderr = convert(KOBAYASHI, "k", out)
    assert code == 2 and "exists and is not a folder" in stderr
    assert out.read_text() == "{}"
    assert os.listdir(tmp_path) == ["out.json"]
