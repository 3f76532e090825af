"""Writers: orjson serialisation, streamed case by case, committed atomically.

Everything is first written beside its destination (a temporary file or folder in the same
directory) and renamed into place only when the whole conversion succeeded, so a failure never
leaves partial output. Standard output (`-`) is spooled the same way and copied out at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import orjson

from converter.bundle import bundle, entry, envelope
from converter.schema import Series

if TYPE_CHECKING:
    from converter.records import SourceRow

OUTPUT_FORMATS = ("transaction", "batch", "collection", "ndjson")


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


# the permissions a plainly created file or folder gets (mkstemp/mkdtemp make them private)
FILE_MODE = 0o666 & ~_umask()
DIR_MODE = 0o777 & ~_umask()
_OUR_SUFFIXES = (".json", ".ndjson")
SAFE_FILE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,63}")


def dumps(value: Any, pretty: bool = False) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 if pretty else 0)


class OutputError(Exception):
    """The destination cannot be written (missing folder, permissions, foreign directory)."""


class AtomicFile:
    """A file that appears at `path` only on commit(); `-` means standard output."""

    def __init__(self, path: str) -> None:
        self.path = path
        directory = "." if path == "-" else str(Path(path).parent or ".")
        if path != "-" and not Path(directory).is_dir():
            raise OutputError(f"{path}: the folder {directory} does not exist")
        if path != "-" and Path(path).is_dir():
            raise OutputError(f"{path}: is a directory; give a file name")
        try:
            fd, self.temp = tempfile.mkstemp(prefix=".casefhir-", suffix=".part",
                                             dir=None if path == "-" else directory)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write here ({exc.strerror})") from None
        self.handle: IO[bytes] = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self.handle.write(data)

    def commit(self) -> None:
        self.handle.close()
        if self.path == "-":
            try:
                with open(self.temp, "rb") as spool:
                    shutil.copyfileobj(spool, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            finally:  # also when the reader went away (BrokenPipeError, as under `| head`)
                os.unlink(self.temp)
        else:
            os.chmod(self.temp, FILE_MODE)
            os.replace(self.temp, self.path)

    def abort(self) -> None:
        self.handle.close()
        if os.path.exists(self.temp):
            os.unlink(self.temp)


class AtomicDir:
    """A folder that replaces `path` only on commit(). An existing folder is replaced only if
    it holds nothing but .json/.ndjson files (earlier casefhir output)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        if self.path.exists():
            if not self.path.is_dir():
                raise OutputError(f"{path}: exists and is not a folder")
            foreign = [p.name for p in self.path.iterdir() if p.suffix not in _OUR_SUFFIXES]
            if foreign:
                raise OutputError(f"{path}: the folder holds other files ({', '.join(foreign[:3])}"
                                  "); choose an empty or new folder")
        parent = self.path.parent
        if not parent.is_dir():
            raise OutputError(f"{path}: the folder {parent} does not exist")
        try:
            self.temp = Path(tempfile.mkdtemp(prefix=".casefhir-", dir=parent))
        except OSError as exc:
            raise OutputError(f"{path}: cannot write here ({exc.strerror})") from None

    def commit(self) -> None:
        old = None
        if self.path.exists():
            old = self.path.with_name(f".{self.path.name}.casefhir-old")
            if old.exists():
                shutil.rmtree(old)
            self.path.rename(old)
        os.chmod(self.temp, DIR_MODE)
        self.temp.rename(self.path)
        if old is not None:
            shutil.rmtree(old)

    def abort(self) -> None:
        shutil.rmtree(self.temp, ignore_errors=True)


class Writer(Protocol):
    def add_case(self, case_key: str, resources: list[dict[str, Any]],
                 source: SourceRow | None = None) -> None: ...
    def commit(self) -> list[str]: ...
    def abort(self) -> None: ...


class SingleBundleWriter:
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

    def commit(self) -> list[str]:
        if self.pretty:
            self.file.write(b"\n  ]\n}\n" if self.count else b"]\n}\n")
        else:
            self.file.write(b"]}\n")
        self.file.commit()
        return [self.file.path]

    def abort(self) -> None:
        self.file.abort()


class PerCaseWriter:
    """One Bundle per case: files `<patient id>.json` in a folder, or for `-` one Bundle per line
    (NDJSON of Bundles) on standard output."""

    def __init__(self, path: str, bundle_type: str, series: Series, pretty: bool = False) -> None:
        self.bundle_type = bundle_type
        self.series = series
        self.pretty = pretty
        self.stream = AtomicFile(path) if path == "-" else None
        self.folder = None if path == "-" else AtomicDir(path)
        self.path = path

    def add_case(self, case_key: str, resources: list[dict[str, Any]],
                 source: SourceRow | None = None) -> None:
        doc = bundle(resources, f"{case_key}.bundle", self.bundle_type, self.series, per_case=True)
        if self.stream is not None:
            self.stream.write(dumps(doc) + b"\n")
            return
        assert self.folder is not None
        if not SAFE_FILE_STEM.fullmatch(case_key):  # ids are [A-Za-z0-9-.]: see converter/ids.py
            raise ValueError(f"unsafe file name {case_key!r}")
        try:  # never overwrite: on a case-insensitive disk "s1-A" and "s1-a" are one file
            with (self.folder.temp / f"{case_key}.json").open("xb") as handle:
                handle.write(dumps(doc, self.pretty) + b"\n")
        except FileExistsError:
            raise OutputError(
                f"{self.path}: two cases would both be written to {case_key}.json (case ids that "
                "differ only in upper and lower case, on a disk that does not tell them apart?); "
                "write one Bundle instead, or rename a case") from None

    def commit(self) -> list[str]:
        if self.stream is not None:
            self.stream.commit()
        else:
            assert self.folder is not None
            self.folder.commit()
        return [self.path]

    def abort(self) -> None:
        if self.stream is not None:
            self.stream.abort()
        if self.folder is not None:
            self.folder.abort()


class NdjsonWriter:
    """NDJSON, one file per resource type (`Patient.ndjson`...) in a folder, as bulk data and
    `$import` expect; for `-`, every resource on standard output, one per line."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.stream = AtomicFile(path) if path == "-" else None
        self.folder = None if path == "-" else AtomicDir(path)
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
                handle = self.files[kind] = (self.folder.temp / f"{kind}.ndjson").open("wb")
            handle.write(line)

    def _close(self) -> None:
        for handle in self.files.values():
            handle.close()

    def commit(self) -> list[str]:
        self._close()
        if self.stream is not None:
            self.stream.commit()
            return [self.path]
        assert self.folder is not None
        self.folder.commit()
        return [str(Path(self.path) / f"{kind}.ndjson") for kind in sorted(self.files)]

    def abort(self) -> None:
        self._close()
        if self.stream is not None:
            self.stream.abort()
        if self.folder is not None:
            self.folder.abort()


def open_writer(path: str, output_format: str, per_case: bool, series: Series,
                pretty: bool = False) -> Writer:
    if output_format == "ndjson":
        return NdjsonWriter(path)
    if per_case:
        return PerCaseWriter(path, output_format, series, pretty)
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
