"""The basics every value parser shares: the `warn` callback, `InvalidValue`, the words that
mean "nothing recorded", text normalisation for matching (`norm`), numbers, free text and case
ids.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from converter.problems import shorten
from converter.read.schema import normal_case_id

Warn = Callable[[str], None]

T = TypeVar("T")


MAX_CELL_CHARS = 10_000


# Cells that say "nothing recorded". A lone dash is "no" in yes/no columns (see PRESENCE_KINDS).
MISSING = {"", "na", "n a", "nr", "not reported", "not available", "unknown", "unk", "nd",
           "not done", "not applicable", "not known", "nk", "?", "none reported", "not assessed",
           "not evaluated", "null", "nan"}


DASHES = {"-", "\u2212", "\u2013", "\u2014", "--", "\u2010", "\u2011", "\u2012", "."}


class InvalidValue(ValueError):
    """A cell that cannot be read; the message names what is wrong and what would work."""


@lru_cache(maxsize=65_536)  # table cells repeat the same few words over and over
def norm(text: str) -> str:
    """Lower case, "tumour" read as "tumor", punctuation as space (keeps + for "+", "++")."""
    text = text.casefold().replace("tumour", "tumor").replace("\u2212", "-")
    stripped = text.strip()
    if stripped in DASHES:
        return "-"
    text = re.sub(r"(?<=\d),(?=\d)", ".", text)
    text = re.sub(r"[^0-9a-z+.]+", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # keep only decimal points
    return " ".join(text.split())


def is_missing(text: str | None, dash_is_value: bool = False) -> bool:
    if text is None:
        return True
    n = norm(text)
    if n == "-":
        return not dash_is_value
    return n in MISSING


NUMBER = r"(\d+(?:[.,]\d+)?)"


def number(text: str) -> float:
    value = float(text.replace(",", "."))
    if not math.isfinite(value):
        raise InvalidValue("not a finite number")
    return value


def parse_text(text: str, hint: str | None, warn: Warn) -> str:
    return " ".join(text.split())


def parse_case_id(text: str, hint: str | None, warn: Warn) -> str:
    """The case id as written, in Unicode NFC (so two spellings of one id are one case)."""
    value = normal_case_id(text.strip())
    if any(ord(ch) < 32 for ch in value):
        raise InvalidValue("a case id cannot contain control characters")
    if len(value) > 64:
        raise InvalidValue("a case id longer than 64 characters")
    return value


def split_outside_brackets(text: str, separators: re.Pattern[str]
                           ) -> list[tuple[int, int, str]]:
    """(start, end, separator before it) of each non-blank part of `text` between matches of
    `separators` outside round and square brackets ("KRAS G12C; TP53 (VAF 3%, NGS)" splits at
    the ';' only). An empty match, or one of only spaces and tabs, does not separate."""
    parts: list[tuple[int, int, str]] = []
    depth, start, before, position = 0, 0, "", 0
    while position < len(text):
        char = text[position]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            found = separators.match(text, position)
            if found and found.end() > position and found.group().strip(" \t"):
                parts.append((start, position, before))
                before = found.group().strip().casefold()
                start = position = found.end()
                continue
        position += 1
    parts.append((start, len(text), before))
    return [(a, b, sep) for a, b, sep in parts if text[a:b].strip()]


# a note in round brackets after a value: "45 (at recurrence)", "NED (36 mo)"
_TRAILING_NOTE = re.compile(r"^(?P<value>.*?[^\s(])\s*\((?P<note>[^()]*[^()\s][^()]*)\)\s*$",
                            re.DOTALL)


def split_note(text: str) -> tuple[str, str | None]:
    """'45 (at recurrence)' → ('45', 'at recurrence'); a value without such a note (or a cell
    that is only a bracket) → (text, None)."""
    found = _TRAILING_NOTE.match(text.strip())
    if found is None:
        return text, None
    return found.group("value"), found.group("note").strip()


def read_noted(parse: Callable[[str], T], text: str) -> tuple[T, str | None]:
    """`parse(text)`; when that fails and the text ends in a bracketed note, the value without
    the note, and the note (which the caller keeps where FHIR can carry it, or names in a
    warning). The error of the whole text is raised when the value alone does not read either."""
    try:
        return parse(text), None
    except InvalidValue as whole:
        value, note = split_note(text)
        if note is None:
            raise
        try:
            return parse(value), note
        except InvalidValue:
            raise whole from None


def note_left_out(note: str, where: str, warn: Warn) -> None:
    """The warning for a value's note that no FHIR element beside the value can carry."""
    warn(f"the note ({shorten(note, 60)}) is left out: {where} has no place for it")
