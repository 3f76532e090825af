"""The parts of a workbook a sheet needs, read within limits: which part is the workbook, its
sheets, its date system, the shared-string table, which cell formats are dates, and the
external workbooks and DDE links its formulas can take values from.

Every part is streamed through expat by converter/read/xlsxpackage.py (nothing is parsed into a tree
and nothing else of the package is read: no theme, properties, drawings, pivot caches or
cached copies of external workbooks). The shared strings are kept as one UTF-8 buffer and an
array of offsets, not as a Python string each.
"""

from __future__ import annotations

import posixpath
import re
from array import array
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from converter.problems import shorten
from converter.read.xlsxpackage import Package, PartError, PartHandler, StopParsing, parse_part

MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "http://purl.oclc.org/ooxml/spreadsheetml/main")  # transitional, strict
RELATIONSHIP_ATTRIBUTE = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                          "http://purl.oclc.org/ooxml/officeDocument/relationships")
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKBOOK_TYPES = {f"application/vnd.{kind}.main+xml" for kind in (
    "openxmlformats-officedocument.spreadsheetml.sheet", "ms-excel.sheet.macroEnabled",
    "openxmlformats-officedocument.spreadsheetml.template", "ms-excel.template.macroEnabled")}
SHARED_STRINGS_TYPE = \
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
MAX_DEFINED_NAME_CHARS = 8_192  # Excel's limit for what a name refers to


def _local(name: str) -> tuple[str, str]:
    """(namespace, local name) of an expat name in namespace mode."""
    namespace, _, local = name.rpartition("}")
    return namespace, local


def _attribute(attributes: dict[str, str], local: str, namespaces: tuple[str, ...]) -> str | None:
    for namespace in namespaces:
        value = attributes.get(f"{namespace}}}{local}")
        if value is not None:
            return value
    return None


class _Collect(PartHandler):
    """A small part: elements are counted and nested within the limits, and `on_start`/`on_end`
    see (namespace, local name)."""

    def __init__(self, package: Package, part: str) -> None:
        super().__init__(package, part)
        self.entries = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > self.limits.depth:
            self.too_deep()
        self.on_start(*_local(name), attributes)

    def end(self, name: str) -> None:
        self.depth -= 1
        self.on_end(*_local(name))

    def on_start(self, namespace: str, local: str, attributes: dict[str, str]) -> None:
        raise NotImplementedError

    def on_end(self, namespace: str, local: str) -> None:
        """Most parts need only the start tags."""

    def count(self, limit: int, what: str) -> None:
        self.entries += 1
        if self.entries > limit:
            raise PartError(f"holds more than {limit:,} {what}; no workbook has as many",
                            self.part)


# ------------------------------------------------------------------ relationships
@dataclass(frozen=True, slots=True)
class Relationship:
    kind: str  # the last segment of its type: worksheet, sharedStrings, styles, externalLink ...
    target: str  # a part name inside the package, or the external target as written
    external: bool


def relationships_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


class _Relationships(_Collect):
    def __init__(self, package: Package, part: str, source: str) -> None:
        super().__init__(package, part)
        self.source = source
        self.found: dict[str, Relationship] = {}

    def on_start(self, namespace: str, local: str, attributes: dict[str, str]) -> None:
        if namespace != PACKAGE_RELATIONSHIPS or local != "Relationship":
            return
        self.count(self.limits.members + self.limits.external_links, "relationships")
        rid, kind, target = attributes.get("Id"), attributes.get("Type"), attributes.get("Target")
        if rid is None or kind is None or target is None:
            return
        external = attributes.get("TargetMode") == "External"
        if not external:
            target = target[1:] if target.startswith("/") else posixpath.normpath(
                posixpath.join(posixpath.dirname(self.source), target))
        self.found[rid] = Relationship(kind.rpartition("/")[2], target, external)


def relationships(package: Package, source: str) -> dict[str, Relationship]:
    """The relationships of part `source` (an empty dict when it has none), by id."""
    part = relationships_part(source)
    if not package.has(part):
        return {}
    handler = _Relationships(package, part, source)
    parse_part(handler, package.limits.part_bytes)
    return handler.found


