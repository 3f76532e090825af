"""Input files → rows of text cells, each cell knowing its file, row and column.

Formats: CSV and TSV (delimiter detected from the header), XLSX (converter/read/xlsx.py), ODS
(converter/read/ods.py), legacy Excel XLS (converter/read/xls.py), JSON (an array of objects)
and NDJSON (one object per line). Text files are UTF-8, with or without a BOM, unless
`encoding` says otherwise; a UTF-16 or UTF-32 byte-order mark is read as such. Nothing is
guessed beyond that: a byte the encoding cannot read, a UTF-8 file read with `--encoding cp1252`
(which would garble it), NUL bytes, a ZIP, .xlsx, .ods or .xls file named .csv are InputErrors
naming the place (and what the file is). Rows are produced lazily, so a large file is never
held in memory (JSON arrays excepted).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import IO, Any

import orjson

from converter.csvcells import unescape_csv_cell
from converter.problems import InputError, Location, error, shorten
from converter.read import stdin
from converter.read.rows import (
    Cell,
    CellNote,
    RawRow,
    ReadPosition,
    Table,
    cell_text,
    column_letter,
    display_name,
    file_position,
    open_binary,
    read_bytes,
)
from converter.read.sheetkind import NAMES as SPREADSHEETS
from converter.read.sheetkind import kind_of_head
from converter.read.sniff import sniff

FORMATS = ("csv", "tsv", "xlsx", "ods", "xls", "json", "ndjson")
_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".maf": "tsv", ".txt": "csv", ".xlsx": "xlsx",
             ".xlsm": "xlsx", ".ods": "ods", ".xls": "xls", ".json": "json", ".ndjson": "ndjson",
             ".jsonl": "ndjson"}
MAX_FIELD_CHARS = 1_000_000  # csv module limit; longer cells are refused by the record schema
MAX_LINE_CHARS = 32 * 1024 * 1024  # one line of a text table (a row is much less)
DELIMITERS = (",", ";", "\t", "|")
# codecs Python knows that do not read a table's bytes as text: they interpret backslashes or
# plus signs, or can produce lone surrogates no JSON writer accepts
_NOT_TABLE_CODECS = {"unicode-escape", "raw-unicode-escape", "utf-7", "idna", "punycode",
                     "undefined"}
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_SIGNATURES = (
    (b"PK\x03\x04", "is a ZIP archive, not {fmt} text (an XLSX workbook? name it .xlsx or pass "
                    "--format xlsx)"),
    (b"%PDF", "is a PDF document, not {fmt} text"),
)


def detect_format(path: str, explicit: str | None) -> str:
    """The table format: `explicit`, else the name's extension, else the content (standard
    input, or a name that does not tell; converter/read/sniff.py)."""
    if explicit:
        return explicit
    suffix = Path(path).suffix.casefold()
    if path != "-" and suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    name = display_name(path)
    kind = sniff(head_of(path), name)
    if kind in ("fhir-json", "fhir-ndjson"):
        raise InputError(error(
            "holds FHIR (a Bundle or resources), not a case-series table: validate, load, "
            "flatten and summary read FHIR; to read it as a table anyway pass --format json "
            "or ndjson", Location(name)))
    return kind


def head_of(path: str) -> bytes:
    """The first bytes of a file or of standard input (`-`), left for the reader to read."""
    if path == "-":
        return stdin.head()
    with open_binary(path) as handle:
        try:
            return handle.read(stdin.HEAD_BYTES)
        except OSError as exc:
            raise InputError(error(f"cannot be read ({exc.strerror})",
                                   Location(display_name(path)))) from None


def _peek(raw: IO[bytes], size: int) -> bytes:
    """The first bytes of `raw` without consuming them (works on pipes too)."""
    peek = getattr(raw, "peek", None)
    if peek is not None:
        return bytes(peek(size)[:size])
    position = raw.tell()
    head = raw.read(size)
    raw.seek(position)
    return head


# ------------------------------------------------------------------ encodings
def check_encoding(encoding: str) -> str | None:
    """None if `encoding` can read a text table, else why not."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        return (f"unknown encoding {shorten(encoding)!r}; use e.g. utf-8, cp1252, latin-1 or "
                "utf-16")
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_TABLE_CODECS:
        return (f"{shorten(encoding)!r} is not a character encoding a table can be saved in; use e.g. "
                "utf-8, cp1252, latin-1 or utf-16")
    return None


