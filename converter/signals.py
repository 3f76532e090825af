"""Stopping cleanly: SIGTERM and SIGHUP stop a run as Ctrl-C (SIGINT) does, and worker
processes never outlive the run.

- In the main process, SIGINT, SIGTERM and SIGHUP raise `Interrupted` (a KeyboardInterrupt, so
  every `except BaseException` cleanup already in place removes temporary files and folders);
  the CLI then prints one line and exits 128 + the signal's number. A second signal while
  cleaning up is ignored (so the cleanup finishes); a third ends the process at once (what is
  left behind is recognised and removed by the next run, see converter/output/parts.py).
- Inside `critical()` (renaming finished output into place) a signal waits until the section
  has ended, so output is never half put in place; the run then stops, its output complete.
- Worker processes start with these signals held back by the kernel (`blocked()`), then
  ignore them (the main process stops them; Ctrl-C in a terminal signals the whole process
  group, and workers must not print tracebacks) and, on Linux, ask the kernel to kill them
  when the main process dies, however it dies (PR_SET_PDEATHSIG), so a SIGKILLed run leaves no
  worker behind.
- A signal's exception raised where Python drops it (a finalizer, an at-fork hook) is not
  lost: `check()`, called between cases and before output is put in place, raises it again.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import ClassVar

STOP_SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None))
                     if s is not None)  # (Windows has no SIGHUP)
_PR_SET_PDEATHSIG = 1


class Interrupted(KeyboardInterrupt):
    """The run was asked to stop by a signal."""

    def __init__(self, signum: int, output_complete: bool = False) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.output_complete = output_complete  # the signal came while output was put in place

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def exit_code(exc: KeyboardInterrupt) -> int:
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + signal.SIGINT


def message(exc: KeyboardInterrupt, stopped: str | None = "nothing was written") -> str:
    """The one line the CLI prints for a run stopped by a signal; `stopped` says what the stop
    leaves (None: nothing to say)."""
    name = exc.name if isinstance(exc, Interrupted) else "SIGINT"
    verb = "interrupted" if name == "SIGINT" else f"stopped by {name}"
    if isinstance(exc, Interrupted) and exc.output_complete:
        return f"{verb} as the output was being put in place; the output is complete"
    return f"{verb}; {stopped}" if stopped else verb


class _State:
    depth = 0  # nested critical() sections
    pending: ClassVar[list[int]] = []  # signals that came within a critical section
    received = 0  # signals raised so far
    requested: int | None = None  # the first stop signal


def _handle(signum: int, frame: FrameType | None) -> None:
    if _State.depth:
        _State.pending.append(signum)
        return
    _State.received += 1
    if _State.requested is None:
        _State.requested = signum
    if _State.received == 2:
        return  # cleaning up after the first: let it finish
    if _State.received > 2:
        os._exit(128 + signum)
    raise Interrupted(signum)


def check() -> None:
    """Raise the stop a signal asked for if its exception was lost: raised inside a finalizer or
    an at-fork hook, it is printed and dropped by Python. Called where stopping is safe."""
    if _State.requested is not None and not _State.depth:
        raise Interrupted(_State.requested)


@contextmanager
def blocked() -> Iterator[None]:
    """Stop signals held back by the kernel (not merely by this module) while in the block: for
    starting worker processes, which inherit the mask and so can never run the main process's
    handler (init_worker lifts it); a signal that came meanwhile is acted on at the end."""
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def install() -> Callable[[], None]:
    """Install the handlers (main thread only; elsewhere nothing is done); returns a function
    that puts the previous ones back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    _State.received, _State.pending, _State.requested = 0, [], None
    previous = {s: signal.signal(s, _handle) for s in STOP_SIGNALS}

    def restore() -> None:
        for s, handler in previous.items():
            signal.signal(s, handler)

    return restore


@contextmanager
def critical() -> Iterator[None]:
    """A section no stop signal interrupts (it is acted on when the section ends)."""
    check()  # a stop asked for earlier must not let output be put in place
    _State.depth += 1
    try:
        yield
    finally:
        _State.depth -= 1
    if not _State.depth and _State.pending:
        signum = _State.pending[0]
        _State.pending = []
        _State.received += 1
        raise Interrupted(signum, output_complete=True)


def init_worker(parent: int) -> None:
    """First thing in a worker process (the pool's initializer)."""
    for s in STOP_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # held back while forking
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the main process died before the line above took effect
        os._exit(1)