class _ContentTypes(_Collect):
    def __init__(self, package: Package, part: str) -> None:
        super().__init__(package, part)
        self.overrides: dict[str, str] = {}  # content type → first part declaring it
        self.defaults: set[str] = set()

    def on_start(self, namespace: str, local: str, attributes: dict[str, str]) -> None:
        if namespace != CONTENT_TYPES:
            return
        self.count(self.limits.members * 2, "content types")
        kind = attributes.get("ContentType", "")
        if local == "Override" and attributes.get("PartName", "").startswith("/"):
            self.overrides.setdefault(kind, attributes["PartName"][1:])
        elif local == "Default":
            self.defaults.add(kind)


def _content_types(package: Package) -> _ContentTypes:
    handler = _ContentTypes(package, "[Content_Types].xml")
    if package.has(handler.part):
        parse_part(handler, package.limits.part_bytes)
    return handler


def find_workbook_part(package: Package) -> tuple[str, _ContentTypes]:
    """The workbook part: from the package relationships, as Excel finds it, else from the
    content types, as openpyxl does."""
    content_types = _content_types(package)
    for relationship in relationships(package, "").values():
        if relationship.kind == "officeDocument" and not relationship.external \
                and package.has(relationship.target):
            return relationship.target, content_types
    for kind in sorted(WORKBOOK_TYPES):
        part = content_types.overrides.get(kind)
        if part is not None and package.has(part):
            return part, content_types
    if content_types.defaults & WORKBOOK_TYPES and package.has("xl/workbook.xml"):
        return "xl/workbook.xml", content_types
    raise PartError("is not a readable XLSX workbook (it has no workbook part)", sentence=True)


# ------------------------------------------------------------------ workbook.xml
@dataclass(frozen=True, slots=True)
class SheetEntry:
    name: str
    part: str | None  # None: the workbook names a sheet its package does not hold
    kind: str  # worksheet, chartsheet, dialogsheet, macrosheet (the relationship's type)


@dataclass
class Book:
    part: str
    sheets: list[SheetEntry]
    date1904: bool
    shared_strings_part: str | None
    styles_part: str | None
    external_links: dict[int, str]  # [n] in formulas → what that link is, for messages
    external_names: dict[str, str]  # a defined name (casefolded) → its external formula

    @property
    def epoch(self) -> datetime:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH

        epoch: datetime = CALENDAR_MAC_1904 if self.date1904 else WINDOWS_EPOCH
        return epoch


class _Workbook(_Collect):
    def __init__(self, package: Package, part: str) -> None:
        super().__init__(package, part)
        self.root: str | None = None
        self.sheets: list[tuple[str, str | None]] = []  # (name, relationship id)
        self.date1904 = False
        self.link_ids: list[str | None] = []
        self.names: dict[str, str] = {}
        self.name: str | None = None  # the defined name being read
        self.name_text: list[str] = []
        self.name_chars = 0

    def on_start(self, namespace: str, local: str, attributes: dict[str, str]) -> None:
        if self.root is None:
            self.root = local if namespace in MAIN else f"{namespace}}}{local}"
        if namespace not in MAIN:
            return
        if local == "sheet":
            if len(self.sheets) >= self.limits.sheets:
                raise PartError(f"holds more than {self.limits.sheets:,} sheets; casefhir reads "
                                "at most that many", self.part)
            self.sheets.append((attributes.get("name", ""),
                                _attribute(attributes, "id", RELATIONSHIP_ATTRIBUTE)))
        elif local == "workbookPr":
            self.date1904 = attributes.get("date1904", "").strip().lower() in ("1", "true")
        elif local == "externalReference":
            if len(self.link_ids) >= self.limits.external_links:
                raise PartError(f"links more than {self.limits.external_links:,} external "
                                "workbooks", self.part)
            self.link_ids.append(_attribute(attributes, "id", RELATIONSHIP_ATTRIBUTE))
        elif local == "definedName":
            self.name, self.name_text, self.name_chars = attributes.get("name", ""), [], 0

    def _name_text(self, data: str) -> None:
        if self.name is not None and self.name_chars <= MAX_DEFINED_NAME_CHARS:
            self.name_text.append(data)
            self.name_chars += len(data)

    def on_end(self, namespace: str, local: str) -> None:
        if local == "definedName" and namespace in MAIN and self.name is not None:
            formula = "".join(self.name_text)
            if refers_outside(formula, {}):
                if len(self.names) >= self.limits.external_links * 10:
                    raise PartError("defines more names referring to other workbooks than "
                                    "casefhir reads", self.part)
                self.names[self.name.casefold()] = formula
            self.name = None


