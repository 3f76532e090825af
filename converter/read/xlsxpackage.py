"""An XLSX workbook's ZIP package, read within stated limits whatever the file declares.

A workbook is a ZIP archive of XML parts. Nothing it declares is trusted: the archive's own
directory is checked before it is parsed (member count, directory size, compression methods),
every byte inflated from a part is counted as it streams (one budget for the whole workbook,
another for each part), and every part goes through `MarkupGuard` before the XML parser sees
it: no tag, comment, processing instruction or run of text longer than `Limits.markup_bytes`
(so the parser never buffers more), no DTD (so no entity expansion), UTF-8 only. The parsers
built on `parse_part` (converter/read/xlsxbook.py, converter/read/xlsxsheet.py) count what they build —
elements, nesting, rows, cells, characters — against the same `Limits`.

Crossing a limit raises `PartError`, which the reader turns into a located InputError.
"""

from __future__ import annotations

import pyexpat
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, NoReturn

MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """What casefhir reads from one workbook, at most.

    Excel's own limits where Excel has one (rows, columns, characters in a cell, cell formats).
    What costs time — XML elements, cells, shared strings — is allowed a fixed amount plus an
    amount per compressed byte of the part that holds it: real tables pack at most about 0.3
    cells or shared strings and 0.8 elements into a compressed byte, a ZIP bomb hundreds, so a
    large real workbook is read whole while a small file that unpacks to millions of cells is
    refused within seconds. The rest bounds memory. docs/hostile-input.md gives the
    measurements behind each figure."""

    members: int = 20_000  # ZIP entries (a part per sheet, its relationships, drawings ...)
    directory_bytes: int = 8 * MiB  # the ZIP's central directory
    inflated_bytes: int = 1536 * MiB  # every part read, together, as inflated
    sheet_bytes: int = 1024 * MiB  # the chosen sheet's XML (Excel's largest sheet fits)
    shared_strings_bytes: int = 512 * MiB  # the shared-string table's XML
    part_bytes: int = 32 * MiB  # any other part read (workbook, relationships, styles)
    markup_bytes: int = 1 * MiB  # one tag, comment or run of text in any part
    depth: int = 64  # nesting of XML elements
    elements: int = 12_000_000  # XML elements in every part read, together ...
    elements_per_byte: float = 1.5  # ... plus this many per compressed byte of those parts
    rows: int = 1_048_576  # Excel's limit
    columns: int = 16_384  # Excel's limit (XFD)
    cells: int = 1_500_000  # cells of the sheet, empty ones included ...
    cells_per_byte: float = 0.4  # ... plus this many per compressed byte of the sheet
    cell_chars: int = 32_767  # Excel's limit for one cell
    row_chars: int = 500_000  # in one row's cells (one shared string can fill every cell)
    sheet_chars: int = 1_000_000_000  # in all the sheet's cells
    shared_strings: int = 1_500_000  # strings in the shared-string table ...
    shared_strings_per_byte: float = 0.5  # ... plus this many per compressed byte of it
    shared_string_chars: int = 64_000_000  # their characters together
    shared_string_bytes: int = 128 * MiB  # and their UTF-8 bytes (as they are kept)
    sheets: int = 10_000
    merges: int = 200_000  # merged ranges in the sheet
    cell_formats: int = 65_536  # Excel's limit is 64,000
    number_formats: int = 65_536
    external_links: int = 10_000

    def scaled(self, floor: int, per_byte: float, compressed: int) -> int:
        """A count allowed for a part of `compressed` bytes."""
        return floor + int(per_byte * compressed)


LIMITS = Limits()


