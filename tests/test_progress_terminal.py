"""The progress bar in a real terminal: `casefhir convert` on a generated table of a few
seconds' work runs in a tmux pane (a pseudo-terminal, 120 x 30); the pane, captured while it
runs, shows the bar with the total, a percentage, a rate and the time left; after the run it
shows the summary and nothing of the bar, and standard output (`-o -` into a file) holds the
bundle alone."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tests.conftest import ROOT

ROWS = 400  # a few seconds with one worker: long enough for several redraws
# convert:  43%|████▎     | 17.2kB/40.0kB [4.00kB/s, 00:05 left, 430 cases]
BAR = re.compile(r"convert:\s+(\d+)%\|.*\| [\d.]+[kM]?B/[\d.]+[kM]?B "
                 r"\[[\d.]+[kM]?B/s, (\d\d:\d\d|\?) left, ([\d,]+) cases\]")


@pytest.fixture
def tmux(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A tmux server of this test's own (its own socket), killed at the end."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for the terminal test (apt-get install tmux)")
    socket = f"casefhir-progress-{os.getpid()}"

    def command(*args: str) -> str:
        return subprocess.run(["tmux", "-L", socket, *args], check=True, capture_output=True,
                              text=True).stdout

    yield command
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


def test_bar_in_a_real_terminal_then_the_summary_alone(tmp_path: Path, tmux) -> None:  # type: ignore[no-untyped-def]
    table = tmp_path / "cases.csv"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--rows",
                    str(ROWS), "-o", str(table)], check=True)
    out = tmp_path / "out.json"
    done = tmp_path / "exit-code"
    convert = shlex.join([sys.executable, "-m", "converter", "convert", str(table),
                          "--series-id", "s1", "--workers", "1", "--ignore-unmapped",
                          "-o", "-"])
    # standard error is the pane itself (a pipe would get no bar); the warnings printed after
    # the run scroll past, the summary lines end the pane
    # and standard output a file: the bundle alone must reach it, the bar never
    script = (f"cd {shlex.quote(str(ROOT))} && {convert} > {shlex.quote(str(out))}; "
              f"echo $? > {shlex.quote(str(done))}; sleep 600")
    tmux("new-session", "-d", "-x", "120", "-y", "30", "-s", "t", "bash", "-c", script)
    seen: list[tuple[int, str, int]] = []
    deadline = time.monotonic() + 300
    while not done.exists() or not done.read_text().strip():
        assert time.monotonic() < deadline, "convert did not finish in 5 minutes"
        for line in tmux("capture-pane", "-p", "-t", "t").splitlines():
            if found := BAR.search(line):
                seen.append((int(found.group(1)), found.group(2),
                             int(found.group(3).replace(",", ""))))
        time.sleep(0.2)
    assert done.read_text().strip() == "0"
    pane = tmux("capture-pane", "-p", "-S", "-", "-t", "t")  # with the lines scrolled past
    assert seen, "no progress bar was seen in the pane:\n" + pane
    percentages = [p for p, _, _ in seen]
    assert percentages == sorted(percentages) and 0 <= percentages[0] < 100
    assert any(left != "?" for _, left, _ in seen)  # a time left was shown
    assert 0 < max(c for _, _, c in seen) <= ROWS
    assert f"cases: {ROWS} read, {ROWS} converted, 0 rejected" in pane
    bundle = orjson.loads(out.read_bytes())  # nothing but the JSON on standard output
    assert bundle["resourceType"] == "Bundle" and len(bundle["entry"]) > ROWS
    assert "convert:" not in pane and "%|" not in pane  # the bar was cleared
