"""Timing and memory of a whole command: wall time, the peak resident memory (RSS) of the
command's process, and the peak memory of its whole process tree (the command and the worker
processes it starts) as the sum of their proportional set sizes (PSS: memory shared between
forked processes counted once), sampled from /proc every 100 ms (sampling more often takes CPU
time from the command measured)."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    seconds: float
    peak_main_mb: float  # the command's own process
    peak_tree_mb: float  # the command and its worker processes together (sum of PSS)
    returncode: int
    cpu_seconds: float = 0.0  # user + system time of the command and the processes it waited for


def _field_kb(path: str, name: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_kb(pid: int) -> int:
    return _field_kb(f"/proc/{pid}/status", "VmRSS:")


def _pss_kb(pid: int) -> int:
    return _field_kb(f"/proc/{pid}/smaps_rollup", "Pss:")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += _children(current)
    return pids


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], env: dict[str, str] | None = None) -> Run:
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, **(env or {})})
    peak_main = peak_tree = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_main, peak_tree
        while not stop.is_set():
            main = _rss_kb(process.pid)
            tree = sum(_pss_kb(p) for p in _tree(process.pid))
            peak_main, peak_tree = max(peak_main, main), max(peak_tree, tree)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n"
                           f"{stderr.decode(errors='replace')[-2000:]}")
    return Run(seconds, peak_main / 1024, peak_tree / 1024, process.returncode,
               _children_cpu() - cpu_before)


def median_run(command: list[str], repeat: int) -> Run:
    runs = [run(command) for _ in range(repeat)]
    middle = statistics.median(r.seconds for r in runs)
    chosen = min(runs, key=lambda r: abs(r.seconds - middle))
    return Run(middle, max(r.peak_main_mb for r in runs), max(r.peak_tree_mb for r in runs),
               chosen.returncode)
