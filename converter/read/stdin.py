"""Standard input, whose first bytes can be looked at before a reader takes it.

A pipe cannot be rewound, yet the kind of input (a FHIR Bundle, NDJSON, CSV ...) is told from its
first bytes (converter/read/sniff.py) before the reader for that kind opens it. So the bytes
looked at are kept and handed out again first: `head()` reads up to HEAD_BYTES once, `binary()`
is a buffered stream of those bytes followed by the rest of standard input. FHIR input is read
more than once (checked, then sent), so `binary(rereadable=True)` first copies standard input
into an anonymous temporary file (gone when the process ends, however it ends) and each call
reads it from the start. Both follow the current `sys.stdin` (tests replace it)."""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
from typing import IO, Any

HEAD_BYTES = 64 * 1024


class _Prefixed(io.RawIOBase):
    """`prefix`, then `rest`; closing it leaves standard input open (so a reader may close
    what it was given)."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._rest.read1(len(buffer)) if hasattr(self._rest, "read1") else \
            self._rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class _Reread(io.RawIOBase):
    """A reader of its own over the spool file: positioned reads, so readers do not share an
    offset."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = os.pread(self._fd, len(buffer), self._offset)
        buffer[:len(data)] = data
        self._offset += len(data)
        return len(data)


class _Stdin:
    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.prefix: bytes | None = None
        self.handed_out = False
        self.spool: IO[bytes] | None = None

    def head(self) -> bytes:
        if self.spool is not None:
            return os.pread(self.spool.fileno(), HEAD_BYTES, 0)
        if self.prefix is None:
            if self.handed_out:
                raise RuntimeError("standard input was already given to a reader")
            chunks, size = [], 0
            while size < HEAD_BYTES:  # a pipe gives what was written so far: read until full
                chunk = self.source.read1(HEAD_BYTES - size) if hasattr(self.source, "read1") \
                    else self.source.read(HEAD_BYTES - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            self.prefix = b"".join(chunks)
        return self.prefix

    def binary(self, rereadable: bool) -> IO[bytes]:
        if rereadable:
            if self.spool is None:
                self.spool = tempfile.TemporaryFile()  # noqa: SIM115 (kept for the process)
                shutil.copyfileobj(self._once(), self.spool, 1 << 20)
                self.spool.flush()
            return io.BufferedReader(_Reread(self.spool.fileno()), 1 << 16)
        return self._once()

    def _once(self) -> IO[bytes]:
        if self.handed_out:
            raise RuntimeError("standard input was already given to a reader")
        self.handed_out = True
        prefix, self.prefix = self.prefix or b"", None
        return io.BufferedReader(_Prefixed(prefix, self.source), 1 << 16)


_current: _Stdin | None = None


def _stdin() -> _Stdin:
    global _current
    source = sys.stdin.buffer
    if _current is None or _current.source is not source:
        _current = _Stdin(source)
    return _current


def head() -> bytes:
    """The first HEAD_BYTES of standard input (fewer if it is shorter), without consuming them."""
    return _stdin().head()


def binary(rereadable: bool = False) -> IO[bytes]:
    """Standard input as a byte stream, starting with any bytes `head()` looked at; with
    `rereadable`, a new stream over all of it on every call."""
    return _stdin().binary(rereadable)
