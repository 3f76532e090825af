"""Words from a vocabulary (mappings/terminology/vocabularies.toml): a cell's words looked up
by synonym or keyword, and the parsers of the columns whose words come from one vocabulary
(sex, side, depth, yes/no, margins, responses...). Unknown words keep their text and warn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache

from converter.problems import shorten
from converter.read.schema import Term
from converter.read.values.text import Warn, norm, note_left_out, split_note
from mappings.terminology import vocabulary


@cache
def _index(name: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    synonyms: dict[str, str] = {}
    keywords: list[tuple[str, str]] = []
    for key, entry in vocabulary(name).items():
        for synonym in (*entry.synonyms, entry.label):
            synonyms.setdefault(norm(synonym), key)
        for keyword in entry.keywords:
            keywords.append((norm(keyword), key))
    # longer keywords first, so "lower leg" wins over "leg"
    keywords.sort(key=lambda item: -len(item[0]))
    return synonyms, keywords


@lru_cache(maxsize=65_536)
def keyword_hits(name: str, text: str) -> tuple[str, ...]:
    """Entry keys whose keywords occur as whole words in `text`, in the order they appear there.
    Longer keywords are matched first and each span of text is used once ("lower leg" is not
    also "leg")."""
    _, keywords = _index(name)
    padded = f" {norm(text)} "
    found: dict[str, int] = {}
    for keyword, key in keywords:
        needle = f" {keyword} "
        position = padded.find(needle)
        if position >= 0:
            padded = padded.replace(needle, " " + "|" * len(keyword) + " ")
            found.setdefault(key, position)
            found[key] = min(found[key], position)
    return tuple(sorted(found, key=lambda key: found[key]))


@lru_cache(maxsize=65_536)
def lookup(name: str, text: str) -> str | None:
    """The vocabulary entry key `text` stands for, or None. Tried in order: the whole text, the
    text without bracketed parts, keywords (all hits must agree), the part before a comma."""
    synonyms, _ = _index(name)
    for candidate in (text, re.sub(r"\(.*?\)|\[.*?\]", " ", text)):
        key = synonyms.get(norm(candidate))
        if key:
            return key
    hits = keyword_hits(name, text)
    if hits:
        return hits[0] if len(hits) == 1 else None
    return synonyms.get(norm(re.split(r"[,;]", text)[0]))


def term(name: str, text: str, warn: Warn, what: str) -> Term:
    """The Term of a cell's words; a note in brackets ("R1 (focal)") that hides the term is read
    past, and stays in the Term's text."""
    key = lookup(name, text)
    value, note = split_note(text)
    if key is None and note is not None:
        key = lookup(name, value)
    if key is None:
        warn(f"{shorten(text, 80)!r} is not a known {what}; kept as text without a code")
    return Term(text=text, key=key)


def vocabulary_parser(vocabulary_name: str, what: str, carried_by: str | None = None
                      ) -> Callable[[str, str | None, Warn], Term]:
    """A parser for a column whose words come from one vocabulary (unknown words warn).
    `carried_by`: the FHIR element that keeps only the term's code, not its words, so a note in
    brackets is named in a warning (else the words, note and all, are the concept's text)."""
    def parse(text: str, hint: str | None, warn: Warn) -> Term:
        found = term(vocabulary_name, text, warn, what)
        note = split_note(text)[1]
        if carried_by is not None and found.key is not None and note is not None:
            note_left_out(note, carried_by, warn)
        return found

    parse.__name__ = f"parse_{vocabulary_name}"
    return parse


parse_sex = vocabulary_parser("sex", "sex", carried_by="Patient.gender")


parse_laterality = vocabulary_parser("laterality", "side")


parse_depth = vocabulary_parser("depth", "depth")


parse_fusion_method = vocabulary_parser("fusion_method", "molecular method")


parse_ihc = vocabulary_parser("ihc", "immunohistochemistry result")


parse_presence = vocabulary_parser("presence", "yes/no answer")


parse_vascularity = vocabulary_parser("vascularity", "vascularity")


parse_border = vocabulary_parser("border", "border description")


parse_signal = vocabulary_parser("signal", "signal intensity")


parse_enhancement = vocabulary_parser("enhancement", "enhancement pattern")


parse_surgery = vocabulary_parser("surgery", "surgical procedure")


parse_surgery_intent = vocabulary_parser("surgery_intent", "procedure intent")


parse_margin = vocabulary_parser("margin", "margin")