def read_book(package: Package) -> Book:
    part, content_types = find_workbook_part(package)
    handler = _Workbook(package, part)
    # definedName text is the only text read from workbook.xml
    handler.text = handler._name_text
    parse_part(handler, package.limits.part_bytes)
    if handler.root != "workbook":
        found = shorten(handler.root or "nothing")
        raise PartError(f"is not an XLSX workbook: its main part holds {found!r}, not a workbook "
                        "(a Word or PowerPoint document?)")
    links = relationships(package, part)
    sheets = []
    for name, rid in handler.sheets:
        relationship = links.get(rid or "")
        if relationship is None or relationship.external:
            sheets.append(SheetEntry(name, None, "worksheet"))
        else:
            target = relationship.target if package.has(relationship.target) else None
            sheets.append(SheetEntry(name, target, relationship.kind))
    kinds = {r.kind: r.target for r in links.values() if not r.external}
    shared = kinds.get("sharedStrings") or content_types.overrides.get(SHARED_STRINGS_TYPE)
    styles = kinds.get("styles") or "xl/styles.xml"
    external = {}
    for number, rid in enumerate(handler.link_ids, start=1):
        relationship = links.get(rid or "")
        external[number] = describe_external_link(package, relationship.target) \
            if relationship is not None and not relationship.external \
            and package.has(relationship.target) else "another workbook"
    return Book(part, sheets, handler.date1904,
                shared if shared and package.has(shared) else None,
                styles if package.has(styles) else None, external, handler.names)


class _ExternalLink(_Collect):
    """The first element inside <externalLink> says what the link is; nothing else is read
    (the rest is a cached copy of the other workbook, which can be large)."""

    def __init__(self, package: Package, part: str) -> None:
        super().__init__(package, part)
        self.kind = ""
        self.attributes: dict[str, str] = {}

    def on_start(self, namespace: str, local: str, attributes: dict[str, str]) -> None:
        if self.depth == 2:
            self.kind, self.attributes = local, attributes
            raise StopParsing


def describe_external_link(package: Package, part: str) -> str:
    """How a message names an external link: the workbook it reads (its path or URL as the
    workbook stores it), or the DDE or OLE server and topic."""
    handler = _ExternalLink(package, part)
    parse_part(handler, package.limits.part_bytes)
    if handler.kind == "ddeLink":
        service = handler.attributes.get("ddeService", "")
        topic = handler.attributes.get("ddeTopic", "")
        return f"the DDE link {shorten(service)}|{shorten(topic)!r} (a program run to get it)"
    paths = [r.target for r in relationships(package, part).values()
             if r.external and r.kind in ("externalLinkPath", "xlExternalLinkPath",
                                          "xlPathMissing", "oleObject")]
    if handler.kind == "oleLink":
        return f"the OLE link {shorten(paths[0], 80)!r}" if paths else "an OLE link"
    return f"the workbook {shorten(paths[0], 80)!r}" if paths else "another workbook"


# ------------------------------------------------------------------ formulas from outside
_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')
# [1]Sheet1!A1, '[1]My sheet'!A1, [1]!Name, '[Book2.xlsx]Sheet1'!A1, 'C:\x\[Book2.xlsx]S'!A1;
# not a table's structured reference (Table1[Age], [@Age]), which follows a name or bracket
_EXTERNAL = re.compile(r"(?<![\w.\]\[])(?:'[^'\[\]]*)?\[(\d+|[^\]\[]*\.[A-Za-z]\w*)\]"
                       r"[^!\[\]\"']*'?!")