class PartError(Exception):
    """A workbook part crossed a limit, or cannot be read as a bounded XML part. Deliberately
    not a ValueError: nothing on the way may mistake it for a damaged value and carry on.
    `message` says what the part does ("unpacks to more than ..."), to follow the part's name,
    unless `sentence` (then it reads alone); `row` and `column` (1-based) locate it in the
    sheet when known."""

    def __init__(self, message: str, part: str | None = None, row: int | None = None,
                 column: int | None = None, sentence: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.part = part
        self.row = row
        self.column = column
        self.sentence = sentence
        self.rows_before: list[Any] = []  # rows read just before it (the sheet reader's)


class MalformedPart(PartError):
    """A part that is not well-formed XML (a damaged workbook rather than a hostile one)."""


class Budget:
    """What the whole workbook has cost so far: bytes inflated and XML elements parsed, and the
    elements allowed (more for each part parsed, by its compressed size)."""

    def __init__(self, limits: Limits = LIMITS) -> None:
        self.limits = limits
        self.inflated = 0
        self.elements = 0
        self.allowed_elements = limits.elements
        self.compressed = 0  # bytes of the parts parsed, as stored

    def add_part(self, compressed: int) -> None:
        self.compressed += compressed
        self.allowed_elements = self.limits.scaled(self.limits.elements,
                                                   self.limits.elements_per_byte,
                                                   self.compressed)

    def add_bytes(self, count: int, part: str) -> None:
        self.inflated += count
        if self.inflated > self.limits.inflated_bytes:
            raise PartError(f"unpacks to more than {self.limits.inflated_bytes:,} bytes of XML "
                             "(a ZIP bomb?); casefhir stops there", part)

    def add_elements(self, count: int, part: str) -> None:
        self.elements += count
        if self.elements > self.allowed_elements:
            raise PartError(f"holds more than {self.allowed_elements:,} XML elements (with the "
                            f"parts read before it), in {self.compressed:,} compressed bytes: "
                            "more than any table packs (a ZIP bomb?); casefhir stops there",
                            part)


_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"


def check_directory(handle: IO[bytes], limits: Limits = LIMITS) -> None:
    """Refuse an archive whose end-of-directory record declares more members, or a larger
    directory, than any workbook has, before zipfile builds an object for each member."""
    handle.seek(0, 2)
    size = handle.tell()
    tail_start = max(0, size - (22 + 65_535 + 20))
    handle.seek(tail_start)
    tail = handle.read()
    handle.seek(0)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) < at + 22:
        return  # zipfile says what is wrong
    entries, directory = struct.unpack_from("<HI", tail, at + 10)
    if (entries == 0xFFFF or directory == 0xFFFFFFFF) and at >= 20 \
            and tail[at - 20:at - 16] == _ZIP64_LOCATOR:
        (offset,) = struct.unpack_from("<Q", tail, at - 12)
        handle.seek(min(offset, size))
        record = handle.read(56)
        handle.seek(0)
        if len(record) == 56 and record.startswith(b"PK\x06\x06"):
            entries, directory = struct.unpack_from("<QQ", record, 32)
    if entries > limits.members:
        raise PartError(f"declares {entries:,} ZIP members, more than the {limits.members:,} "
                         "casefhir reads; refused unread")
    if directory > limits.directory_bytes:
        raise PartError(f"declares a ZIP directory of {directory:,} bytes, more than the "
                         f"{limits.directory_bytes:,} casefhir reads; refused unread")


