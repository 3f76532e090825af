"""Free text as real case-series tables write it → typed values of the record schema.

Each parser takes the cell text, the unit hint from the header (if any) and a `warn` callback, and
returns a value or raises `InvalidValue` with a message a researcher can act on. Recognised words
come from mappings/terminology/vocabularies.toml; unknown words keep their text and warn.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from converter.fhir.ids import normal_case_id
from converter.problems import shorten
from converter.read.schema import Age, Event, Fusion, Site, Size, Term, plain_number
from mappings.terminology import concepts, vocabulary

Warn = Callable[[str], None]

MAX_CELL_CHARS = 10_000
MAX_AGE_YEARS = 120.0
MAX_MONTHS = 1_200.0
MAX_SIZE_CM = 100.0

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


# ----------------------------------------------------------------------------- vocabulary lookup
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
    key = lookup(name, text)
    if key is None:
        warn(f"{shorten(text, 80)!r} is not a known {what}; kept as text without a code")
    return Term(text=text, key=key)


# ----------------------------------------------------------------------------- numbers and units
NUMBER = r"(\d+(?:[.,]\d+)?)"


def _number(text: str) -> float:
    value = float(text.replace(",", "."))
    if not math.isfinite(value):
        raise InvalidValue("not a finite number")
    return value


AGE_UNIT_WORDS = {
    "a": ("y", "yr", "yrs", "year", "years", "yo", "y o", "a", "years old", "year old", "yr old",
          "yrs old", "y old", "yoa"),
    "mo": ("m", "mo", "mos", "month", "months", "month old", "months old", "mo old", "m old", "mths",
           "mth"),
    "wk": ("w", "wk", "wks", "week", "weeks", "week old", "weeks old", "wk old"),
    "d": ("d", "day", "days", "day old", "days old"),
}
_AGE_UNIT = {word: unit for unit, words in AGE_UNIT_WORDS.items() for word in words}
_AGE_PART = re.compile(NUMBER + r"\s*(" + "|".join(
    sorted((re.escape(w) for w in _AGE_UNIT), key=len, reverse=True)) + r")\b")
AT_BIRTH = {"at birth", "birth", "newborn", "neonate", "neonatal", "congenital", "0", "0 d"}


def parse_age(text: str, hint: str | None, warn: Warn) -> Age:
    raw = text.strip()
    if re.match(r"^\s*[-\u2212]\s*\d", raw):
        raise InvalidValue("an age cannot be negative")
    n = norm(raw.replace("-", " "))
    n = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", n)
    if n in AT_BIRTH:
        return Age(0, "d", raw)
    if re.fullmatch(NUMBER, raw):
        value = _number(raw)
        unit = hint or "a"
    else:
        n = n.removeprefix("aged ").removeprefix("age ")
        parts = list(_AGE_PART.finditer(n))
        leftover = _AGE_PART.sub(" ", n).replace("old", " ").replace(" and ", " ")
        if not parts or leftover.strip():
            raise InvalidValue(
                "not an age; write e.g. 22, 2 y, 3 months, 12-year-old, 1 y 6 mo or 'at birth'")
        units = [_AGE_UNIT[m.group(2)] for m in parts]
        values = [_number(m.group(1)) for m in parts]
        if len(parts) == 1:
            value, unit = values[0], units[0]
        else:  # "1 y 6 mo" → months; "2 mo 10 d" → days
            finest = min(units, key=lambda u: {"a": 3, "mo": 2, "wk": 1, "d": 0}[u])
            per_year = {"a": 1.0, "mo": 12.0, "wk": 52.0, "d": 365.0}
            value = sum(v * per_year[finest] / per_year[u] for v, u in zip(values, units, strict=True))
            value, unit = round(value, 2), finest
    age = Age(plain_number(value), unit, raw)
    if age.years > MAX_AGE_YEARS:
        raise InvalidValue(f"an age of {age.years:.0f} years is impossible")
    return age


def parse_months(text: str, hint: str | None, warn: Warn) -> int | float:
    """A duration in months: 14, 14 mo, 1.5 years, 36+ (read as 36)."""
    raw = text.strip()
    if re.match(r"^\s*[-\u2212]\s*\d", raw):
        raise InvalidValue("a duration cannot be negative")
    n = norm(raw).replace("+", " ").strip()
    match = re.fullmatch(NUMBER + r"\s*([a-z ]*)", n)
    if not match:
        raise InvalidValue("not a duration; write e.g. 14, 14 mo or 1.5 years")
    value, word = _number(match.group(1)), match.group(2).strip()
    unit = _AGE_UNIT.get(word) if word else (hint or "mo")
    if unit not in ("a", "mo"):
        raise InvalidValue("give durations in months or years")
    months = value * 12 if unit == "a" else value
    if months > MAX_MONTHS:
        raise InvalidValue(f"a follow-up of {months:.0f} months is impossible")
    return plain_number(round(months, 2))


_MONTHS_IN_TEXT = re.compile(
    r"(?:\bat\s+|\bafter\s+)?" + NUMBER + r"\s*\+?\s*(months|month|mos|mo|m|years|year|yrs|yr|y)\b")


def split_months(text: str) -> tuple[str, int | float | None]:
    """'alive, no recurrence at 36 mo' → ('alive, no recurrence', 36)."""
    match = _MONTHS_IN_TEXT.search(text.casefold())
    if not match:
        return text, None
    value = _number(match.group(1))
    months = value * 12 if match.group(2).startswith("y") else value
    if months > MAX_MONTHS:
        raise InvalidValue(f"{months:.0f} months is impossible")
    rest = (text[: match.start()] + text[match.end():]).strip(" ,;()")
    return rest, plain_number(round(months, 2))


_SIZE = re.compile(
    r"^" + NUMBER + r"\s*(mm|cm)?((?:\s*(?:x|\*|by)\s*" + NUMBER + r"\s*(?:mm|cm)?){0,2})\s*(mm|cm)?$")


def parse_size(text: str, hint: str | None, warn: Warn) -> Size:
    raw = text.strip()
    n = raw.casefold().replace("\u00d7", "x").replace(",", ".")
    n = re.sub(r"(?<=\d)\s*x\s*(?=\d)", " x ", n)
    n = " ".join(n.split())
    if n.startswith("-"):
        raise InvalidValue("a size cannot be negative")
    numbers = [_number(v) for v in re.findall(r"\d+(?:\.\d+)?", n)]
    units = set(re.findall(r"(mm|cm)\b", n))
    if not _SIZE.match(n) or not numbers:
        raise InvalidValue("not a size; write e.g. 5.4 cm, 75 x 48 mm or 5 x 4 x 3 cm")
    if len(units) > 1:
        raise InvalidValue("mixes mm and cm; give all dimensions in one unit")
    unit = units.pop() if units else hint
    if unit is None:
        raise InvalidValue("a size needs a unit: write '5.4 cm', or name the column 'Size (cm)'")
    if any(v <= 0 for v in numbers):
        raise InvalidValue("a size must be greater than zero")
    if max(numbers) / (10 if unit == "mm" else 1) > MAX_SIZE_CM:
        raise InvalidValue(f"a tumour over {MAX_SIZE_CM:.0f} cm is implausible; check the unit")
    return Size(tuple(plain_number(v) for v in numbers), unit, raw)


# ------------------------------------------------------------- vocabulary columns, sex, site
def vocabulary_parser(vocabulary_name: str, what: str) -> Callable[[str, str | None, Warn], Term]:
    """A parser for a column whose words come from one vocabulary (unknown words warn)."""
    def parse(text: str, hint: str | None, warn: Warn) -> Term:
        return term(vocabulary_name, text, warn, what)

    parse.__name__ = f"parse_{vocabulary_name}"
    return parse


parse_sex = vocabulary_parser("sex", "sex")
parse_laterality = vocabulary_parser("laterality", "side")
parse_depth = vocabulary_parser("depth", "depth")
parse_fusion_method = vocabulary_parser("fusion_method", "molecular method")
parse_ihc = vocabulary_parser("ihc", "immunohistochemistry result")
parse_presence = vocabulary_parser("presence", "yes/no answer")
parse_vascularity = vocabulary_parser("vascularity", "vascularity")
parse_border = vocabulary_parser("border", "border description")
parse_signal = vocabulary_parser("signal", "signal intensity")
parse_enhancement = vocabulary_parser("enhancement", "enhancement pattern")
parse_diagnosis = vocabulary_parser("diagnosis", "tumour entity")
parse_surgery = vocabulary_parser("surgery", "surgical procedure")
parse_surgery_intent = vocabulary_parser("surgery_intent", "procedure intent")
parse_margin = vocabulary_parser("margin", "margin")
parse_response = vocabulary_parser("response", "treatment response")


def parse_age_sex(text: str, hint: str | None, warn: Warn) -> tuple[Age, Term]:
    """'22/F', '2 y/M', '43F', 'F/22', '3 mo / male'."""
    raw = text.strip()
    parts = [p.strip() for p in re.split(r"[/,;]", raw) if p.strip()]
    if len(parts) == 1:
        match = re.fullmatch(r"(.*?\d[^a-zA-Z]*(?:[a-zA-Z]+\b(?=\s*[a-zA-Z]))?)\s*([a-zA-Z]+)", raw)
        if not match:
            raise InvalidValue("not age and sex; write e.g. 22/F, 2 y/M or 43F")
        parts = [match.group(1).strip(), match.group(2)]
    if len(parts) != 2:
        raise InvalidValue("not age and sex; write e.g. 22/F, 2 y/M or 43F")
    first, second = parts
    if re.search(r"\d", second) and not re.search(r"\d", first):
        first, second = second, first
    return parse_age(first, hint, warn), parse_sex(second, hint, warn)


def parse_site(text: str, hint: str | None, warn: Warn) -> Site:
    regions = keyword_hits("region", text)
    lateralities = keyword_hits("laterality", text)
    depths = keyword_hits("depth", text)
    if not regions:
        warn(f"{shorten(text, 80)!r} names no known body region; kept as text without a code")
    elif len(regions) > 1:
        warn(f"{shorten(text, 80)!r} names several regions; coded as the first, {regions[0]!r}")
    if len(lateralities) > 1:
        warn(f"{shorten(text, 80)!r} names several sides; laterality left uncoded")
    if len(depths) > 1:
        warn(f"{shorten(text, 80)!r} names several depths; depth left uncoded")
    return Site(
        text=text,
        region=regions[0] if regions else None,
        laterality=lateralities[0] if len(lateralities) == 1 else None,
        depth=depths[0] if len(depths) == 1 else None,
    )


# ----------------------------------------------------------------------------- genomics
_NOT_GENES = {"FUSION", "FUSIONS", "GENE", "GENES", "REARRANGEMENT", "REARRANGED", "POSITIVE", "PARTNER",
              "NOT", "REPORTED", "UNKNOWN", "SIGNAL", "NGS", "RNA", "DNA", "TRANSLOCATION", "DETECTED",
              "AND", "WITH", "FISH", "PCR", "RT", "IHC", "NA", "ND", "NR", "OF", "THE", "TYPE", "VARIANT",
              "EXON", "INTRON", "BREAK", "APART", "SPLIT", "PROBE", "IN", "FRAME", "INFRAME", "NOVEL", "AT"}
_NEGATIVE_FUSION = {"negative", "neg", "-", "none", "no", "not detected", "none detected",
                    "no fusion", "no fusion detected", "wild type", "wt", "absent",
                    "no ntrk fusion", "ntrk negative", "fusion negative", "no rearrangement",
                    "not found"}
_GENE = re.compile(r"[A-Za-z][A-Za-z0-9]*")


@cache
def known_genes() -> frozenset[str]:
    """Gene symbols with a VERIFIED HGNC id in concepts.toml."""
    return frozenset(key.removeprefix("hgnc-") for key in concepts() if key.startswith("hgnc-"))


def parse_fusion(text: str, hint: str | None, warn: Warn) -> Fusion:
    raw = text.strip()
    if norm(raw) in _NEGATIVE_FUSION or raw in DASHES:
        return Fusion(False, (), raw)
    if len(raw) > 200:
        raise InvalidValue("too long for a fusion; write e.g. TPM3::NTRK1")
    # t(12;15)(p13;q25) style karyotypes carry no gene symbols
    scrubbed = re.sub(r"\bt\(\d+;\d+\)(\([^)]*\))?", " ", raw)
    genes: list[str] = []
    for token in _GENE.findall(scrubbed):
        symbol = token.upper()
        is_symbol = token == symbol and len(token) >= 2 and not token.isdigit()
        if symbol in _NOT_GENES or not (is_symbol or symbol in known_genes()):
            continue
        if symbol not in genes:
            genes.append(symbol)
    if len(genes) > 2:
        raise InvalidValue(
            "names more than two genes; give one fusion per case, e.g. ETV6::NTRK3")
    if not genes:
        warn(f"{shorten(raw, 80)!r} names no gene; recorded as a fusion with unknown genes")
    for symbol in genes:
        if symbol not in known_genes():
            if re.fullmatch(r"NTRK", symbol):
                warn("'NTRK' is not a gene symbol (NTRK1, NTRK2 or NTRK3?); kept as text")
            else:
                warn(f"gene {symbol} has no verified HGNC id in casefhir; kept as text without a code")
    return Fusion(True, tuple(genes), raw)


# ----------------------------------------------------------------------------- imaging findings
def parse_text(text: str, hint: str | None, warn: Warn) -> str:
    return " ".join(text.split())


# ----------------------------------------------------------------------------- treatment, outcome
def parse_treatments(text: str, hint: str | None, warn: Warn) -> tuple[Term, ...]:
    items = [p.strip() for p in re.split(r"[,;+/]|\band\b|\bthen\b|\bfollowed by\b", text) if p.strip()]
    terms = [term("treatment", item, warn, "treatment") for item in items]
    return tuple(t for t in terms if t.key != "none")


def parse_status(text: str, hint: str | None, warn: Warn) -> tuple[Term, int | float | None]:
    rest, months = split_months(text)
    key = lookup("status", rest) if rest else None
    if key is None:
        key = lookup("status", text)
    if key is None:
        warn(f"{shorten(text, 80)!r} is not a known follow-up status (NED, AWD, DOD, DOC, alive, dead); "
             "kept as text without a code")
    return Term(text=text, key=key), months


_RECURRENCE_WORDS = {"lr", "local recurrence", "recurrence", "recurred", "relapse", "local relapse",
                     "relapsed", "recurrent", "yes local recurrence", "local"}


def _event(text: str, warn: Warn, what: str) -> tuple[bool | None, str, int | float | None]:
    rest, months = split_months(text)
    n = norm(rest)
    if not n:
        return (True if months is not None else None), rest, months
    key = lookup("presence", rest)
    if key is None and n in _RECURRENCE_WORDS:
        key = "yes"
    if key is None:
        return None, rest, months
    return key == "yes", rest, months


def parse_recurrence(text: str, hint: str | None, warn: Warn) -> Event:
    occurred, _, months = _event(text, warn, "recurrence")
    if occurred is None:
        raise InvalidValue("not a recurrence answer; write yes, no or 'yes (14 mo)'")
    if not occurred and months is not None:
        months = None  # "no recurrence at 36 mo" is follow-up, not a recurrence time
    return Event(occurred, text, months)


def parse_metastasis(text: str, hint: str | None, warn: Warn) -> Event:
    occurred, rest, months = _event(text, warn, "metastasis")
    site_keys = keyword_hits("metastasis_site", rest)
    if occurred is False:
        return Event(False, text)
    if site_keys:
        sites = tuple(Term(text=vocabulary("metastasis_site")[k].label, key=k) for k in site_keys)
        return Event(True, text, months, sites)
    if occurred is None:
        site = re.sub(r"^(yes|y|present)\b[\s,:;-]*", "", rest, flags=re.I).strip(" ()") or rest
        warn(f"{shorten(site, 80)!r} is not a known metastasis site; kept as text without a code")
        return Event(True, text, months, (Term(text=site),))
    return Event(True, text, months)


def parse_case_id(text: str, hint: str | None, warn: Warn) -> str:
    """The case id as written, in Unicode NFC (so two spellings of one id are one case)."""
    value = normal_case_id(text.strip())
    if any(ord(ch) < 32 for ch in value):
        raise InvalidValue("a case id cannot contain control characters")
    if len(value) > 64:
        raise InvalidValue("a case id longer than 64 characters")
    return value


Parser = Callable[[str, "str | None", Warn], Any]

PARSERS: dict[str, Parser] = {
    "case_id": parse_case_id,
    "age": parse_age,
    "age_sex": parse_age_sex,
    "sex": parse_sex,
    "diagnosis": parse_diagnosis,
    "site": parse_site,
    "laterality": parse_laterality,
    "depth": parse_depth,
    "size": parse_size,
    "fusion": parse_fusion,
    "fusion_method": parse_fusion_method,
    "pan_trk_ihc": parse_ihc,
    "vascularity": parse_vascularity,
    "presence": parse_presence,
    "border": parse_border,
    "signal": parse_signal,
    "enhancement": parse_enhancement,
    "text": parse_text,
    "surgery": parse_surgery,
    "surgery_intent": parse_surgery_intent,
    "margin": parse_margin,
    "treatments": parse_treatments,
    "response": parse_response,
    "recurrence": parse_recurrence,
    "metastasis": parse_metastasis,
    "months": parse_months,
    "status": parse_status,
}

# kinds where a lone "-" means "no"/"negative" rather than an empty cell
DASH_IS_VALUE = {"presence", "vascularity", "pan_trk_ihc", "fusion", "recurrence", "metastasis"}