_DDE = re.compile(r"(?<![\w.])[A-Za-z_][\w.\-]*\|'?[^|!]*'?!|\bDDE(?:AUTO)?\s*\(", re.I)
_NAME = re.compile(r"(?<![\w.!\[\]'])[A-Za-z_\\][\w.\\]*(?![\w.(!\[])")


def refers_outside(formula: str, names: dict[str, str], links: dict[int, str] | None = None
                   ) -> str | None:
    """What outside the workbook `formula` takes its value from (for a message), or None: a
    DDE call (a program the spreadsheet runs, `cmd|' /C calc'!A0`), another workbook
    (`[1]Sheet1!A1`), or a defined name that refers to one of those."""
    code = _STRING_LITERAL.sub('""', formula)
    if _DDE.search(code):
        return "a DDE link (a program the spreadsheet runs to get the value)"
    for match in _EXTERNAL.finditer(code):
        index = match.group(1)
        if index == "0":  # [0] is this workbook
            continue
        if index.isdigit():
            return (links or {}).get(int(index), "another workbook")
        return f"the workbook {shorten(index, 80)!r}"
    if names:
        for match in _NAME.finditer(code):
            target = names.get(match.group().casefold())
            if target is not None:
                inner = refers_outside(target, {}, links) or "another workbook"
                return f"{inner}, through the name {shorten(match.group())!r}"
    return None


# ------------------------------------------------------------------ shared strings
class SharedStrings:
    """The shared-string table: the strings' UTF-8 bytes one after the other and where each
    ends, so a million strings cost their text and 4 bytes each (not a Python object each)."""

    def __init__(self) -> None:
        self.text = bytearray()
        self.ends: array[int] = array("I")  # the text is capped well below 4 GiB
        # repeated values (a column of "F" and "M", one long text in every cell) share one
        # str; per table, so that the cache does not keep a table alive after its read; small,
        # as it may hold 256 strings of 32,767 characters
        self.get = lru_cache(maxsize=256)(self._decode)

    def __len__(self) -> int:
        return len(self.ends)

    def _decode(self, index: int) -> str:
        """The string `index` (`get`, its cached form, is what readers call)."""
        if not 0 <= index < len(self.ends):
            raise IndexError(f"shared string {index} does not exist: the workbook has "
                             f"{len(self.ends):,}")
        start = self.ends[index - 1] if index else 0
        return self.text[start:self.ends[index]].decode("utf-8", "surrogatepass")


class _SharedStringsReader(PartHandler):
    """<si> items: the text of their <t> and of their runs' <t>, not of phonetic runs
    (<rPh>), with openpyxl's treatment of escaped underscores. Closures, as in the sheet
    reader: a table can hold millions of strings."""

    namespaces = False

    def __init__(self, package: Package, part: str) -> None:
        super().__init__(package, part)
        self.table = SharedStrings()
        limits = self.limits
        compressed = package.compressed_size(part)
        max_depth, max_chars, max_bytes, cell_chars = (
            limits.depth, limits.shared_string_chars, limits.shared_string_bytes,
            limits.cell_chars)
        max_strings = limits.scaled(limits.shared_strings, limits.shared_strings_per_byte,
                                    compressed)
        table = self.table
        ends = table.ends
        kinds: dict[str, str] = {}
        depth = chars = total = phonetic = 0
        item: list[str] | None = None
        in_text = False
        text_bytes = table.text

        def start(name: str, attributes: dict[str, str]) -> None:
            nonlocal depth, kinds, item, chars, phonetic, in_text
            depth += 1
            if depth > max_depth:
                self.too_deep()
            local = kinds.get(name)
            if local is None:
                if depth == 1:
                    prefix = name[:name.index(":") + 1] if ":" in name else ""
                    kinds = {prefix + k: k for k in ("si", "t", "rPh")}
                return
            if local == "t":
                in_text = item is not None and not phonetic
            elif local == "si":
                if depth == 2:
                    if len(ends) >= max_strings:
                        raise PartError(f"holds more than {max_strings:,} shared strings in "
                                        f"{compressed:,} compressed bytes: more than any table "
                                        "packs (a ZIP bomb?); casefhir stops there", part)
                    item, chars = [], 0
            else:
                phonetic += 1

        def end(name: str) -> None:
            nonlocal depth, item, total, phonetic, in_text
            depth -= 1
            local = kinds.get(name)
            if local is None:
                return
            if local == "t":
                in_text = False
            elif local == "si":
                if item is not None and depth == 1:
                    joined = item[0] if len(item) == 1 else "".join(item)
                    if "x005F_" in joined:
                        joined = joined.replace("x005F_", "")
                    text_bytes.extend(joined.encode("utf-8", "surrogatepass"))
                    ends.append(len(text_bytes))
                    total += len(joined)
                    if total > max_chars:
                        raise PartError(f"holds more than {max_chars:,} characters of shared "
                                        "strings; casefhir reads at most that many", part)
                    if len(text_bytes) > max_bytes:
                        raise PartError(f"holds more than {max_bytes:,} bytes (UTF-8) of shared "
                                        "strings; casefhir reads at most that many", part)
                    item = None
            else:
                phonetic -= 1

        def text(data: str) -> None:
            nonlocal chars
            if in_text and item is not None:
                chars += len(data)
                if chars > cell_chars:
                    raise PartError(f"shared string {len(ends)} holds more than {cell_chars:,} "
                                    "characters (Excel's limit for a cell)", part)
                item.append(data)

        self.start = start  # type: ignore[method-assign]
        self.end = end  # type: ignore[method-assign]
        self.text = text