class Package:
    """The ZIP archive of a workbook, whose parts are read as counted chunks."""

    def __init__(self, handle: IO[bytes], limits: Limits = LIMITS) -> None:
        check_directory(handle, limits)
        self.archive = zipfile.ZipFile(handle)
        self.limits = limits
        self.budget = Budget(limits)
        self.names = set(self.archive.namelist())
        self.unpacked: dict[str, int] = {}  # bytes of each part inflated so far (progress)
        if len(self.names) > limits.members:
            raise PartError(f"holds more than {limits.members:,} ZIP members; refused unread")

    def close(self) -> None:
        self.archive.close()

    def has(self, part: str) -> bool:
        return part in self.names

    def compressed_size(self, part: str) -> int:
        return self.archive.getinfo(part).compress_size

    def declared_size(self, part: str) -> int:
        """The unpacked size the ZIP directory declares (chunks never read past it)."""
        return self.archive.getinfo(part).file_size

    def chunks(self, part: str, cap: int, budgeted: bool = True,
               chunk_size: int = 256 * 1024) -> Iterator[bytes]:
        """The inflated bytes of `part`, a chunk at a time, counted against `cap` for this part
        and (when `budgeted`: not a second pass over a part already counted) against the
        workbook's budget. zipfile itself stops at the declared size, which may be anything
        up to 16 EiB."""
        info = self.archive.getinfo(part)
        if info.file_size > cap:
            raise PartError(f"declares {info.file_size:,} bytes unpacked, more than the {cap:,} "
                            "casefhir reads (a ZIP bomb?); refused unread", part)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # XLSX allows only these two; bzip2 and LZMA members would also inflate whole
            # chunks at once, unbounded, inside zipfile
            raise PartError("is compressed with a method XLSX does not use (only stored and "
                             "deflate are); save the workbook again in a spreadsheet program",
                             part)
        read = 0
        try:
            source = self.archive.open(info)
        except _UNPACK_ERRORS as exc:
            raise MalformedPart(f"cannot be unpacked ({_why(exc)})", part) from None
        with source:
            while True:
                try:
                    chunk = source.read(chunk_size)
                except _UNPACK_ERRORS as exc:
                    raise MalformedPart(f"cannot be unpacked ({_why(exc)})", part) from None
                if not chunk:
                    return
                read += len(chunk)
                self.unpacked[part] = read
                if read > cap:
                    raise PartError(f"unpacks to more than {cap:,} bytes; casefhir stops there "
                                    "(save the sheet as CSV to read a larger table)", part)
                if budgeted:
                    self.budget.add_bytes(len(chunk), part)
                yield chunk


# what zipfile and zlib raise on a damaged member (a bad CRC, a truncated or corrupt stream)
_UNPACK_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError,
                  RuntimeError, ValueError)


def _why(exc: BaseException) -> str:
    text = str(exc).strip()
    name = f"{type(exc).__module__}.{type(exc).__name__}" if type(exc).__module__ == "zlib" \
        else type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


_SPECIAL = re.compile(rb"<[!?]")
_HOLD = 16  # bytes kept back between chunks so that an opener is never split ("<![CDATA[": 9)


class MarkupGuard:
    """Checks the raw bytes of an XML part before the parser sees them: UTF-8 (or another
    ASCII-compatible encoding), no DTD, and no tag, comment, processing instruction, CDATA
    section or run of text longer than `limit` bytes (measured as the distance between two
    '<', which cannot appear inside a tag or text). The XML parser buffers at most one such
    token, so this bounds its memory whatever the part holds."""

    def __init__(self, part: str, limit: int) -> None:
        self.part = part
        self.limit = limit
        self.pending = b""
        self.since = 0  # bytes since the last '<' (or since the construct we are inside began)
        self.inside: bytes | None = None  # the terminator we wait for: -->, ?>, ]]>
        self.started = False

    def _too_long(self) -> PartError:
        what = {b"-->": "a comment", b"?>": "a processing instruction",
                b"]]>": "a CDATA section"}.get(self.inside or b"", "a tag or text")
        return PartError(f"holds {what} longer than {self.limit:,} bytes; casefhir stops there",
                          self.part)

    def _first(self, data: bytes) -> None:
        head = data.removeprefix(b"\xef\xbb\xbf")[:4]
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
            raise PartError("is not UTF-8 XML (UTF-16 or UTF-32?); save the workbook again in "
                             "a spreadsheet program", self.part)
        self.started = True

    def feed(self, chunk: bytes, final: bool = False) -> None:
        data = self.pending + chunk
        if not self.started and (len(data) >= 4 or final):
            self._first(data)
        end = len(data) if final else len(data) - _HOLD
        at = 0
        while at < end:
            if self.inside is not None:
                found = data.find(self.inside, at)
                if found < 0 or found >= end:
                    self.since += end - at
                    at = end
                    if self.since > self.limit:
                        raise self._too_long()
                    break
                self.since += found - at
                if self.since > self.limit:
                    raise self._too_long()
                at = found + len(self.inside)
                self.inside, self.since = None, 0
                continue
            special = _SPECIAL.search(data, at)
            stop = special.start() if special is not None and special.start() < end else end
            first_lt = data.find(b"<", at, stop)
            if first_lt < 0:
                self.since += stop - at
            else:
                # gaps between two '<' inside one chunk are shorter than the chunk, itself
                # shorter than the limit; only the gap across chunks needs adding up
                if self.since + first_lt - at > self.limit:
                    raise self._too_long()
                self.since = stop - data.rfind(b"<", at, stop) - 1
            if self.since > self.limit:
                raise self._too_long()
            at = stop
            if stop == end:
                break
            if data.startswith(b"<!--", stop):
                self.inside, at = b"-->", stop + 4
            elif data.startswith(b"<![CDATA[", stop):
                self.inside, at = b"]]>", stop + 9
            elif data.startswith(b"<?", stop):
                self.inside, at = b"?>", stop + 2
            else:
                raise PartError("declares a DTD (<!DOCTYPE or <!ENTITY), which no workbook "
                                 "part has; refused (entity expansion is a known XML bomb)",
                                 self.part)
            self.since = 0
        self.pending = data[at:]
        if final and self.inside is not None:
            raise PartError("ends inside a comment, CDATA section or processing instruction",
                             self.part)