def _codec(name: str, encoding: str) -> str:
    why = check_encoding(encoding)
    if why:
        raise InputError(error(why, Location(name)))
    name = codecs.lookup(encoding).name
    return "utf-8" if name == "utf-8-sig" else name  # the BOM is skipped either way


@lru_cache(maxsize=64)
def _ascii_compatible(codec: str) -> bool:
    """Bytes below 0x80 are ASCII and a newline is the byte 0x0A (not so in UTF-16/32)."""
    try:
        return "a,\n".encode(codec) == b"a,\n"
    except (UnicodeError, LookupError):
        return False


@lru_cache(maxsize=64)
def _single_byte(codec: str) -> bool:
    """One character per byte (cp1252, latin-1 ...)."""
    return len(bytes(range(256)).decode(codec, errors="replace")) == 256


def sniff_bytes(name: str, head: bytes, fmt: str, encoding: str) -> str:
    """Refuse what is plainly not a text table (ZIP, .xls, PDF, NUL bytes) and give the codec
    to read it with (a UTF-16/32 byte-order mark wins over the default UTF-8)."""
    kind = kind_of_head(head)
    if kind in ("ods", "xls"):  # (any other ZIP is named below, as probably an XLSX workbook)
        raise InputError(error(f"is {SPREADSHEETS[kind]}, not {fmt.upper()} text; name it "
                               f".{kind} or pass --format {kind}", Location(name)))
    for signature, message in _SIGNATURES:
        if head.startswith(signature):
            raise InputError(error(message.format(fmt=fmt.upper()), Location(name)))
    codec = _codec(name, encoding)
    for bom, unicode_codec in _BOMS:
        if head.startswith(bom) and codec == "utf-8":
            return unicode_codec
        if head.startswith(bom) and not codec.startswith(unicode_codec):
            raise InputError(error(f"starts with a {unicode_codec.upper()} byte-order mark, but "
                                   f"--encoding {encoding} was given; leave out --encoding",
                                   Location(name)))
    if _ascii_compatible(codec) and b"\x00" in head:
        offset = head.index(b"\x00")
        line = head[:offset].count(b"\n") + 1
        guess = _unicode_without_bom(head)
        if guess:
            hint = (f"it looks like {guess[:6].upper()} text without a byte-order mark: pass "
                    f"--encoding {guess}, or save it as UTF-8")
        else:
            hint = f"it is a binary file, not {fmt.upper()} text"
        raise InputError(error(f"holds a NUL byte at file offset {offset}; {hint}",
                               Location(name, line, None, "line")))
    return codec


def _unicode_without_bom(head: bytes) -> str | None:
    """The UTF-32 or UTF-16 byte order that NUL bytes at regular places suggest (text of
    characters below U+10000 has a zero in the two high bytes of every UTF-32 unit; Latin text
    has one in the high byte of every UTF-16 unit), or None (a binary file)."""
    size = len(head) - len(head) % 4
    quarter = size // 4
    if quarter:
        zeros = [head[i:size:4].count(0) for i in range(4)]
        most, few = quarter * 9 // 10, quarter // 2
        if zeros[2] >= most and zeros[3] >= most and zeros[0] < few:
            return "utf-32-le"
        if zeros[0] >= most and zeros[1] >= most and zeros[3] < few:
            return "utf-32-be"
    odd, even = head[1::2].count(0), head[0::2].count(0)
    if odd > len(head) // 4 or even > len(head) // 4:
        return "utf-16-le" if odd > even else "utf-16-be"
    return None


_CR_ONLY = re.compile(r"(?<=\r)(?!\n)")  # classic Mac line ends


def _decode_error(name: str, encoding: str, number: int, offset: int, chunk: bytes,
                  exc: UnicodeDecodeError) -> InputError:
    byte = chunk[exc.start] if exc.start < len(chunk) else 0
    where = f"byte 0x{byte:02X} at byte {exc.start + 1} of the line (file offset {offset + exc.start})"
    if codecs.lookup(encoding).name == "utf-8":
        message = (f"is not UTF-8 text: {where}. If the file is Windows or Latin-1 text, pass "
                   "--encoding cp1252 (or latin-1); otherwise save it as UTF-8")
    else:
        message = f"is not {encoding} text: {where}; check --encoding"
    return InputError(error(message, Location(name, number, None, "line")))


