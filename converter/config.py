"""casefhir.toml: the options of one case series, written once instead of retyped on every run
of convert, load and validate.

    series-id = "kobayashi-2023"
    doi = "10.3892/mco.2023.2610"
    encoding = "cp1252"
    findings = ["mutations.maf"]          # paths are relative to this file's folder
    to = "ndjson"                         # convert only
    narrative = false                     # convert only (--no-narrative)

    [columns]                             # the --columns map, inline (or columns = "map.json")
    "Patient code" = "case_id"
    FU = {column = "follow_up_months", unit = "days"}
    sex = {column = "sex", values = {"1" = "male", "2" = "female", "9" = ""}}

    [tables."cohort-b.csv"]               # another table of the same folder: these keys win
    series-id = "kobayashi-2023-b"

Keys are the long options without their leading dashes; every key is checked, but a key a
command does not have (`to` for validate) is ignored by it. An option on the command line (or
its environment variable) beats the file; the file beats the defaults. Secrets never come
from the file (CASEFHIR_TOKEN, --token-file...). TOML has no null: a codebook code mapped to ""
says nothing (JSON's null).

Every mistake is a ConfigError naming the file and line (tomllib gives positions only for
syntax errors, so a key's line is found by scanning the text). This module knows nothing of
click: it turns the file into parameter values; converter/clickconfig.py applies them.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from converter.fhir.ids import check_series_id
from converter.problems import InputError, Location, Problem, Severity, shorten
from converter.read.columnmap import Entry, column_map_of

CONFIG_NAME = "casefhir.toml"
MAX_CONFIG_BYTES = 1 << 20  # a settings file, not data
_TABLE = frozenset({"convert", "load", "validate"})
_WRITES = frozenset({"convert", "load"})


@dataclass(frozen=True, slots=True)
class Key:
    """A key of casefhir.toml: the click parameter it gives, what it takes ("str", "bool",
    "sheet": text or a number, "path", "paths": one or a list, "columns": a table or a path)
    and the commands that have that parameter."""

    param: str
    kind: str
    commands: frozenset[str] = _TABLE


KEYS: dict[str, Key] = {
    "series-id": Key("series_id", "str"),
    "doi": Key("doi", "str"),
    "citation": Key("citation", "str"),
    "format": Key("input_format", "str"),
    "sheet": Key("sheet", "sheet"),
    "encoding": Key("encoding", "str"),
    "delimiter": Key("delimiter", "str"),
    "columns": Key("columns_file", "columns"),
    "findings": Key("findings", "paths"),
    "ignore-unmapped": Key("ignore_unmapped", "bool"),
    "strict": Key("strict", "bool"),
    "skip-invalid": Key("skip_invalid", "bool", _WRITES),
    "rejects": Key("rejects", "path", _WRITES),
    "to": Key("output_format", "str", frozenset({"convert"})),
    "per-case": Key("per_case", "bool", frozenset({"convert"})),
    "pretty": Key("pretty", "bool", frozenset({"convert"})),
    "narrative": Key("no_narrative", "bool", frozenset({"convert"})),  # negated: --no-narrative
    "server": Key("server", "str", frozenset({"load", "validate"})),
}
KEY_OF_PARAM = {key.param: name for name, key in KEYS.items()}
SECRET_WORDS = ("token", "password", "secret", "credential", "api-key", "apikey")
_TYPE_NAMES = {str: "text", bool: "true or false", int: "a number", float: "a number",
               list: "a list", dict: "a table"}  # what a value of the file is, in a message


class ConfigError(Exception):
    """A mistake in a casefhir.toml, located; `usage` says it is a usage error (exit 2) rather
    than a column-map error (exit 1, as in a --columns file)."""

    def __init__(self, problems: list[Problem], usage: bool = True) -> None:
        super().__init__(problems[0].render())
        self.problems = problems
        self.usage = usage


@dataclass(frozen=True, slots=True)
class SeriesConfig:
    """What a casefhir.toml says for one table: click parameter name → value (paths already
    relative to the working folder), the inline column map, and where each key was."""

    path: str
    values: dict[str, Any]
    column_map: dict[str, Entry] | None = None
    lines: dict[str, int] = field(default_factory=dict)  # click parameter name → line

    def location(self, param: str) -> Location:
        return Location(self.path, self.lines.get(param), row_kind="line")


def beside(table: str) -> str | None:
    """The casefhir.toml in the folder of `table`, if there is one."""
    if table == "-":
        return None
    candidate = Path(table).parent / CONFIG_NAME
    return str(candidate) if candidate.is_file() else None


def read_config(path: str, command: str, table: str | None) -> SeriesConfig:
    """The values casefhir.toml at `path` gives `command` for the input `table` (its file name
    selects a [tables."name"] section); ConfigError for every mistake."""
    text = _text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        at = Location(path, int(found.group(1)), found.group(2), row_kind="line") if found \
            else Location(path)
        raise ConfigError([_error(f"not valid TOML: {message}", at)]) from None
    except RecursionError:  # tomllib recurses once per level of nested arrays and tables
        raise ConfigError([_error("not valid TOML: values nested too deeply",
                                  Location(path))]) from None
    lines = key_lines(text)
    checked = _Checker(path, lines)
    sections = data.pop("tables", {})
    if not isinstance(sections, dict):
        raise checked.fail(("tables",), 'tables holds one section per table file: '
                           '[tables."cases.csv"]')
    chosen = {key: ((key,), value) for key, value in data.items()}  # key → (place, value)
    for name, section in sections.items():
        if not isinstance(section, dict):
            raise checked.fail(("tables", name), f"tables.{_quoted(name)} must be a section "
                               f"[tables.{_quoted(name)}] of keys")
        if table is not None and name == Path(table).name:  # the table's own keys win
            chosen.update({key: (("tables", name, key), value) for key, value in section.items()})
        for key in section:
            checked.known(("tables", name, key))  # a typo is an error for any table's section
    for place, _ in chosen.values():
        checked.known(place)
    values: dict[str, Any] = {}
    column_map = None
    where: dict[str, int] = {}
    for name, (place, value) in chosen.items():
        key = KEYS[name]
        line = checked.where(place).row
        if key.kind == "columns" and isinstance(value, dict):
            given: Any = checked.column_map(place, value)
        else:
            given = checked.value(place, key, value)
        if command not in key.commands:  # checked all the same: the file is one for all three
            continue
        if line is not None:
            where[key.param] = line
        if key.kind == "columns" and isinstance(value, dict):
            column_map = given
        else:
            values[key.param] = given
    return SeriesConfig(path, values, column_map, where)


def _text(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError([_error(f"cannot read the configuration: {exc.strerror}",
                                  Location(path))]) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError([_error(f"is over {MAX_CONFIG_BYTES:,} bytes; a casefhir.toml holds "
                                  "options, not data", Location(path))])
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([_error(f"is not UTF-8 text (byte {exc.start + 1})",
                                  Location(path))]) from None


class _Checker:
    """Checks the keys and values of one file, each error at its line."""

    def __init__(self, path: str, lines: dict[tuple[str, ...], int]) -> None:
        self.path = path
        self.lines = lines
        self.folder = Path(path).parent

    def where(self, place: tuple[str, ...]) -> Location:
        for depth in range(len(place), 0, -1):  # a key inside an inline table: the outer line
            if place[:depth] in self.lines:
                return Location(self.path, self.lines[place[:depth]], row_kind="line")
        return Location(self.path)

    def fail(self, place: tuple[str, ...], message: str) -> ConfigError:
        return ConfigError([_error(message, self.where(place))])

    def known(self, place: tuple[str, ...]) -> None:
        name = place[-1]
        if name in KEYS:
            return
        shown = _quoted(name)
        if any(word in name.casefold().replace("_", "-") for word in SECRET_WORDS):
            raise self.fail(place, f"{shown}: credentials never go in a configuration file, "
                            "which is shared and kept beside the data; give the token with "
                            "CASEFHIR_TOKEN or --token-file, the user and password with --user "
                            "and CASEFHIR_PASSWORD or --password-file")
        close = difflib.get_close_matches(name.casefold().replace("_", "-"), KEYS, n=1,
                                          cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else \
            f"; the keys are: {', '.join(KEYS)}, and [tables.\"NAME\"] sections"
        raise self.fail(place, f"unknown key {shown}{hint}")

    def value(self, place: tuple[str, ...], key: Key, value: Any) -> Any:
        name = place[-1]
        if key.kind == "bool":
            self._type(place, value, bool)
            return not value if name == "narrative" else value
        if key.kind == "sheet" and isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # sheet = 2: the second sheet
        if key.kind == "paths":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or \
                    not all(isinstance(i, str) and not _CONTROL.search(i) for i in items):
                raise self.fail(place, f"{name} must be a file name or a list of them, e.g. "
                                f'{name} = ["mutations.maf"]')
            return [self.path_of(place, item) for item in items]
        self._type(place, value, str)
        if _CONTROL.search(value):  # no option typed in a shell can hold them (NUL above all)
            raise self.fail(place, f"{name} holds a control character")
        if key.kind in ("path", "columns"):
            return self.path_of(place, value, must_exist=key.kind == "columns")
        if not value.strip():
            raise self.fail(place, f"{name} is empty; leave the key out instead")
        if name == "series-id":
            why = check_series_id(value)
            if why:
                raise self.fail(place, f"series-id {shorten(value)!r}: {why}")
        return value

    def _type(self, place: tuple[str, ...], value: Any, wanted: type) -> None:
        if not isinstance(value, wanted) or (wanted is not bool and isinstance(value, bool)):
            wants = "true or false" if wanted is bool else 'text in quotes ("...")'
            got = _TYPE_NAMES.get(type(value), type(value).__name__)
            raise self.fail(place, f"{place[-1]} must be {wants}, not {got}")

    def path_of(self, place: tuple[str, ...], name: str, must_exist: bool = True) -> str:
        """A path of the file, relative to its folder (absolute ones as they are)."""
        if not name.strip():
            raise self.fail(place, f"{place[-1]} is empty; leave the key out instead")
        path = self.folder / Path(name).expanduser()
        if must_exist and not path.is_file():
            raise self.fail(place, f"{place[-1]}: {shorten(name, 200)!r} is not a file "
                            f"(looked for {shorten(str(path), 200)}; paths are relative to the "
                            "folder of the configuration file)")
        return str(path)

    def column_map(self, place: tuple[str, ...], table: dict[str, Any]) -> dict[str, Entry]:
        """The [columns] table, checked as a --columns file is (same messages); each header
        located at its line."""
        located = {header: self.where((*place, header)) for header in table}
        try:
            return column_map_of({h: _nulls(t) for h, t in table.items()}, self.where(place),
                                 located)
        except InputError as exc:
            raise ConfigError(exc.problems, usage=False) from None


def _nulls(entry: Any) -> Any:
    """TOML has no null: a codebook's "" label says nothing, as JSON's null does."""
    if isinstance(entry, dict) and isinstance(entry.get("values"), dict):
        codes = {code: (None if label == "" else label) for code, label in entry["values"].items()}
        return {**entry, "values": codes}
    return entry


def _error(message: str, where: Location) -> Problem:
    return Problem(Severity.ERROR, message, where)


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _quoted(name: str) -> str:
    """A key as the file would write it, shortened."""
    if _BARE.fullmatch(name):
        return shorten(name)
    return '"' + shorten(name).replace('"', '\\"') + '"'


# a line that opens a section ([a.b], [[a]]) or gives a key (a.b = ...), outside strings
_HEADER = re.compile(r"\s*\[\[?\s*(?P<key>[^\]#]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""\s*(?P<key>(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)"""
                  r"""(?:\s*\.\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=""")


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line (1-based) where each key path is first given: ("columns", "FU") → 12. Keys are
    parsed by tomllib itself (quoted keys, escapes); lines inside multi-line strings or arrays
    that look like keys may add entries of their own, which no real key path uses."""
    found: dict[tuple[str, ...], int] = {}
    section: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            path = _key_path(header.group("key"))
            if path is not None:
                section = path
                found.setdefault(section, number)
            continue
        key = _KEY.match(line)
        if key:
            path = _key_path(key.group("key"))
            if path is not None:
                for depth in range(1, len(path) + 1):
                    found.setdefault((*section, *path[:depth]), number)
    return found


def _key_path(text: str) -> tuple[str, ...] | None:
    try:
        parsed: Mapping[str, Any] = tomllib.loads(f"{text} = 0")
    except tomllib.TOMLDecodeError:
        return None
    path: list[str] = []
    while isinstance(parsed, dict) and len(parsed) == 1:
        name, parsed = next(iter(parsed.items()))
        path.append(name)
    return tuple(path)
