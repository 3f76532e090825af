"""Errors of writing, as messages: OutputError, and the OSErrors a write can meet (a full disk or
quota, a file grown past its limit, a read-only or failing disk, a missing or forbidden folder)
turned into one that names the file.

A writer catches the OSError where it knows what it was writing (`writing(what)`), removes what
it had begun, and raises OutputError; the CLI prints it and exits 1 (nothing was written).
"""

from __future__ import annotations

import errno
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

# the ways a disk refuses more data: the write is not a casefhir bug, and freeing room (or
# choosing another disk) is the fix
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO})


class OutputError(Exception):
    """The destination cannot be written (missing folder, permissions, a folder holding files
    casefhir did not write, a full disk...)."""


def describe(exc: OSError) -> str:
    """`no space left on device` rather than `[Errno 28] No space left on device: 'x'`."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def write_error(what: str, exc: OSError) -> OutputError:
    """Writing `what` (a file given as an option, usually) failed midway."""
    hint = (" (free some space, or write somewhere else)"
            if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "")
    return OutputError(f"{what}: cannot write: {describe(exc)}{hint}; nothing was written")


def temporary_folder() -> str:
    return tempfile.gettempdir()


def spool_error(exc: OSError, what: str) -> OutputError:
    """A temporary file in the temporary folder (TMPDIR) could not be written."""
    return OutputError(f"the temporary folder {temporary_folder()}: cannot write {what}: "
                       f"{describe(exc)}; nothing was written (set TMPDIR to a folder with "
                       "more room)")


@contextmanager
def writing(what: str) -> Iterator[None]:
    """OSErrors inside become OutputError("<what>: <why>"). A broken pipe is left alone: the
    reader of standard output went away, which the CLI reports as SIGPIPE would."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise write_error(what, exc) from None


@contextmanager
def spooling(what: str) -> Iterator[None]:
    """Like writing(), for a temporary file in TMPDIR (a spool)."""
    try:
        yield
    except OSError as exc:
        raise spool_error(exc, what) from None