def _refuse_garbled(name: str, number: int, line: str, codec: str, encoding: str) -> None:
    """A line that is valid UTF-8 with non-ASCII characters, read with a one-byte-per-character
    encoding: the file is UTF-8 and `encoding` would garble it ('région' → 'rÃ©gion')."""
    try:
        as_utf8 = line.encode(codec).decode("utf-8")
    except UnicodeError:
        return
    start = next(i for i, ch in enumerate(as_utf8) if not ch.isascii())
    word = as_utf8[max(0, start - 10): start + 10].strip()
    garbled = line[max(0, start - 10): start + 14].strip()
    raise InputError(error(
        f"is UTF-8 text ({word!r}) that --encoding {encoding} would garble ({garbled!r}); "
        "leave out --encoding", Location(name, number, None, "line")))


def _line_too_long(name: str, number: int) -> InputError:
    return InputError(error(
        f"line {number:,} is longer than {MAX_LINE_CHARS:,} characters; no table row is (a "
        "binary file, or one whose line ends this program does not know?)",
        Location(name, number, None, "line")))


def _text_lines(name: str, raw: IO[bytes], codec: str, encoding: str) -> Iterator[str]:
    """Decoded lines with their line ends (as csv wants them), counted as a text editor counts
    them. A byte the encoding cannot read is an InputError naming the line, the byte and its
    offset in the file. No line longer than MAX_LINE_CHARS is held: the file is read in pieces
    of at most that many bytes, so a file of one endless line costs no more memory."""
    if not _ascii_compatible(codec):  # UTF-16/32: lines cannot be split as bytes
        wrapper = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="")
        number = 0
        try:
            while line := wrapper.readline(MAX_LINE_CHARS + 1):
                number += 1
                if len(line) > MAX_LINE_CHARS:
                    raise _line_too_long(name, number)
                yield line
        except UnicodeDecodeError as exc:
            raise InputError(error(f"is not {codec} text ({exc.reason})", Location(name))) from None
        return
    decoder = codecs.getincrementaldecoder(codec)("strict")
    check_garbled = codec != "utf-8" and _single_byte(codec)
    number = offset = 0
    pending = ""  # the start of a line longer than one piece (classic Mac files: many lines)
    while chunk := raw.readline(MAX_LINE_CHARS):  # split at b"\n": safe in every ASCII-
        # compatible encoding; a piece without one ends inside a line
        ended = chunk.endswith(b"\n")
        last = len(chunk) < MAX_LINE_CHARS and not ended  # a short piece: the file's end
        if offset == 0 and codec == "utf-8" and chunk.startswith(codecs.BOM_UTF8):
            chunk, offset = chunk[3:], 3
        try:
            text = decoder.decode(chunk, final=ended or last)  # no character spans a line end
        except UnicodeDecodeError as exc:
            raise _decode_error(name, encoding, number + 1, offset, chunk, exc) from None
        offset += len(chunk)
        text = pending + text
        lines = _CR_ONLY.split(text) if "\r" in text else [text]
        pending = ""
        if not ended:  # the last line goes on in the next piece (with its CR, if it ends one)
            pending = lines.pop()
            if pending == "" and lines and lines[-1].endswith("\r"):
                pending = lines.pop()
            if len(pending) > MAX_LINE_CHARS:
                raise _line_too_long(name, number + len(lines) + 1)
        for line in lines:
            if line:
                number += 1
                if check_garbled and not line.isascii():
                    _refuse_garbled(name, number, line, codec, encoding)
                yield line
    try:
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise _decode_error(name, encoding, number + 1, offset, b"", exc) from None
    if pending:
        number += 1
        if check_garbled and not pending.isascii():
            _refuse_garbled(name, number, pending, codec, encoding)
        yield pending


def text_of(path: str, fmt: str, encoding: str
            ) -> tuple[str, Iterator[str], ReadPosition | None]:
    """The display name and decoded lines of a text input, after refusing what is not text,
    and the position in its bytes (for a progress display)."""
    name = display_name(path)
    raw = open_binary(path)
    codec = sniff_bytes(name, _peek(raw, 4096), fmt, encoding)
    return name, _text_lines(name, raw, codec, encoding), file_position(raw)


