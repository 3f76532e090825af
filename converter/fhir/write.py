"""FHIR writers: orjson serialisation, streamed case by case, committed atomically — one Bundle
(converter/output/atomic.AtomicFile), or a folder of per-case Bundles or NDJSON files
(converter/output/folder.AtomicDir), each written beside its destination and put in place only
when the whole conversion succeeded, so a failure never leaves partial output.

Each writer has two steps, so that several outputs appear together or not at all: finish()
writes every remaining byte (what can fail for want of room), publish() only renames.
"""

from __future__ import annotations

import contextlib
import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import orjson

from converter.fhir.bundle import bundle, entry, envelope
from converter.output.atomic import AtomicFile, is_stream
from converter.output.diskerrors import OutputError, writing
from converter.output.folder import AtomicDir
from converter.read.schema import Series
from converter.signals import critical

if TYPE_CHECKING:
    from converter.read.records import SourceRow

OUTPUT_FORMATS = ("transaction", "batch", "collection", "ndjson")
SAFE_FILE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,63}")

__all__ = ["OUTPUT_FORMATS", "Writer", "dumps", "open_writer"]


def dumps(value: Any, pretty: bool = False) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 if pretty else 0)


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
    """Files in an output folder (output/folder.AtomicDir), or one stream for `-`."""

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