def read_shared_strings(package: Package, part: str | None) -> SharedStrings:
    if part is None:
        return SharedStrings()
    handler = _SharedStringsReader(package, part)
    parse_part(handler, package.limits.shared_strings_bytes)
    return handler.table


# ------------------------------------------------------------------ styles: which are dates
class _StylesReader(_Collect):
    def __init__(self, package: Package, part: str) -> None:
        super().__init__(package, part)
        self.formats: dict[int, str] = {}  # numFmtId → formatCode
        self.cell_formats: list[int] = []  # cellXfs: each xf's numFmtId
        self.in_cell_formats = False

    def on_start(self, namespace: str, local: str, attributes: dict[str, str]) -> None:
        if namespace not in MAIN:
            return
        if local == "numFmt":
            if len(self.formats) >= self.limits.number_formats:
                raise PartError(f"defines more than {self.limits.number_formats:,} number "
                                "formats", self.part)
            self.formats[_integer(attributes.get("numFmtId"), self.part)] = \
                attributes.get("formatCode", "")
        elif local == "cellXfs":
            self.in_cell_formats = True
        elif local == "xf" and self.in_cell_formats:
            if len(self.cell_formats) >= self.limits.cell_formats:
                raise PartError(f"defines more than {self.limits.cell_formats:,} cell formats "
                                "(Excel's limit is 64,000)", self.part)
            self.cell_formats.append(_integer(attributes.get("numFmtId"), self.part))

    def on_end(self, namespace: str, local: str) -> None:
        if local == "cellXfs":
            self.in_cell_formats = False


def _integer(text: str | None, part: str) -> int:
    if text is None:
        return 0
    try:
        return int(text)
    except ValueError:
        raise PartError(f"holds the number format id {shorten(text)!r}, not a number",
                        part) from None


def read_date_styles(package: Package, part: str | None) -> tuple[frozenset[int], frozenset[int]]:
    """The cell formats (style ids, as cells' `s` give them) showing a date or time, and those
    showing a duration — as openpyxl decides it."""
    if part is None:
        return frozenset(), frozenset()
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    handler = _StylesReader(package, part)
    parse_part(handler, package.limits.part_bytes)
    dates, durations = set(), set()
    for index, format_id in enumerate(handler.cell_formats):
        code = handler.formats.get(format_id, BUILTIN_FORMATS.get(format_id))
        if is_date_format(code):
            dates.add(index)
        if is_timedelta_format(code):
            durations.add(index)
    return frozenset(dates), frozenset(durations)

