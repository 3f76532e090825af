"""Stage and grade cells as papers write them.

Stage: a stage group ("Stage III", "IIIA", "stage IV", "FIGO IIIC"), TNM categories ("pT2N0M0",
"T2bN1M0", "cT3 N1 M0", with the y / r / a prefixes "ypT2N0", "ycT3N1M0", "rpT1", each
category's own "pT1a pN0 cM0", single prefixed ones "pTis", "pN1mi") and extent or
resectability words ("inoperable", "unresectable", "locally advanced", "recurrent after
resection", "localized", "metastatic"), in any combination.
Extent words are kept as text: they describe the disease or the operation, never a metastasis
site, so a stage column's "Inoperable" or "metastatic" never becomes a SecondaryCancerCondition.

Grade: "FNCLCC 2", "grade 3", "G2", "grade II", "low grade", "high grade". A number is never
turned into low / intermediate / high (whether grade 2 is "intermediate" depends on the
grading system's tiers); only words give the level.
"""

from __future__ import annotations

import re

from converter.problems import shorten
from converter.read.schema import Grade, Stage
from converter.read.values.text import Warn

ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "0": "0"}
ROMAN_VALUES = {"I": 1, "II": 2, "III": 3, "IV": 4}

# TNM categories as staging writes them: each T, N, M with an optional prefix — the
# classification c (clinical) or p (pathological), after an optional y (post-therapy), r
# (recurrence) or a (autopsy): "pT2N0M0", "T2b N1 M0", "ypT2N0", "ycT3N1M0", "rpT1",
# "pT1a pN0 cM0", "pTis", "pN1mi". A y/r/a must touch what follows it; c or p may be followed by
# a space ("p T2"). A prefix written once applies to the categories after it.
_PREFIX = r"(?P<prefix>(?:y|r|a|yr|ry)?[cp]\s*|(?:y|r|a|yr|ry)(?=[tnm]))?"
# with the AJCC suffixes kept in the category: (m) multiple tumours, (sn) sentinel node, (f) fine
# needle, (i+) / (mol+) isolated tumour cells
_CATEGORIES = {"t": r"t(?:is|x|[0-4])[a-d]?(?:mi)?(?:\s?\((?:m|\d+)\))?",
               "n": r"n(?:x|[0-3])[a-c]?(?:mi)?(?:\s?\((?:sn|f|i[+-]|mol[+-])\))*",
               "m": r"m(?:x|[01])[a-d]?"}
_FIRST = re.compile(rf"(?<![a-z0-9]){_PREFIX}(?P<category>{'|'.join(_CATEGORIES.values())})",
                    re.I)
_NEXT = {letter: re.compile(rf"(?:\s*,)?\s*{_PREFIX}(?P<category>{pattern})", re.I)
         for letter, pattern in _CATEGORIES.items()}
_END = re.compile(r"(?![a-z0-9])", re.I)
# a stage group: "stage IIIA", "IV", "stage 3"; FIGO groups may add a digit ("IA1")
_GROUP = re.compile(r"(?<![a-z])(?:stage\s*)?(?P<roman>iv|i{1,3}|0)(?P<sub>[a-c][1-3]?)?(?![a-z0-9])"
                    r"|(?<![a-z])stage\s*(?P<arabic>[0-4])(?P<asub>[a-c][1-3]?)?(?![a-z0-9])", re.I)
# "III/IV", "III-IV", "II or III": a range, which no single stage observation can hold
_RANGE = re.compile(r"\s*(?:/|-|\u2013|or|to)\s*(?:stage\s*)?(?:iv|i{1,3})(?![a-z])", re.I)
_SYSTEM_WORDS = re.compile(r"(?<![a-z])(figo|ajcc|uicc|tnm|stage|clinical|pathologic(?:al)?)"
                           r"(?![a-z])", re.I)
# the words that make the rest of a cell an extent statement
EXTENT_WORDS = re.compile(
    r"\b(inoperable|unresectable|non[- ]?resectable|resectable|operable|locally advanced|"
    r"advanced|recurrent|recurrence|relapsed?|locali[sz]ed|local|regional|metastatic|"
    r"disseminated|distant|limited|extensive|confined)\b", re.I)
_SEPARATORS = " ,;:/()[]-+"


