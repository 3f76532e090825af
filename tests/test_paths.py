"""Paths checked before anything is read: no output is an input or another output (links, `..`,
hard links), none lies in an output folder, every one is writable; a usage error (exit 2)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from converter.paths import Output, PathProblem, check_paths
from tests.conftest import EXAMPLES, run

KOBAYASHI = EXAMPLES / "kobayashi-2023" / "cases.csv"
NOWHERE = "http://127.0.0.1:9/fhir"  # never contacted: the checks come first


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cases.csv").write_bytes(KOBAYASHI.read_bytes())
    (tmp_path / "sub").mkdir()
    return tmp_path


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def refused(args: list[str], message: str, folder: Path) -> None:
    """Exit 2 with `message`, and nothing written or changed."""
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    listing = files(folder)
    result = run(*args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert files(folder) == listing
    assert all(p.read_bytes() == data for p, data in before.items())


CONVERT = ["convert", "cases.csv", "--series-id", "s", "-q"]


@pytest.mark.parametrize(("args", "message"), [
    (["-o", "cases.csv"], "cases.csv is the input cases.csv (the same file)"),
    (["-o", "sub/../cases.csv"], "is the input cases.csv"),
    (["-o", "out.json", "--report", "cases.csv"], "--report"),
    (["-o", "out.json", "--crosswalk", "out.json"], "out.json is also -o out.json"),
    (["-o", "out.json", "--report", "r.json", "--crosswalk", "r.json"], "also --report r.json"),
    (["-o", "out.json", "--skip-invalid", "--rejects", "out.json"], "also -o out.json"),
    (["-o", "out.json", "--skip-invalid", "--rejects", "cases.csv"], "is the input cases.csv"),
    (["-o", "out.json", "--columns", "map.json", "--report", "map.json"], "--columns map.json"),
    (["--per-case", "-o", "."], "the output folder holds the input"),
    (["-t", "ndjson", "-o", "sub", "--report", "sub/r.json"],
     "sub/r.json lies inside the output folder sub"),
    (["-o", "missing/out.json"], "the folder missing does not exist"),
    (["-o", "sub"], "sub: is a folder; give a file name"),
    (["-o", "out.json", "--report", "ro.json"], "ro.json: the file is read-only"),
    (["--per-case", "-o", "plain.txt"], "exists and is not a folder"),
])
def test_convert_refuses_before_reading(work: Path, args: list[str], message: str) -> None:
    (work / "ro.json").write_text("{}")
    (work / "ro.json").chmod(0o444)
    (work / "plain.txt").write_text("x")
    (work / "map.json").write_text('{"Case": "case_id"}')
    refused([*CONVERT, *args], message, work)


def test_the_default_rejects_file_is_checked_too(work: Path) -> None:
    (work / "out.rejects.csv").write_bytes(KOBAYASHI.read_bytes())
    refused(["convert", "out.rejects.csv", "--series-id", "s", "-o", "out.json",
             "--skip-invalid"], "the default --rejects: out.rejects.csv is the input", work)


def test_links_are_followed_to_the_same_file(work: Path) -> None:
    (work / "link.csv").symlink_to(work / "cases.csv")
    os.link(work / "cases.csv", work / "hard.csv")
    refused([*CONVERT, "-o", "link.csv"], "is the input cases.csv", work)
    refused([*CONVERT, "-o", "hard.csv"], "is the input cases.csv", work)
    refused(["convert", "link.csv", "--series-id", "s", "-o", "out.json", "--report", "hard.csv"],
            "is the input link.csv", work)


def test_an_unwritable_report_stops_the_run_before_any_output(work: Path) -> None:
    """It was found only after the output had been written, with exit 1 ("nothing written")."""
    refused([*CONVERT, "-o", "out.json", "--report", "missing/report.json"],
            "--report: missing/report.json: the folder missing does not exist", work)
    assert not (work / "out.json").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["load", "cases.csv", "--series-id", "s", "--server", NOWHERE, "--report", "cases.csv"],
     "is the input cases.csv"),
    (["load", "cases.csv", "--series-id", "s", "--dry-run", "--crosswalk", "cases.csv"],
     "is the input cases.csv"),
    (["load", "cases.csv", "--series-id", "s", "--dry-run", "--skip-invalid", "--rejects",
      "cases.csv"], "is the input cases.csv"),
    (["load", "cases.csv", "--series-id", "s", "--dry-run", "--crosswalk", "c.csv",
      "--report", "c.csv"], "c.csv is also --report c.csv"),
    (["load", "cases.csv", "--series-id", "s", "--server", NOWHERE, "--token-file", "t.txt",
      "--report", "t.txt"], "--token-file t.txt"),
    (["load", "sub", "--dry-run", "--report", "sub/report.json"], "lies inside the input folder"),
    (["validate", "cases.csv", "--series-id", "s", "--report", "cases.csv"], "is the input"),
    (["validate", "sub", "--report", "sub/report.json"], "lies inside the input folder sub"),
    (["flatten", "b.json", "-o", "b.json"], "is the input b.json"),
    (["flatten", "sub", "-o", "sub/cases.csv"], "lies inside the input folder sub"),
    (["flatten", "b.json", "-o", "missing/cases.csv"], "the folder missing does not exist"),
    (["install-profiles", "--server", NOWHERE, "b.json", "--report", "b.json"], "is the input"),
    (["template", "-o", "sub"], "is a folder"),
    (["template", "-o", "t.csv"], "t.dictionary.csv exists and was not written by casefhir"),
    (["terminology", "-o", "missing/cs.json"], "the folder missing does not exist"),
])
def test_every_command_checks_its_paths(work: Path, args: list[str], message: str) -> None:
    (work / "t.txt").write_text("token")
    (work / "b.json").write_text('{"resourceType": "Bundle", "type": "collection", "entry": []}')
    (work / "t.dictionary.csv").write_text("my own notes\n")
    refused(args, message, work)


def test_a_dictionary_casefhir_wrote_is_replaced_and_force_replaces_any(work: Path) -> None:
    assert run("template", "-o", "t.csv").exit_code == 0
    assert run("template", "-o", "t.csv").exit_code == 0  # its own dictionary: replaced
    (work / "t.dictionary.csv").write_text("my own notes\n")
    assert run("template", "-o", "t.csv").exit_code == 2
    assert run("template", "-o", "t.csv", "--force").exit_code == 0
    assert (work / "t.dictionary.csv").read_text().startswith("column,required,description")


def test_the_default_rejects_file_never_replaces_someone_elses(work: Path) -> None:
    bad = work / "bad.csv"
    bad.write_text("Case,Age\n1,22\n2,999\n")
    (work / "out.rejects.csv").write_text("my own list\n")
    result = run("convert", bad, "--series-id", "s", "-o", "out.json", "--skip-invalid")
    assert result.exit_code == 2 and "give --rejects FILE" in result.stderr
    assert (work / "out.rejects.csv").read_text() == "my own list\n"
    forced = run("convert", bad, "--series-id", "s", "-o", "out.json", "--skip-invalid",
                 "--force")
    assert forced.exit_code == 3
    assert (work / "out.rejects.csv").read_text().startswith("source_file,source_row,")
    again = run("convert", bad, "--series-id", "s", "-o", "out.json", "--skip-invalid")
    assert again.exit_code == 3, again.stderr  # now casefhir's own: replaced
    assert "rejected rows: out.rejects.csv" in again.stderr
    # the help names the default that is used (it said <output>.rejects.csv: out.json.rejects.csv)
    assert "(out.json -> out.rejects.csv," in " ".join(run("convert", "--help").stdout.split())


def test_devices_are_written_not_replaced(work: Path) -> None:
    result = run(*CONVERT, "-o", "/dev/null", "--report", "/dev/null")
    assert result.exit_code == 0, result.stderr
    assert not Path("/dev/null").is_file() and Path("/dev/null").is_char_device()


def test_a_symlinked_output_file_is_written_through_the_link(work: Path) -> None:
    (work / "out.json").symlink_to(work / "sub" / "real.json")  # dangling at first
    for _ in range(2):
        result = run(*CONVERT, "-o", "out.json")
        assert result.exit_code == 0, result.stderr
    assert (work / "out.json").is_symlink()
    assert (work / "sub" / "real.json").read_bytes().startswith(b'{"resourceType":"Bundle"')
    assert files(work / "sub") == ["real.json"]


def test_a_loop_of_links_is_a_usage_error(work: Path) -> None:
    (work / "a.json").symlink_to(work / "b.json")
    (work / "b.json").symlink_to(work / "a.json")
    refused([*CONVERT, "-o", "a.json"], "a.json: too many levels of symbolic links", work)


def test_an_existing_files_permissions_are_kept(work: Path) -> None:
    out = work / "out.json"
    out.write_text("{}")
    out.chmod(0o640)
    assert run(*CONVERT, "-o", out).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o640


def test_check_paths_names_the_option(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Case\n1\n")
    with pytest.raises(PathProblem) as caught:
        check_paths([("INPUT", str(table))], [Output("--crosswalk", str(table))])
    assert caught.value.option == "--crosswalk"
    check_paths([("INPUT", str(table)), ("--columns", None)],
                [Output("-o", "-"), Output("--report", "")])  # standard output, no report: fine
