"""Writers: orjson serialisation, streamed case by case, committed atomically.

Everything is first written beside its destination (a temporary part file or folder in the
same directory, converter/output/parts.py) and renamed into place only when the whole conversion
succeeded, so a failure never leaves partial output. Standard output (`-`), and a destination
that is not a regular file (a device such as /dev/null, a named pipe), is spooled to an unnamed
temporary file and copied out at the end. A destination that is a symbolic link is written
through it (the link stays). An error of the disk while writing (full, read-only, failing...)
removes what was begun and becomes an OutputError naming the file (converter/output/diskerrors.py).

Each writer has two steps, so that several outputs appear together or not at all: finish()
writes every remaining byte (what can fail for want of room), publish() only renames.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import sys
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import orjson

from converter.fhir.bundle import bundle, entry, envelope
from converter.output import parts
from converter.output.diskerrors import OutputError, describe, spool_error, write_error, writing
from converter.output.folder import DIR_MODE, FILE_MODE, AtomicDir
from converter.read.schema import Series
from converter.signals import critical

if TYPE_CHECKING:
    from converter.read.records import SourceRow

OUTPUT_FORMATS = ("transaction", "batch", "collection", "ndjson")
SAFE_FILE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,63}")

__all__ = ["DIR_MODE", "FILE_MODE", "OUTPUT_FORMATS", "AtomicDir", "AtomicFile", "OutputError",
           "Writer", "dumps", "open_writer", "write_json_atomic"]


def dumps(value: Any, pretty: bool = False) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 if pretty else 0)


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


class Writer(Protocol):
    """Where the pipeline puts valid cases. finish() writes what is left and returns the
    outputs; publish() puts them in place (renames only); commit() is both; abort() removes
    everything begun, and does nothing once published."""

    def add_case(self, case_key: str, resources: list[dict[str, Any]],
                 source: SourceRow | None = None) -> None: ...
    def finish(self) -> list[str]: ...
    def publish(self) -> None: ...
    def commit(self) -> list[str]: ...
    def abort(self) -> None: ...


class TwoStepWriter(ABC):
    """commit() = finish() + publish(), the publishing safe from stop signals."""

    @abstractmethod
    def finish(self) -> list[str]: ...

    @abstractmethod
    def publish(self) -> None: ...

    def commit(self) -> list[str]:
        outputs = self.finish()
        with critical():
            self.publish()
        return outputs


class SingleBundleWriter(TwoStepWriter):
    """One Bundle holding every case, written entry by entry (never held in memory). The bytes
    equal orjson's serialisation of the whole Bundle."""

    def __init__(self, path: str, bundle_type: str, bundle_id: str, series: Series,
                 pretty: bool = False) -> None:
        self.file = AtomicFile(path)
        self.bundle_type = bundle_type
        self.pretty = pretty
        head = dumps(envelope(bundle_id, bundle_type, series), pretty)
        self.file.write(head[:-1].rstrip() + (b',\n  "entry": [' if pretty else b',"entry":['))
        self.count = 0

    def add_case(self, case_key: str, resources: list[dict[str, Any]],
                 source: SourceRow | None = None) -> None:
        for resource in resources:
            data = dumps(entry(resource, self.bundle_type), self.pretty)
            if self.pretty:
                data = b"\n" + b"\n".join(b"    " + line for line in data.split(b"\n"))
            self.file.write((b"," if self.count else b"") + data)
            self.count += 1

    def finish(self) -> list[str]:
        if self.pretty:
            self.file.write(b"\n  ]\n}\n" if self.count else b"]\n}\n")
        else:
            self.file.write(b"]}\n")
        self.file.finish()
        return [self.file.path]

    def publish(self) -> None:
        self.file.publish()

    def abort(self) -> None:
        self.file.abort()


class FolderWriter(TwoStepWriter):
    """Files in an output folder (converter/outfolder.AtomicDir), or one stream for `-`."""

    def __init__(self, path: str, series: Series, output: str, force: bool) -> None:
        self.path = path
        self.stream = AtomicFile(path) if is_stream(path) else None
        self.folder = None if self.stream is not None else AtomicDir(path, force, series.id,
                                                                        output)

    def publish(self) -> None:
        if self.stream is not None:
            self.stream.publish()
        else:
            assert self.folder is not None
            self.folder.publish()

    def abort(self) -> None:
        if self.stream is not None:
            self.stream.abort()
        if self.folder is not None:
            self.folder.abort()