def parse_stage(text: str, hint: str | None, warn: Warn) -> Stage:
    """The stage group, TNM categories and extent words of a stage cell; words it does not know
    are kept as text (the extent) with a warning."""
    rest = text
    system: str | None = "figo" if re.search(r"(?<![a-z])figo(?![a-z])", text, re.I) else None
    prefix = n_prefix = m_prefix = t = n = m = None
    tnm = _tnm(rest)
    if tnm is not None:
        span, categories = tnm
        t, prefix = categories.get("t", (None, None))
        n, n_prefix = categories.get("n", (None, None))
        m, m_prefix = categories.get("m", (None, None))
        if t is None:  # "pN1mi", "cM0": the first category written carries the prefix
            prefix = n_prefix if n is not None else m_prefix
        n_prefix = n_prefix if n_prefix != prefix else None
        m_prefix = m_prefix if m_prefix != prefix else None
        rest = rest[:span[0]] + " " + rest[span[1]:]
    if system is None and (tnm is not None
                           or re.search(r"(?<![a-z])(ajcc|uicc|tnm)(?![a-z])", text, re.I)):
        system = "tnm"
    group = None
    found = _GROUP.search(rest)
    if found is not None and _RANGE.match(rest, found.end()):
        warn(f"{shorten(text, 80)!r} gives a range of stages, not one; kept as text")
        return Stage(text=text, extent=re.sub(r"\s+", " ", text.strip()))
    if found is not None and not _stated_group(rest, found, system):
        found = None  # "Inferior vena cava (IVC) invasion": a roman-looking word, not a stage
    if found is not None:
        if found.group("roman"):
            group = found.group("roman").upper() + (found.group("sub") or "").upper()
        else:
            group = ROMAN[found.group("arabic")] + (found.group("asub") or "").upper()
        rest = rest[:found.start()] + " " + rest[found.end():]
    rest = _SYSTEM_WORDS.sub(" ", rest).strip(_SEPARATORS).strip()
    rest = re.sub(r"\s+", " ", rest)
    extent = rest or None
    if extent is not None and not re.search(r"\w", extent):  # "+'": punctuation only, kept whole
        extent = " ".join(text.split())
    if extent is not None and not EXTENT_WORDS.search(extent):
        warn(f"{shorten(extent, 80)!r} is not a known stage, TNM or extent notation; kept as "
             "text without a code")
    if group is None and tnm is None and extent is None:
        warn(f"{shorten(text, 80)!r} names no stage group, TNM category or extent; kept as text")
        extent = text.strip()
    if system == "tnm" and group is None and tnm is None:
        system = None  # "AJCC" alone: nothing staged
    return Stage(text=text, group=group, system=system if group or tnm else None,
                 prefix=prefix, n_prefix=n_prefix, m_prefix=m_prefix, t=t, n=n, m=m,
                 extent=extent)


def _stated_group(text: str, found: re.Match[str], system: str | None) -> bool:
    """Whether a stage-group match is a stage: "stage" or a system (FIGO, AJCC, TNM) says so,
    or nothing but extent words stands beside the bare numeral ("IV", "IV, metastatic")."""
    if found.group(0).casefold().startswith("stage") or system is not None or \
            re.search(r"(?<![a-z])(ajcc|uicc|tnm|stage)(?![a-z])", text, re.I):
        return True
    beside = text[:found.start()] + " " + text[found.end():]
    beside = EXTENT_WORDS.sub(" ", _SYSTEM_WORDS.sub(" ", beside))
    return not re.search(r"[a-z]", beside, re.I)


def _tnm(text: str) -> tuple[tuple[int, int], dict[str, tuple[str, str | None]]] | None:
    """The span of the TNM categories in `text` and each category written (letter → category
    without its prefix, and the prefix that applies to it, lower case), or None. A run needs two
    categories ("T2N0", "cT3 N1 M0") or a prefixed one ("pTis", "rpT1", "pN1mi"): a bare "T2" is
    no stage (it may be an MRI weighting)."""
    for first in _FIRST.finditer(text):
        letter = first.group("category")[0].lower()
        prefix = _prefix(first.group("prefix"))
        found = {letter: (_category(first.group("category")), prefix)}
        end = first.end()
        for following in "tnm"["tnm".index(letter) + 1:]:
            more = _NEXT[following].match(text, end)
            if more is None:
                continue
            prefix = _prefix(more.group("prefix")) or prefix
            found[following] = (_category(more.group("category")), prefix)
            end = more.end()
        if not _END.match(text, end):
            continue
        if len(found) > 1 or _prefix(first.group("prefix")):
            return (first.start(), end), found
    return None


def _prefix(written: str | None) -> str | None:
    return re.sub(r"\s+", "", written or "").lower() or None


def _category(written: str) -> str:
    letter, rest = written[0].upper(), re.sub(r"\s+", "", written[1:])
    return letter + (rest.upper() if rest.lower() == "x" else rest.lower())


_GRADE_NUMBER = re.compile(
    r"^(?:(?P<system>fnclcc|nci|who)\s*)?(?:grade|gr\.?|g)?\s*(?P<number>[1-4]|iv|i{1,3})"
    r"(?:\s*(?:of|/)\s*[34])?$", re.I)
_GRADE_LEVEL = re.compile(r"^(?P<level>low|intermediate|high)[\s-]*grade$|^grade\s*(?P<level2>low|"
                          r"intermediate|high)$", re.I)


def parse_grade(text: str, hint: str | None, warn: Warn) -> Grade:
    """The grade number, its system (FNCLCC) and a level written in words."""
    words = re.sub(r"\s+", " ", text.strip().strip(".")).strip()
    system = "FNCLCC" if re.search(r"fnclcc", words, re.I) else None
    level = _GRADE_LEVEL.match(words)
    if level is not None:
        return Grade(text=text, level=(level.group("level") or level.group("level2")).lower())
    number = _GRADE_NUMBER.match(re.sub(r"(?i)\bgrade\b", "grade", words))
    if number is not None:
        written = number.group("number").upper()
        value = ROMAN_VALUES.get(written) or int(written)
        return Grade(text=text, number=value, system=system)
    warn(f"{shorten(text, 80)!r} is not a known grade (FNCLCC 2, grade 3, G2, low grade, high "
         "grade); kept as text without a code")
    return Grade(text=text, system=system)
