"""Diagnoses: a cell's words → a tumour entity. The curated `diagnosis` vocabulary first
(mappings/terminology/vocabularies.toml: the seed's entities, with their verified codes), then
OncoTree's tumour types (mappings/terminology/tumours.py) by name, NCIt preferred name, the
names papers use that neither spells (`ALIASES`: "Ewing sarcoma/PNET"), OncoTree code written
alone ("SYNS", "LUAD", "GIST") and the spellings papers use ("Ewing's", "leukaemia",
"oesophageal"). An OncoTree type a curated entry is ("IFS") is read as that entry, so every
name of one entity gives the same codes.

A tumour type named inside longer words is taken with a warning saying what it was read as:
the longest known name or a capitalised abbreviation (`ABBREVIATIONS`), with a site ("of the
kidney", "Rectal", "gastric"), a qualifier ("Primary", "Subcutaneous", "ROS1-positive",
"SDH-deficient wild-type") or a course ("metastatic", "Chemotherapy-refractory") around it:
"Ewing's sarcoma of the kidney", "Rectal GIST", "ROS1-positive inflammatory myofibroblastic tumor
of the small bowel". It is not taken when the words name two different types ("Ewing sarcoma and
renal cell carcinoma", "GIST vs leiomyoma": which one the case had is not said), or hold a word
that makes it another entity ("anaplastic", "dedifferentiated", "congenital" ...). What a tumour
"mimics" ("Ewing sarcoma mimicking renal cell carcinoma") is what it looked like, not what it
is: only the words before it are read. Nor is a name denied ("not GIST", "non-GIST") or only
resembled ("IMT-like") taken. The whole cell stays the Condition's text; an organ
named in it ("of the kidney") is not read as the site (the site column says where).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from converter.problems import shorten
from converter.read.schema import Term
from converter.read.values.terms import lookup
from converter.read.values.text import Warn, norm
from mappings.terminology import vocabulary
from mappings.terminology.tumours import (
    ABBREVIATIONS,
    ALIASES,
    KEY_PREFIX,
    NOT_INSIDE,
    curated_key,
    tumour_types,
)

# British spellings and other variants, read as OncoTree writes them (after `norm`)
_SPELLINGS = {"leukaemia": "leukemia", "leukaemias": "leukemias", "oesophageal": "esophageal",
              "oesophagus": "esophagus", "haemangioma": "hemangioma",
              "haemangioendothelioma": "hemangioendothelioma", "oestrogen": "estrogen",
              "ewing s": "ewing", "ewings": "ewing", "paediatric": "pediatric",
              "haematological": "hematological", "myeloma s": "myeloma", "tumours": "tumors",
              "wilm s": "wilms", "wilms s": "wilms"}
# words around an entity that do not change which entity it is
_AROUND = re.compile(r"\b(metastatic|recurrent|primary|locally advanced|advanced|relapsed|"
                     r"refractory|stage [0iv]+[abc]?|suspected|de novo|adult|pediatric|"
                     r"childhood|nos)\b")


# words that make a named entity another one (WHO classes "anaplastic pilocytic astrocytoma" or
# "dedifferentiated chondrosarcoma" apart from their stems): a name found inside words that also
# hold one of these is not taken. "Congenital" is not one: the congenital entities are known by
# their whole names ("congenital fibrosarcoma" is infantile fibrosarcoma, the curated entry's
# synonym, matched as the longer name), and a congenital Ewing sarcoma is a Ewing sarcoma.
_CHANGES_ENTITY = re.compile(r"\b(anaplastic|dedifferentiated|undifferentiated|atypical|"
                             r"high grade|low grade|well differentiated|poorly differentiated|"
                             r"epithelioid|pleomorphic|sclerosing|combined|mixed|collision|"
                             r"benign|borderline|in situ|juvenile)\b")

# words that leave open which entity it is ("GIST vs leiomyoma", "differential: ...", "IMT-like")
_UNDECIDED = re.compile(r"\b(versus|vs|differential|rule out|r o|like)\b")

# words right before a name that deny it ("not GIST", "non-GIST", "no IMT")
_DENIED = re.compile(r"\b(not|no|non|without|excluded|excluding|ruled out)\s*$")

# what a tumour looked like, not what it is: the words after these are not read
_LOOKS_LIKE = re.compile(r"\b(mimicking|mimics|mimic of|masquerading as|simulating|resembling|"
                         r"presenting as|mistaken for|misdiagnosed as)\b", re.IGNORECASE)

# a name shorter than this is read inside longer words only as a listed abbreviation
_SHORTEST_INSIDE = 6


_SPELLING = re.compile(r"\b(" + "|".join(map(re.escape, _SPELLINGS)) + r")\b")


def _spelled(text: str) -> str:
    words = _SPELLING.sub(lambda found: _SPELLINGS[found.group()], norm(text))
    return " ".join(words.split())


def _oncotree_key(code: str) -> str:
    """The diagnosis key of OncoTree type `code`: its curated entry's, else the OncoTree key."""
    return curated_key(code) or KEY_PREFIX + code


