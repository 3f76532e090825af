"""How far long work (convert, load, validate, flatten, prune, install-profiles) has got, on
standard error, never standard output (`-o -` stays clean):

- on a terminal, a tqdm bar: done of total (bytes of the input, or cases, resources...),
  percentage, rate and time left; cleared before the summary is printed;
- not on a terminal, nothing, unless --progress: then a plain line (no carriage return) every
  CASEFHIR_PROGRESS_INTERVAL seconds (10 by default) and one at the end, e.g.
  `convert: 5.0 MB of 20.0 MB (25%), 1.2 MB/s, 12 s left; 5,000 cases`;
- with -q, nothing (-q wins over --progress).

Without a known total (standard input from a pipe, a FHIR server's search) it shows the count
and the rate, no percentage or time left. The library reports through plain callbacks (a count;
a ReadPosition of the input); only this module draws.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from time import monotonic
from typing import Any, TextIO
from weakref import WeakSet

import click
from tqdm import tqdm

from converter.read.rows import ReadPosition

INTERVAL_ENV = "CASEFHIR_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 10.0  # seconds between plain lines
CHECK_EVERY = 0.1  # seconds: callbacks come per case; the position is read at most this often
BAR_DELAY = 0.5  # seconds before a bar appears: a quick run draws nothing

PROGRESS_HELP = ("Without a terminal on standard error, print a plain progress line every "
                 f"{DEFAULT_INTERVAL:.0f} s ({INTERVAL_ENV} changes it) and at the end; on a "
                 "terminal a progress bar is drawn anyway. -q silences both.")
progress_option = click.option("--progress", "show_progress", is_flag=True, help=PROGRESS_HELP)


class _Bar(tqdm):  # type: ignore[misc]  # tqdm ships no type hints
    """tqdm without its monitor thread (convert forks worker processes; a thread then would
    be copied mid-step) and with a thread lock rather than a multiprocessing one."""

    monitor_interval = 0


_Bar.set_lock(threading.RLock())


_live: WeakSet[Progress | StatusLine] = WeakSet()  # displays not yet done


def clear_bars() -> None:
    """An error or a signal stops the work before its done(): erase every bar still drawn, so
    that the message printed next starts on a clean line, and end every display without its
    last line (a "done:" line would say the work finished)."""
    for shown in list(_live):
        shown.abandon()
    for bar in list(getattr(_Bar, "_instances", ())):
        bar.close()


@dataclass(frozen=True)
class Display:
    """How progress is shown: "bar" (a terminal), "lines" (--progress without one) or "off"."""

    mode: str
    interval: float = DEFAULT_INTERVAL
    stream: TextIO | None = None  # None: sys.stderr when drawing (tests swap it)

    @property
    def out(self) -> TextIO:
        return self.stream or sys.stderr


def interval_from_env() -> float:
    value = os.environ.get(INTERVAL_ENV, "").strip()
    if not value:
        return DEFAULT_INTERVAL
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if not 0 < seconds < 1e6:
        raise click.UsageError(f"{INTERVAL_ENV} must be a number of seconds above 0, e.g. 10 "
                               f"(it is {value[:40]!r})")
    return seconds


def display(quiet: bool, asked: bool, stream: TextIO | None = None) -> Display:
    """The display a command uses: -q silences; a terminal gets a bar; --progress plain lines."""
    if quiet:
        return Display("off")
    out = stream or sys.stderr
    if out.isatty():
        return Display("bar", stream=stream)
    if asked:
        return Display("lines", interval_from_env(), stream)
    return Display("off")


def size(count: float) -> str:
    """Bytes in decimal units, as the bar shows them: 950 B, 12.3 kB, 4.5 MB, 1.2 GB."""
    for unit in ("B", "kB", "MB", "GB"):
        if count < 999.5 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError  # not reached


def duration(seconds: float) -> str:
    """3 s, 2 min 5 s, 1 h 3 min."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def counted(count: int, noun: str) -> str:
    """`1 case`, `5,000 cases` (nouns are given in the plural)."""
    return f"{count:,} {noun[:-1] if count == 1 and noun.endswith('s') else noun}"


def plain_line(label: str, done: int, total: int | None, unit: str, elapsed: float,
               finished: bool = False, postfix: str = "") -> str:
    """One progress line: `convert: 5,000 of 20,000 cases (25%), 1,234 cases/s, 12 s left`,
    with unit "bytes" sizes (`4.0 MB of 16.0 MB (25%), 1.2 MB/s, ...`); without a total the
    count and rate; at the end `convert: done: 20,000 cases in 16 s, 1,250 cases/s`."""
    in_bytes = unit == "bytes"
    rate = done / elapsed if elapsed > 0 else 0.0
    text = f"{label}: done: " if finished else f"{label}: "
    if total and not finished:
        amount = f"{size(done)} of {size(total)}" if in_bytes else f"{done:,} of {total:,} {unit}"
        text += f"{amount} ({min(100, 100 * done // total)}%)"
    else:
        text += size(done) if in_bytes else counted(done, unit)
    if finished:
        text += f" in {duration(elapsed)}"
    if rate:
        text += f", {size(rate)}/s" if in_bytes else f", {rate:,.0f} {unit}/s"
        if total and not finished:
            text += f", {duration(max(total - done, 0) / rate)} left"
    return text + (f"; {postfix}" if postfix else "")