class PartHandler:
    """The expat handlers of one part. Subclasses track `depth` in their own `start`/`end`
    (inline, not through a helper: the sheet's handlers run millions of times), calling
    `too_deep` past the limit. Elements are counted by stream_part."""

    namespaces = True  # names as `namespace}local`; False: as written (faster, for the sheet)
    text: Callable[[str], None] | None = None

    def __init__(self, package: Package, part: str) -> None:
        self.package = package
        self.part = part
        self.limits = package.limits
        self.depth = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        raise NotImplementedError

    def end(self, name: str) -> None:
        raise NotImplementedError

    def too_deep(self) -> NoReturn:
        raise PartError(f"nests XML elements more than {self.limits.depth} deep; no workbook "
                         "part does", self.part)


class StopParsing(Exception):
    """Raised by a handler that has read all it needs of a part."""


def stream_part(handler: PartHandler, cap: int, pause_every: int = 1 << 30) -> Iterator[None]:
    """Stream the handler's part through expat within the package's limits (the guard on the
    raw bytes; the elements the handler counted, against the workbook's element budget),
    pausing after each chunk, and after every `pause_every` bytes of it (the sheet reader
    hands its rows on there: rows of long shared strings must not pile up). A handler may
    raise StopParsing to end early."""
    package, part = handler.package, handler.part
    parser = pyexpat.ParserCreate(namespace_separator="}" if handler.namespaces else None)
    parser.buffer_text = True
    parser.buffer_size = 64 * 1024
    guard = MarkupGuard(part, package.limits.markup_bytes)

    def refuse_dtd(*_: object) -> None:
        raise PartError("declares a DTD, which no workbook part has; refused", part)

    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    if handler.text is not None:
        parser.CharacterDataHandler = handler.text
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    package.budget.add_part(package.compressed_size(part))
    try:
        for chunk in package.chunks(part, cap):
            guard.feed(chunk)
            # elements counted as start tags, in C: counting in the handlers would cost a
            # Python operation per element (comments and the like count too: an upper bound)
            package.budget.add_elements(chunk.count(b"<") - chunk.count(b"</"), part)
            for start in range(0, len(chunk), pause_every):
                parser.Parse(chunk[start:start + pause_every], False)
                yield
        guard.feed(b"", final=True)
        parser.Parse(b"", True)
    except StopParsing:
        pass
    except pyexpat.ExpatError as exc:
        raise MalformedPart(f"is not well-formed XML ({exc})", part) from None
    yield


def parse_part(handler: PartHandler, cap: int) -> None:
    """Parse the whole part (a handler may raise StopParsing to end early)."""
    for _ in stream_part(handler, cap):
        pass