class PerCaseWriter(FolderWriter):
    """One Bundle per case: files `<patient id>.json` in a folder, or for `-` one Bundle per line
    (NDJSON of Bundles) on standard output."""

    def __init__(self, path: str, bundle_type: str, series: Series, pretty: bool = False,
                 force: bool = False) -> None:
        super().__init__(path, series, f"per-case {bundle_type}", force)
        self.bundle_type = bundle_type
        self.series = series
        self.pretty = pretty

    def add_case(self, case_key: str, resources: list[dict[str, Any]],
                 source: SourceRow | None = None) -> None:
        doc = bundle(resources, f"{case_key}.bundle", self.bundle_type, self.series, per_case=True)
        if self.stream is not None:
            self.stream.write(dumps(doc) + b"\n")
            return
        assert self.folder is not None
        if not SAFE_FILE_STEM.fullmatch(case_key):  # ids are [A-Za-z0-9-.]: see converter/fhir/ids.py
            raise ValueError(f"unsafe file name {case_key!r}")
        try:  # never overwrite: on a case-insensitive disk "s1-A" and "s1-a" are one file
            handle = self.folder.create(f"{case_key}.json")
        except FileExistsError:
            raise OutputError(
                f"{self.path}: two cases would both be written to {case_key}.json (case ids that "
                "differ only in upper and lower case, on a disk that does not tell them apart?); "
                "write one Bundle instead, or rename a case") from None
        with writing(self.path), handle:
            handle.write(dumps(doc, self.pretty) + b"\n")

    def finish(self) -> list[str]:
        if self.stream is not None:
            self.stream.finish()
        else:
            assert self.folder is not None
            self.folder.finish()
        return [self.path]


class NdjsonWriter(FolderWriter):
    """NDJSON, one file per resource type (`Patient.ndjson`...) in a folder, as bulk data and
    `$import` expect; for `-`, every resource on standard output, one per line."""

    def __init__(self, path: str, series: Series | None = None, force: bool = False) -> None:
        super().__init__(path, series or Series("unknown"), "ndjson", force)
        self.files: dict[str, IO[bytes]] = {}

    def add_case(self, case_key: str, resources: list[dict[str, Any]],
                 source: SourceRow | None = None) -> None:
        for resource in resources:
            line = dumps(resource) + b"\n"
            if self.stream is not None:
                self.stream.write(line)
                continue
            assert self.folder is not None
            kind = resource["resourceType"]
            handle = self.files.get(kind)
            if handle is None:
                handle = self.files[kind] = self.folder.create(f"{kind}.ndjson")
            with writing(self.path):
                handle.write(line)

    def _close(self) -> None:
        """Close every file; raises OutputError for the first that cannot be written out."""
        failure: OutputError | None = None
        for handle in self.files.values():
            try:
                with writing(self.path):
                    handle.close()
            except OutputError as exc:
                failure = failure or exc
        if failure is not None:
            raise failure

    def finish(self) -> list[str]:
        self._close()
        if self.stream is not None:
            self.stream.finish()
            return [self.path]
        assert self.folder is not None
        self.folder.finish()
        return [str(Path(self.path) / f"{kind}.ndjson") for kind in sorted(self.files)]

    def abort(self) -> None:
        with contextlib.suppress(OutputError):  # the files go with their folder below
            self._close()
        super().abort()


def open_writer(path: str, output_format: str, per_case: bool, series: Series,
                pretty: bool = False, force: bool = False) -> Writer:
    """`force`: an output folder may hold files casefhir did not write (left untouched)."""
    if output_format == "ndjson":
        return NdjsonWriter(path, series, force)
    if per_case:
        return PerCaseWriter(path, output_format, series, pretty, force)
    return SingleBundleWriter(path, output_format, f"{series.id}-{output_format}", series, pretty)


def write_json_atomic(path: str, value: Any, pretty: bool = True) -> None:
    """A small JSON document (report, CodeSystem), atomically."""
    out = AtomicFile(path)
    try:
        out.write(dumps(value, pretty) + b"\n")
        out.commit()
    except BaseException:
        out.abort()
        raise