# ------------------------------------------------------------------ CSV, TSV
def _sniff_delimiter(header_line: str, fmt: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return "\t" if fmt == "tsv" else ","
    return best


def _delimiter_name(sep: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(sep, repr(sep))


class _LineCounter:
    """Counts physical lines handed to csv.reader, so rows report where they start."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.count = 0
        self._back: str | None = None

    def __iter__(self) -> _LineCounter:
        return self

    def __next__(self) -> str:
        if self._back is not None:
            line, self._back = self._back, None
        else:
            line = next(self._lines)
        self.count += 1
        return line

    def push_back(self, line: str | None) -> None:
        """Give one line back: the next `next` returns it (and counts it again)."""
        if line is not None:
            self._back = line
            self.count -= 1


def _csv_problem(exc: csv.Error, sep: str) -> str:
    text = str(exc)
    if "unexpected end of data" in text:
        return ('a quoted value that starts in this row is never closed: the file ends inside '
                'quotes (add the missing closing ")')
    if "expected after" in text:
        return (f'a closing quote is followed by more text before the next {_delimiter_name(sep)} '
                '(as in "5" cm); quote the whole value ("5 cm") and double quotes inside it ("")')
    if "field larger than field limit" in text:
        return f"a cell holds more than {MAX_FIELD_CHARS:,} characters"
    return f"cannot read this row: {text}"


def read_delimited(path: str, fmt: str, encoding: str = "utf-8",
                   delimiter: str | None = None) -> Table:
    name, text, position = text_of(path, fmt, encoding)
    lines = _LineCounter(text)
    first = next((line for line in lines if line.strip()), None)
    first, header_row = _skip_metadata(first, lines)
    if first is None:
        what = "is empty" if lines.count == 0 else "holds only blank lines"
        raise InputError(error(f"{what}: no header row", Location(name)))
    sep = delimiter or _sniff_delimiter(first, fmt)
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(chain([first], lines), delimiter=sep, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(error(f"cannot read the header: {_csv_problem(exc, sep)}",
                               Location(name, header_row))) from None
    texts = [h.strip() for h in header]
    others = [d for d in DELIMITERS if d != sep and len(texts) == 1 and d in texts[0]]
    if delimiter and others:
        raise InputError(error(
            f"the header is one column {shorten(texts[0], 60)!r} when split at --delimiter "
            f"{_delimiter_name(sep)}; the file seems to use {_delimiter_name(others[0])}s "
            "(leave out --delimiter to detect it)", Location(name, header_row)))
    headers = _header_labels(texts, name, header_row)

    def rows() -> Iterator[RawRow]:
        while True:
            start = lines.count + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RawRow(start, (), _csv_problem(exc, sep))
                continue
            if not any(v.strip() for v in values):
                continue
            problem = None
            if len(values) != len(headers):
                cells = "cell" if len(values) == 1 else "cells"
                problem = (f"has {len(values)} {cells} but the header has {len(headers)}; "
                           "check for a missing or extra delimiter or an unquoted "
                           f"{_delimiter_name(sep)} inside a value")
            # a leading ' before = + - @ is a spreadsheet's "this is text" mark (casefhir
            # flatten writes it against formula injection); the value is what follows it
            cells_ = tuple(
                Cell(h, label, unescape_csv_cell(v.strip()) or None)
                for (h, label), v in zip(headers, values, strict=False)
            )
            yield RawRow(start, cells_, problem)

    return Table(name, "row", headers, rows(), header_row, position)


def _skip_metadata(first: str | None, lines: _LineCounter) -> tuple[str | None, int]:
    """The header line and its number, past the '#' lines that MAF files ('#version 2.4') and
    cBioPortal study files (four '#' lines of attribute names, descriptions, types, priorities)
    put before it. One '#' line alone is a header (a case column may be called '#')."""
    if first is None or not first.startswith("#"):
        return first, lines.count
    start = lines.count
    if first.startswith("#version"):
        following = next(lines, None)
        return following, lines.count
    second = next(lines, None)
    if second is None or not second.startswith("#"):
        # a header starting with '#': give the line after it back to the rows
        lines.push_back(second)
        return first, start
    following = second
    while following is not None and following.startswith("#"):
        following = next(lines, None)
    return following, lines.count


def _header_labels(texts: list[str], name: str, row: int) -> list[tuple[str, str]]:
    if not any(texts):
        raise InputError(error("the header row is empty", Location(name, row)))
    labels = []
    for index, text in enumerate(texts):
        letter = column_letter(index)
        labels.append((text, f"{letter} ({shorten(text)})" if text else letter))
    return labels


# ------------------------------------------------------------------ JSON, NDJSON
def json_kind(value: Any) -> str:
    """How JSON names the type of a parsed value."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "true/false value"
    if value is None:
        return "null"
    return "number"


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _json_row(number: int, item: Any) -> RawRow:
    if not isinstance(item, dict):
        return RawRow(number, (), f"is {_a('JSON ' + json_kind(item))}, not an object")
    cells = []
    notes = []
    for key, value in item.items():
        label = shorten(str(key)) or '""'
        if isinstance(value, dict | list):
            notes.append(CellNote(label, f"holds a nested {json_kind(value)}; each value must be "
                                         "text, a number, true/false or null"))
            continue
        cells.append(Cell(str(key), label, cell_text(value)))
    return RawRow(number, tuple(cells), None, tuple(notes))


def _json_problem(exc: orjson.JSONDecodeError) -> str:
    if "depth limit" in exc.msg:
        return ("is nested too deeply (more than 1024 levels); a table is an array of flat "
                "objects")
    return f"is not valid JSON at character {exc.colno} of the line: {exc.msg}"


def read_json(path: str, encoding: str = "utf-8") -> Table:
    name = display_name(path)
    data = read_bytes(path)
    codec = sniff_bytes(name, data[:4096], "json", encoding)
    if codec == "utf-8":
        data = data.removeprefix(codecs.BOM_UTF8)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:  # find the line and byte
            for _ in _text_lines(name, io.BytesIO(data), codec, encoding):
                pass
    else:
        data = "".join(_text_lines(name, io.BytesIO(data), codec, encoding)).encode("utf-8")
    if not data.strip():
        raise InputError(error("is empty", Location(name)))
    try:
        items = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(error(_json_problem(exc), Location(name, exc.lineno, None, "line"))) \
            from None
    if not isinstance(items, list):
        hint = (" (one object per line is NDJSON: name it .ndjson or pass --format ndjson)"
                if isinstance(items, dict) else "")
        raise InputError(error(
            f"must hold a JSON array of objects (one per case); it holds {_a(json_kind(items))}{hint}",
            Location(name)))
    headers: dict[str, None] = {}
    for item in items:
        if isinstance(item, dict):
            headers.update(dict.fromkeys(str(k) for k in item))
    taken = [0]  # records handed on, for the progress display (the bytes were read at once)

    def rows() -> Iterator[RawRow]:
        for number, item in enumerate(items, start=1):
            taken[0] = number
            yield _json_row(number, item)

    return Table(name, "record", [(h, shorten(h) or '""') for h in headers], rows(), None,
                 ReadPosition("records", len(items), lambda: taken[0]))


def _ndjson_rows(lines: Iterable[str]) -> Iterator[RawRow]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            hint = (" (is the file one JSON array? name it .json or pass --format json)"
                    if number == 1 and line.lstrip().startswith("[") else "")
            yield RawRow(number, (), _json_problem(exc) + hint)
            continue
        yield _json_row(number, item)


def read_ndjson(path: str, encoding: str = "utf-8") -> Table:
    name, lines, position = text_of(path, "ndjson", encoding)
    return Table(name, "line", [], _ndjson_rows(lines), None, position)


def open_table(path: str, fmt: str | None = None, sheet: str | None = None,
               encoding: str = "utf-8", delimiter: str | None = None) -> Table:
    """Open any supported input as a Table."""
    kind = detect_format(path, fmt)
    if kind in ("csv", "tsv"):
        return read_delimited(path, kind, encoding, delimiter)
    if kind == "xlsx":
        from converter.read.xlsx import read_xlsx

        return read_xlsx(path, sheet)
    if kind == "ods":
        from converter.read.ods import read_ods

        return read_ods(path, sheet)
    if kind == "xls":
        from converter.read.xls import read_xls

        return read_xls(path, sheet)
    if kind == "json":
        return read_json(path, encoding)
    return read_ndjson(path, encoding)
