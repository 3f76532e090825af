"""Files that appear whole or not at all: an AtomicFile is written beside its destination (a
temporary part file in the same folder, converter/output/parts.py) and renamed into place only
on publish(), so a failure never leaves a partial file. Standard output (`-`), and a
destination that is not a regular file (a device such as /dev/null, a named pipe), is spooled to
an unnamed temporary file and copied out at the end. A destination that is a symbolic link is
written through it (the link stays). An error of the disk while writing (full, read-only,
failing...) removes what was begun and becomes an OutputError naming the file
(converter/output/diskerrors.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

import orjson

from converter.output import parts
from converter.output.diskerrors import OutputError, describe, spool_error, write_error, writing
from converter.output.folder import FILE_MODE
from converter.signals import critical


def is_stream(path: str) -> bool:
    """`-`, or an existing destination that is not a regular file or folder (/dev/null, a
    named pipe): written in one go at the end, never replaced."""
    if path == "-":
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def file_target(path: str) -> Path:
    """The file a destination path writes: itself, or the file its symbolic link names (made if
    missing). Raises OutputError for a folder, a read-only file, a missing folder."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        found = None
    except OSError as exc:  # a loop of symbolic links, a path through a file...
        raise OutputError(f"{path}: {describe(exc)}") from None
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise OutputError(f"{path}: is a folder; give a file name")
    target = Path(os.path.realpath(path))
    if not target.parent.is_dir():
        given = Path(path).parent
        folder = given if target.parent == Path(os.path.abspath(given)) else target.parent
        raise OutputError(f"{path}: the folder {folder} does not exist")
    if found is not None and (not found.st_mode & 0o222 or not os.access(path, os.W_OK)):
        raise OutputError(f"{path}: the file is read-only; casefhir does not replace it (make it "
                          "writable, or choose another name)")
    return target


class AtomicFile:
    """A file that appears at `path` only on publish() (or commit()); `-` means standard
    output. An existing file keeps its permissions."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.published = False
        self.temp: Path | None = None
        self.target: Path | None = None
        self.mode = FILE_MODE
        if is_stream(path):
            try:  # unnamed: nothing to leave behind, whatever happens to the process
                self.handle: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
            except OSError as exc:
                raise spool_error(exc, f"the spool of {self._name}") from None
            return
        self.target = file_target(path)
        if self.target.exists():
            self.mode = stat.S_IMODE(self.target.stat().st_mode)
        parts.remove_stale(self.target.parent, self.target.name)
        try:
            fd, self.temp = parts.create_file(self.target.parent, self.target.name)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write here ({describe(exc)})") from None
        self.handle = os.fdopen(fd, "wb")

    @property
    def _name(self) -> str:
        return "standard output" if self.path == "-" else self.path

    def _failed(self, exc: OSError) -> OutputError:
        self.abort()
        if self.temp is None:
            return spool_error(exc, f"the spool of {self._name}")
        return write_error(self.path, exc)

    def write(self, data: bytes) -> None:
        try:
            self.handle.write(data)
        except OSError as exc:
            raise self._failed(exc) from None

    def finish(self) -> None:
        """Every byte on disk (a full disk shows here at the latest); nothing in place yet."""
        try:
            if self.temp is None:
                self.handle.flush()
            else:
                self.handle.close()
        except OSError as exc:
            raise self._failed(exc) from None

    def publish(self) -> None:
        if self.temp is None:
            self._copy_out()
        else:
            assert self.target is not None
            with writing(self.path):
                os.chmod(self.temp, self.mode)
                os.replace(self.temp, self.target)
            parts.forget(self.temp)
        self.published = True

    def _copy_out(self) -> None:
        try:
            self.handle.seek(0)
            if self.path == "-":
                shutil.copyfileobj(self.handle, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            else:
                with writing(self.path), open(self.path, "wb") as out:
                    shutil.copyfileobj(self.handle, out)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise write_error(self._name, exc) from None
        finally:  # also when the reader went away (BrokenPipeError, as under `| head`)
            self.handle.close()

    def commit(self) -> None:
        self.finish()
        with critical():
            self.publish()

    def abort(self) -> None:
        with contextlib.suppress(OSError):  # the unwritten rest of a full disk's buffer
            self.handle.close()
        if self.temp is not None and not self.published:
            parts.remove(self.temp)


def write_json_atomic(path: str, value: Any, pretty: bool = True) -> None:
    """A small JSON document (report, CodeSystem), atomically."""
    out = AtomicFile(path)
    try:
        out.write(orjson.dumps(value, option=orjson.OPT_INDENT_2 if pretty else 0) + b"\n")
        out.commit()
    except BaseException:
        out.abort()
        raise