class Progress:
    """Progress of one piece of work, given as counts (`progress(count)`, the callback the
    library calls) and, when the input can say how far it has been read, a ReadPosition
    (`progress.measure`): then the bar follows the input and the count is the postfix. The
    library may call it from several threads (load, validate --server): counts only grow, and
    a call finding another one drawing leaves the drawing to it."""

    def __init__(self, shown: Display, label: str, noun: str, total: int | None = None) -> None:
        self.shown = shown
        self.label = label
        self.noun = noun
        self.total = total
        self.count = 0
        self.position: ReadPosition | None = None
        self.started = monotonic()
        self.checked = 0.0
        self.last_line = self.started
        self.bar: Any = None
        self.finished = False
        self.lock = threading.Lock()
        _live.add(self)

    def set_total(self, total: int) -> None:
        """The total, once the work knows it (install-profiles, after reading its sources)."""
        self.total = total

    def measure(self, position: ReadPosition | None) -> None:
        """Follow how far the input has been read (None: it cannot say; count only)."""
        self.position = position

    def __call__(self, count: int) -> None:
        self.count = max(self.count, count)
        if self.shown.mode == "off" or self.finished:
            return
        now = monotonic()
        if self.shown.mode == "bar":
            due = now - self.checked >= CHECK_EVERY
        else:
            due = now - self.last_line >= self.shown.interval
        if not due or not self.lock.acquire(blocking=False):
            return
        try:
            if self.shown.mode == "bar":
                self.checked = now
                self._draw()
            else:
                self.last_line = now
                self._line(now, finished=False)
        finally:
            self.lock.release()

    def _measured(self) -> tuple[int, int | None, str, str]:
        """(done, total, unit, postfix) as shown."""
        if self.position is not None:
            total = self.position.total
            done = min(self.position.done(), total) if total else self.position.done()
            return done, total or None, self.position.unit, counted(self.count, self.noun)
        return self.count, self.total, self.noun, ""

    def _draw(self) -> None:
        done, total, unit, postfix = self._measured()
        if self.bar is None:
            self.bar = self._new_bar(total, unit)
        self.bar.total = total
        if postfix:
            self.bar.set_postfix_str(postfix, refresh=False)
        self.bar.update(done - self.bar.n)

    def _new_bar(self, total: int | None, unit: str) -> Any:
        in_bytes = unit == "bytes"
        if total:
            amounts = "{n_fmt}B/{total_fmt}B" if in_bytes else "{n:,}/{total:,} " + unit
            bar_format = ("{desc}: {percentage:3.0f}%|{bar}| " + amounts +
                          " [{rate_fmt}, {remaining} left{postfix}]")
        else:
            bar_format = None  # tqdm's own: count, elapsed and rate
        return _Bar(total=total, desc=self.label, file=self.shown.out, leave=False,
                    dynamic_ncols=True, mininterval=0.2, delay=BAR_DELAY, ascii=False,
                    unit="B" if in_bytes else " " + unit, unit_scale=in_bytes,
                    unit_divisor=1000, bar_format=bar_format, smoothing=0.1)

    def _line(self, now: float, finished: bool) -> None:
        done, total, unit, postfix = self._measured()
        click.echo(plain_line(self.label, done, total, unit, now - self.started, finished,
                              postfix), file=self.shown.out)

    def done(self) -> None:
        """The end (or a stop): the bar is cleared; --progress lines end with a last line."""
        with self.lock:
            if self.finished:
                return
            self.finished = True
            self._close()

    def _close(self, last_line: bool = True) -> None:
        _live.discard(self)
        if self.bar is not None:
            self.bar.close()  # leave=False: the line is erased
            self.bar = None
        elif self.shown.mode == "lines" and last_line:
            self._line(monotonic(), finished=True)

    def abandon(self) -> None:
        """Stopped: the bar erased, no last line."""
        with self.lock:
            if not self.finished:
                self.finished = True
                self._close(last_line=False)


class StatusLine:
    """One line saying what a multi-step job is doing (load --bulk: `import step 2 of 3...`):
    rewritten in place on a terminal; with --progress without one, printed when it changes,
    at most once every interval (and the last one at the end)."""

    def __init__(self, shown: Display, label: str) -> None:
        self.shown = shown
        self.label = label
        self.text = ""
        self.printed = ""
        self.last_line = 0.0
        self.bar: Any = None
        self.finished = False
        _live.add(self)

    def __call__(self, text: str) -> None:
        self.text = text[:100]
        if self.finished:
            return
        if self.shown.mode == "bar":
            if self.bar is None:
                self.bar = _Bar(total=None, file=self.shown.out, leave=False,
                                bar_format="{desc}", dynamic_ncols=True, mininterval=0.2)
            self.bar.set_description_str(self.text)
        elif self.shown.mode == "lines":
            now = monotonic()
            if self.text != self.printed and now - self.last_line >= self.shown.interval:
                self._print(now)

    def _print(self, now: float) -> None:
        self.last_line = now
        self.printed = self.text
        click.echo(f"{self.label}: {self.text}", file=self.shown.out)

    def done(self) -> None:
        if self.finished:
            return
        self.abandon()
        if self.shown.mode == "lines" and self.text and self.text != self.printed:
            self._print(monotonic())

    def abandon(self) -> None:
        self.finished = True
        _live.discard(self)
        if self.bar is not None:
            self.bar.close()
            self.bar = None