@cache
def _names(parts: bool) -> dict[str, str]:
    """Normalised OncoTree and NCIt names and ALIASES → diagnosis key (a name two types share
    is left out: it does not say which; OncoTree's organs are no tumour type). With `parts`,
    also each side of a name with '/' ("Solitary Fibrous Tumor/Hemangiopericytoma"), for whole
    cells only: a side alone may be no entity ("Spindle Cell/Sclerosing Rhabdomyosarcoma")."""
    found: dict[str, set[str]] = {}
    for code, tumour in tumour_types().items():
        if tumour.is_tissue:
            continue
        names = {tumour.name, tumour.ncit_name}
        if parts:
            names |= set(tumour.name.split("/"))
        for name in filter(None, names):
            found.setdefault(_spelled(name), set()).add(_oncotree_key(code))
    for alias, code in ALIASES.items():
        found.setdefault(alias, set()).add(_oncotree_key(code))
    return {name: next(iter(keys)) for name, keys in found.items() if len(keys) == 1}


@cache
def _inside_names() -> dict[str, str]:
    """The names read inside longer words: those of `_names` and the curated entries' synonyms
    (so "malignant solitary fibrous tumor of the pleura" is the curated malignant entity, not
    the OncoTree type its last words name), at least _SHORTEST_INSIDE long."""
    names = dict(_names(parts=False))
    for key, entry in vocabulary("diagnosis").items():
        for synonym in (entry.label, *entry.synonyms):
            spelled = _spelled(synonym)
            if names.get(spelled, key) != key:  # a name two entities share says neither
                names[spelled] = ""
            else:
                names[spelled] = key
    return {name: key for name, key in names.items()
            if key and len(name) >= _SHORTEST_INSIDE}


@cache
def _inside_by_first_word() -> dict[str, tuple[str, ...]]:
    """The names of `_inside_names` by their first word (a cell is searched only for the names
    that start with one of its words)."""
    grouped: dict[str, list[str]] = {}
    for name in _inside_names():
        grouped.setdefault(name.split()[0], []).append(name)
    return {word: tuple(names) for word, names in grouped.items()}


@dataclass(frozen=True, slots=True)
class Reading:
    """What a diagnosis cell names: the diagnosis key (None: no code), whether the words named
    it whole, the keys of every entity named (two or more: none is taken) and why not taken."""

    key: str | None
    whole: bool = True
    named: tuple[str, ...] = ()
    not_taken: str = ""


def label(key: str) -> str:
    """A diagnosis key as a warning names it: "Ewing Sarcoma (OncoTree ES)"."""
    if key.startswith(KEY_PREFIX):
        tumour = tumour_types()[key.removeprefix(KEY_PREFIX)]
        return f"{tumour.name} (OncoTree {tumour.code})"
    return vocabulary("diagnosis")[key].label


# the listed abbreviations as words, case as written ("GIST", not "gist": a word)
_ABBREVIATION = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(
    map(re.escape, sorted(ABBREVIATIONS, key=len, reverse=True))) + r")(?![A-Za-z0-9])")


