"""A full (or read-only) disk, for real: each run gets a tiny tmpfs in a private mount namespace.
Whatever file fills it — output, report, crosswalk, rejects, a flattened table, a template, or a
spool in TMPDIR — the run names it, exits 1 and leaves no partial file or folder anywhere."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT

MESSY = EXAMPLES / "messy-synthetic" / "cases.csv"  # about 300 kB of pretty output
FULL = "full"  # the folder the tmpfs is mounted on, in each test's folder

# In the namespace: mount a tmpfs of $SIZE on $DIR (filled up when $FILL is yes, remounted
# read-only when $RO is yes), run the command, then list what is left on the tmpfs.
SCRIPT = r"""
mount -t tmpfs -o "size=$SIZE,mode=0777" tmpfs "$DIR" || exit 97
if [ "$FILL" = yes ]; then head -c 1048576 /dev/zero > "$DIR/filler" 2>/dev/null; fi
if [ "$RO" = yes ]; then mount -o remount,ro "$DIR" || exit 98; fi
"$@"
code=$?
find "$DIR" -mindepth 1 ! -name filler > "$LISTING"
exit $code
"""


def namespace_command() -> list[str]:
    """How to get a private mount namespace: `unshare -m` as root (the machine and CI), else
    `unshare -rm` (a user namespace). Neither: the test fails, it is never skipped."""
    probe = Path(f"/tmp/casefhir-unshare-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        for command in (["unshare", "-m"], ["unshare", "-rm"]):
            if shutil.which(command[0]) is None:
                continue
            done = subprocess.run([*command, "sh", "-c",
                                   f"mount -t tmpfs -o size=64k tmpfs {probe} && echo ok"],
                                  capture_output=True, text=True)
            if done.returncode == 0 and done.stdout.strip() == "ok":
                return command
    finally:
        probe.rmdir()
    pytest.fail("cannot make a private mount namespace with a tmpfs (neither `unshare -m` nor "
                "`unshare -rm` works): these tests need one")


@pytest.fixture(scope="module")
def namespace() -> list[str]:
    return namespace_command()


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / FULL).mkdir()
    return tmp_path


def in_small_disk(namespace: list[str], work: Path, args: list[str], *, fill: bool = False,
                  tmpdir: bool = False, read_only: bool = False, size: str = "64k",
                  ) -> tuple[int, str, list[str]]:
    """Run `casefhir ARGS` in `work` with a `size` tmpfs on work/full; the exit code, stderr and
    what is left on the tmpfs."""
    listing = work / "left.txt"
    env = {**os.environ, "DIR": str(work / FULL), "SIZE": size, "FILL": "yes" if fill else "no",
           "RO": "yes" if read_only else "no", "LISTING": str(listing), "PYTHONPATH": str(ROOT)}
    if tmpdir:
        env["TMPDIR"] = str(work / FULL)
    done = subprocess.run([*namespace, "sh", "-c", SCRIPT, "sh", sys.executable, "-m",
                           "converter", *args], cwd=work, env=env, capture_output=True,
                          text=True)
    assert done.returncode not in (97, 98), done.stderr
    left = [line for line in listing.read_text().splitlines() if line]
    listing.unlink()
    return done.returncode, done.stderr, left


def outside(work: Path) -> list[str]:
    """What the run left outside the tmpfs (the inputs are made by the tests)."""
    return sorted(p.name for p in work.iterdir() if p.name not in (FULL, "in"))


def bad_rows(work: Path) -> Path:
    """The messy table with one impossible age (a row --skip-invalid rejects)."""
    (work / "in").mkdir(exist_ok=True)
    with MESSY.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[1][1] = "999"
    path = work / "in" / "bad.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


CONVERT = ["convert", str(MESSY), "--series-id", "s1", "--pretty", "-q"]


@pytest.mark.parametrize(("args", "fill", "named"), [
    (["-o", f"{FULL}/out.json"], False, f"{FULL}/out.json"),
    (["--per-case", "-o", f"{FULL}/bundles"], False, f"{FULL}/bundles"),
    (["-t", "ndjson", "-o", f"{FULL}/ndjson"], False, f"{FULL}/ndjson"),
    (["-o", "out.json", "--report", f"{FULL}/report.json"], True, f"{FULL}/report.json"),
    (["-o", "out.json", "--crosswalk", f"{FULL}/crosswalk.csv"], True, f"{FULL}/crosswalk.csv"),
    (["--per-case", "-o", "bundles", "--crosswalk", f"{FULL}/cw.json"], True, f"{FULL}/cw.json"),
], ids=["bundle", "per-case", "ndjson", "report", "crosswalk", "crosswalk-of-per-case"])
def test_a_full_disk_names_the_file_and_leaves_nothing(namespace: list[str], work: Path,
                                                       args: list[str], fill: bool,
                                                       named: str) -> None:
    code, stderr, left = in_small_disk(namespace, work, [*CONVERT, *args], fill=fill)
    assert code == 1, stderr
    assert f"error: {named}: cannot write: no space left on device" in stderr, stderr
    assert "nothing was written" in stderr and "Traceback" not in stderr
    assert left == []  # no part file or folder on the full disk
    assert outside(work) == []  # and no output elsewhere: all outputs appear together or none


def test_a_full_disk_for_the_rejects(namespace: list[str], work: Path) -> None:
    table = bad_rows(work)
    code, stderr, left = in_small_disk(namespace, work, [
        "convert", str(table), "--series-id", "s1", "-q", "-o", "out.json", "--skip-invalid",
        "--rejects", f"{FULL}/rejects.csv"], fill=True)
    assert code == 1, stderr
    assert f"error: {FULL}/rejects.csv: cannot write: no space left on device" in stderr
    assert left == [] and outside(work) == []


@pytest.mark.parametrize(("args", "what"), [
    ([*CONVERT, "-o", "-"], "the spool of standard output"),
    (["load", str(MESSY), "--series-id", "s1", "--dry-run", "-q"], "the converted cases"),
    (["convert", str(MESSY), "--series-id", "s1", "-q", "-o", "out.json"],
     "the list of problems"),
], ids=["stdout-spool", "case-spool", "problem-log"])
def test_a_full_temporary_folder(namespace: list[str], work: Path, args: list[str],
                                 what: str) -> None:
    if what == "the list of problems":  # a table warning on every row fills the log
        (work / "in").mkdir()
        rows = [["Case", "Age", "Pre-op Dx"], *([str(n), "30", f"an unknown tumour {n}"]
                                                for n in range(3000))]
        with (work / "in" / "warns.csv").open("w", newline="") as handle:
            csv.writer(handle).writerows(rows)
        args = [args[0], str(work / "in" / "warns.csv"), *args[2:]]
    code, stderr, left = in_small_disk(namespace, work, args, tmpdir=True)
    assert code == 1, stderr
    assert f"error: the temporary folder {work / FULL}: cannot write {what}: no space left " \
        "on device; nothing was written (set TMPDIR to a folder with more room)" in stderr, stderr
    assert left == [] and outside(work) == []


def test_a_full_disk_for_flatten_and_template(namespace: list[str], work: Path) -> None:
    bundle = EXAMPLES / "kobayashi-2023" / "bundle.json"
    code, stderr, left = in_small_disk(namespace, work, [
        "flatten", str(bundle), "-o", f"{FULL}/cases.csv", "-q"], fill=True)
    assert code == 1 and f"error: {FULL}/cases.csv: cannot write: no space left" in stderr, stderr
    assert left == [] and outside(work) == []
    code, stderr, left = in_small_disk(namespace, work, ["template", "-o", f"{FULL}/t.csv"],
                                       fill=True)
    assert code == 1 and f"error: {FULL}/t.csv: cannot write: no space left" in stderr, stderr
    assert left == [] and outside(work) == []


def test_a_read_only_disk_is_found_before_anything_is_read(namespace: list[str],
                                                           work: Path) -> None:
    for args in (["-o", f"{FULL}/out.json"], ["--per-case", "-o", f"{FULL}/bundles"],
                 ["-o", "out.json", "--report", f"{FULL}/report.json"]):
        code, stderr, left = in_small_disk(namespace, work, [*CONVERT, *args], read_only=True)
        assert code == 2, stderr
        assert "read-only file system" in stderr and "Traceback" not in stderr
        assert left == [] and outside(work) == []
