"""Real runs stopped by real signals: SIGTERM and SIGHUP behave as Ctrl-C (one line, exit 128+n,
nothing left behind), workers never outlive the main process (even SIGKILLed), and what a SIGKILL
leaves is cleaned by the next run writing the same path."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.hapi import HapiServer

ROWS = 4000  # enough for several seconds of work with two workers
GUARD = 120.0  # seconds a wait may take before the test gives up (a hang, not a timing check)


@pytest.fixture(scope="module")
def big_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "big.csv"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--rows",
                    str(ROWS), "--seed", "11", "-o", str(path)], check=True)
    return path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "tmp").mkdir()  # the run's TMPDIR: spools must not stay there either
    return tmp_path


def children(pid: int) -> list[int]:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return []
    found: list[int] = []
    for task in tasks:
        with contextlib.suppress(FileNotFoundError):
            found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def read_so_far(pid: int) -> int:
    """Bytes the process has read (/proc/<pid>/io rchar)."""
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + GUARD
    while not condition():
        assert process.poll() is None, f"the run ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within {GUARD} s"
        time.sleep(0.02)


def parts(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".casefhir-*") if p.name.endswith(".part")]


def part_with_content(folder: Path) -> bool:
    for found in parts(folder):
        if found.is_dir() and any(found.iterdir()):
            return True
        if found.is_file() and found.stat().st_size > 0:
            return True
    return False


def start(work: Path, *args: str, new_session: bool = False) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "converter", *args], cwd=work,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "TMPDIR": str(work / "tmp"),
                                 "PYTHONPATH": str(ROOT)},
                            start_new_session=new_session)


def stopped(process: subprocess.Popen[bytes], signum: int, group: bool = False) -> str:
    if group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    _, stderr = process.communicate(timeout=GUARD)
    return stderr.decode()


def assert_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 30
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in pids if running(pid)], "a worker process outlived the run"


def leftovers(work: Path, inputs: set[str] = frozenset()) -> list[str]:
    return sorted(str(p.relative_to(work)) for p in work.rglob("*")
                  if p.name not in inputs and p != work / "tmp")


def workers_started(process: subprocess.Popen[bytes]) -> Iterator[list[int]]:
    """Wait until both worker processes run and output is being written; their pids."""
    wait_for(lambda: len(children(process.pid)) >= 2, process, "two worker processes")
    yield children(process.pid)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stopped_convert_leaves_nothing(big_table: Path, work: Path, signum: int) -> None:
    process = start(work, "convert", str(big_table), "--series-id", "sig", "-o", "out.json",
                    "--crosswalk", "cw.csv", "--report", "report.json", "--workers", "2", "-q")
    wait_for(lambda: len(children(process.pid)) >= 2, process, "two worker processes")
    workers = children(process.pid)
    wait_for(lambda: part_with_content(work), process, "output being written")
    stderr = stopped(process, signum)
    assert process.returncode == 128 + signum
    name = signal.Signals(signum).name
    expected = "interrupted" if signum == signal.SIGINT else f"stopped by {name}"
    assert stderr == f"{expected}; nothing was written\n"
    assert_gone(workers)
    assert leftovers(work) == []  # no output, no part, no report, and TMPDIR empty


@pytest.mark.parametrize("shape", [["--per-case"], ["-t", "ndjson"]])
def test_a_stopped_folder_output_leaves_nothing(big_table: Path, work: Path,
                                                shape: list[str]) -> None:
    process = start(work, "convert", str(big_table), "--series-id", "sig", *shape, "-o", "out",
                    "--workers", "2", "-q", "--debug")
    wait_for(lambda: len(children(process.pid)) >= 2, process, "two worker processes")
    workers = children(process.pid)
    wait_for(lambda: part_with_content(work), process, "output being written")
    stderr = stopped(process, signal.SIGTERM)
    assert process.returncode == 143 and stderr == "stopped by SIGTERM; nothing was written\n", stderr
    assert_gone(workers)
    assert leftovers(work) == []


def test_ctrl_c_reaches_every_process_and_only_one_line_is_printed(big_table: Path,
                                                                   work: Path) -> None:
    """A terminal's Ctrl-C signals the whole process group: workers ignore it (no tracebacks)
    and the main process stops them."""
    process = start(work, "convert", str(big_table), "--series-id", "sig", "-o", "out.json",
                    "--workers", "2", "-q", new_session=True)
    wait_for(lambda: len(children(process.pid)) >= 2, process, "two worker processes")
    workers = children(process.pid)
    wait_for(lambda: part_with_content(work), process, "output being written")
    stderr = stopped(process, signal.SIGINT, group=True)
    assert process.returncode == 130
    assert stderr == "interrupted; nothing was written\n"
    assert_gone(workers)
    assert leftovers(work) == []


@pytest.mark.parametrize("shape", [["-o", "out.json"], ["--per-case", "-o", "out"]])
def test_a_killed_run_leaves_no_worker_and_its_part_is_cleaned_next_time(
        big_table: Path, work: Path, shape: list[str]) -> None:
    process = start(work, "convert", str(big_table), "--series-id", "sig", *shape,
                    "--workers", "2", "-q")
    wait_for(lambda: len(children(process.pid)) >= 2, process, "two worker processes")
    workers = children(process.pid)
    wait_for(lambda: part_with_content(work), process, "output being written")
    stopped(process, signal.SIGKILL)
    assert_gone(workers)  # PR_SET_PDEATHSIG: the kernel kills them with the main process
    left = parts(work)
    assert left and all(str(os.getpid()) not in p.name for p in left)
    assert not (work / "out.json").exists() and not (work / "out").exists()
    again = subprocess.run([sys.executable, "-m", "converter", "convert",
                            str(EXAMPLES / "kobayashi-2023" / "cases.csv"), "--series-id", "k",
                            *shape, "-q"], cwd=work, capture_output=True, text=True,
                           env={**os.environ, "TMPDIR": str(work / "tmp")})
    assert again.returncode == 0, again.stderr
    assert parts(work) == []
    assert [p.name for p in work.iterdir() if p.name != "tmp"] == [shape[-1]]


def test_a_stopped_load_while_converting_leaves_nothing(big_table: Path, work: Path) -> None:
    process = start(work, "load", str(big_table), "--series-id", "sig", "--dry-run",
                    "--crosswalk", "cw.csv", "--report", "report.json", "--workers", "2", "-q")
    wait_for(lambda: len(children(process.pid)) >= 2, process, "two worker processes")
    workers = children(process.pid)
    stderr = stopped(process, signal.SIGTERM)
    assert process.returncode == 143, stderr
    assert stderr.splitlines()[0] == "stopped by SIGTERM; nothing was written"
    assert_gone(workers)
    assert leftovers(work) == []  # the spool of converted cases is gone with the process


def test_a_stopped_load_while_sending_leaves_no_crosswalk(hapi: HapiServer, work: Path) -> None:
    table = work / "t.csv"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--rows", "600",
                    "--seed", "12", "-o", str(table)], check=True)
    process = start(work, "load", str(table), "--series-id", "sig-send", "--server", hapi.base,
                    "--crosswalk", "cw.csv", "--workers", "2", "-q")
    header = len(b"series,source_file,row_kind,source_row,row_sha256,case_id,resource_type,"
                 b"resource_id,outcome,http_status,version,message\n")

    def answered() -> bool:
        return any(p.is_file() and p.stat().st_size > header for p in parts(work))

    wait_for(answered, process, "answers in the crosswalk")
    stderr = stopped(process, signal.SIGTERM)
    assert process.returncode == 143, stderr
    assert "stopped by SIGTERM; what was sent stays on the server; run the same command again" \
        in stderr
    assert "crosswalk not written (cw.csv)" in stderr
    assert leftovers(work, {"t.csv"}) == []


def test_a_killed_loads_crosswalk_part_is_cleaned_by_the_next_run(hapi: HapiServer,
                                                                 work: Path) -> None:
    table = work / "t.csv"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--rows", "600",
                    "--seed", "13", "-o", str(table)], check=True)
    process = start(work, "load", str(table), "--series-id", "sig-kill", "--server", hapi.base,
                    "--crosswalk", "cw.csv", "-q")
    wait_for(lambda: part_with_content(work), process, "the crosswalk being written")
    stopped(process, signal.SIGKILL)
    assert [parts(work)[0].name.rsplit(".", 2)[-2]] == ["csv"]  # .casefhir-...cw.csv.part
    again = subprocess.run([sys.executable, "-m", "converter", "load",
                            str(EXAMPLES / "kobayashi-2023" / "cases.csv"), "--series-id", "k",
                            "--dry-run", "--crosswalk", "cw.csv", "-q"], cwd=work,
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert parts(work) == [] and (work / "cw.csv").is_file()


@pytest.fixture(scope="module")
def big_ndjson(big_table: Path) -> Path:
    folder = big_table.parent / "big-ndjson"
    subprocess.run([sys.executable, "-m", "converter", "convert", str(big_table), "--series-id",
                    "sig", "-t", "ndjson", "-o", str(folder), "-q"], cwd=ROOT, check=True)
    return folder


def test_a_stopped_flatten_leaves_nothing(big_ndjson: Path, work: Path) -> None:
    size = sum(p.stat().st_size for p in big_ndjson.iterdir())
    process = start(work, "flatten", str(big_ndjson), "-o", "cases.xlsx")
    wait_for(lambda: read_so_far(process.pid) > size // 3, process, "the input being read")
    stderr = stopped(process, signal.SIGTERM)
    assert process.returncode == 143 and stderr == "stopped by SIGTERM; nothing was written\n"
    assert leftovers(work) == []