def _abbreviations_in(text: str) -> list[tuple[str, str]]:
    """(abbreviation, diagnosis key) for each listed abbreviation written in `text` as a word,
    in the order written."""
    found = dict.fromkeys(match.group() for match in _ABBREVIATION.finditer(text))
    return [(abbreviation, _oncotree_key(ABBREVIATIONS[abbreviation])) for abbreviation in found]


@lru_cache(maxsize=65_536)  # table cells repeat the same few diagnoses
def read_tumour(text: str) -> Reading:
    """The tumour entity `text` names (see the module docstring)."""
    types = tumour_types()
    written = text.strip()
    if written in types and written.isupper() and not types[written].is_tissue:
        return Reading(_oncotree_key(written))  # an OncoTree code alone: "SYNS", "LUAD"
    whole = _names(parts=True)
    spelled = _spelled(written)
    trimmed = " ".join(_AROUND.sub(" ", re.sub(r"\(.*?\)", " ", spelled)).split())
    for candidate in (spelled, trimmed):
        if candidate in whole:
            return Reading(whole[candidate])
    looks_like = _LOOKS_LIKE.search(written)
    own = written[: looks_like.start()] if looks_like else written
    names = _inside_names()
    padded = f" {_spelled(own)} "
    by_first = _inside_by_first_word()
    inside = list(dict.fromkeys(name for word in padded.split() for name in by_first.get(word, ())
                                if f" {name} " in padded))
    # only the largest names: "synovial sarcoma" holds "sarcoma"
    largest = [name for name in inside if not any(name != other and f" {name} " in f" {other} "
                                                  for other in inside)]
    found = [names[name] for name in largest]
    rest = padded
    for name in sorted(largest, key=len, reverse=True):
        rest = rest.replace(f" {name} ", " ")
    abbreviations = _abbreviations_in(own)
    for abbreviation, key in abbreviations:
        found.append(key)
        rest = f" {rest} ".replace(f" {_spelled(abbreviation)} ", " ")
    named = tuple(dict.fromkeys(found))
    if not named:
        return Reading(None)
    written_names = [*((name, names[name]) for name in largest),
                     *((_spelled(abbreviation), key) for abbreviation, key in abbreviations)]
    for name, key in written_names:
        denied = _DENIED.search(padded[: padded.find(f" {name} ") + 1])
        if denied:  # "not GIST": the words deny the type they name
            return Reading(None, False, named,
                           f"names {label(key)} after {denied.group(1)!r}, which denies it")
    if len(named) > 1:  # "Ewing sarcoma and renal cell carcinoma": which one is not said
        return Reading(None, False, named, "names more than one tumour type ("
                       + ", ".join(map(label, named)) + ")")
    code = named[0].removeprefix(KEY_PREFIX)
    if named[0].startswith(KEY_PREFIX) and code in NOT_INSIDE:
        return Reading(None, False, named, f"names {label(named[0])} inside longer words, but "
                       f"{NOT_INSIDE[code]}")
    for words, why in ((_CHANGES_ENTITY, "which may make it another entity"),
                       (_UNDECIDED, "which leaves the entity open")):
        hit = words.search(rest)
        if hit:
            return Reading(None, False, named,
                           f"names {label(named[0])} but also {hit.group()!r}, {why}")
    return Reading(named[0], False, named)


def parse_diagnosis(text: str, hint: str | None, warn: Warn) -> Term:
    key = lookup("diagnosis", text)
    if key is not None:
        return Term(text, key)
    reading = read_tumour(text)
    shown = repr(shorten(text, 80))
    if reading.key is None:
        why = reading.not_taken or "is not a known tumour entity"
        warn(f"{shown} {why}; kept as text without a code")
        return Term(text)
    if not reading.whole:
        mimicked = " (what it mimics is not read)" if _LOOKS_LIKE.search(text) else ""
        warn(f"{shown} read as {label(reading.key)}, the tumour type its words name{mimicked}; "
             "the rest is kept as text")
    return Term(text, reading.key)
