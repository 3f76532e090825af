"""Immunohistochemistry panels: a cell naming several stains and their results, as papers write
them — `CD34+, STAT6+ (nuclear), S100-, SMA focal, Ki-67 15%`, `diffusely positive for CD34 and
STAT6; negative for S100, SOX10 and desmin`, `TLE1 (+)`, `H3K27me3 loss`, `ALK (D5F3) positive`,
`PD-L1 TPS 60%` — read into one Marker per stain.

How a cell is read:
1. it is cut into clauses at `;`, line ends and sentence ends (never inside brackets); a leading
   heading ("IHC:", "Immunohistochemistry:") is dropped;
2. a clause that starts with a result ("(diffusely) positive for", "negative for", "loss of",
   "Positive:") gives that result and its qualifiers to every marker of the list after it; a
   list followed by ": <result>" gives the result to every marker before it;
3. the rest is cut into items at `,`, `and` and `&`. An item starts with a marker — a name or
   alias of mappings/terminology/markers.toml, longest first, or else the words before the first
   result word, sign or number (an unknown marker: kept as text, with a warning) — followed by
   its result: signs (`+`, `++`, `-`, `(+)`, `+/-` equivocal), words (positive, negative, loss →
   negative, retained → positive), qualifiers (focal, diffuse, weak, strong, nuclear... — each
   of which alone means positive, as in "SMA focal"), a percentage (`15%`, `~30%`, `<5%`), a
   score (`2+`; a positive result except for markers scored 0-3+ such as HER2) and a clone in
   brackets right after the name (`ALK (D5F3)`). Words not recognised are kept as text;
   `[...]` is kept as text whole. An item with no marker (", weak") adds to the one before;
   bare markers joined by "and" to an item with a result share it ("CD34 and STAT6 positive").
The same marker twice in a cell: the first is kept, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from converter.problems import shorten
from converter.read.schema import Gene, Marker
from converter.read.values.text import InvalidValue, Warn, number, split_outside_brackets
from mappings.terminology.markers import MarkerEntry, marker_slug, markers, spellings

_POSITIVE = {"positive", "pos", "positivity", "immunopositive", "immunopositivity", "immunoreactive",
             "reactive"}
# words that mean positive unless the words around them say otherwise ("negative staining")
_STAINED = {"immunoreactivity", "reactivity", "expressed", "expression", "expressing", "stained",
            "staining", "labelled", "labeled", "overexpression", "overexpressed", "co-overexpression"}
_NEGATIVE = {"negative", "neg", "negativity", "immunonegative", "nonreactive", "unstained",
             "absent", "immunonegativity"}
_EQUIVOCAL = {"equivocal", "borderline"}
# written word → canonical qualifier
_QUALIFIERS = {
    "focal": "focal", "focally": "focal", "diffuse": "diffuse", "diffusely": "diffuse",
    "patchy": "patchy", "patchily": "patchy", "multifocal": "multifocal",
    "multifocally": "multifocal", "weak": "weak", "weakly": "weak", "faint": "weak",
    "faintly": "weak", "moderate": "moderate", "moderately": "moderate", "strong": "strong",
    "strongly": "strong", "intense": "strong", "intensely": "strong", "nuclear": "nuclear",
    "cytoplasmic": "cytoplasmic", "membranous": "membranous", "membrane": "membranous",
    "membranes": "membranous", "dot-like": "dot-like", "dotlike": "dot-like",
    "paranuclear": "paranuclear", "perinuclear": "perinuclear", "scattered": "scattered",
    "rare": "rare", "partial": "partial", "partially": "partial",
    "heterogeneous": "heterogeneous", "heterogeneously": "heterogeneous",
    "granular": "granular", "block-like": "block-like", "blocklike": "block-like",
    "approximately": "approximately", "approx": "approximately", "tps": "TPS",
    "nonspecific": "nonspecific", "non-specific": "nonspecific", "increased": "increased",
    "decreased": "decreased", "reduced": "decreased",
    "loss": "loss", "lost": "loss", "deficient": "loss", "retained": "retained",
    "retention": "retained", "intact": "retained", "preserved": "retained",
}
# qualifiers that say nothing about the result
_NEUTRAL = {"partial", "approximately", "TPS", "nonspecific", "increased", "decreased"}
# words that only hold a sentence together
_FILLER = {"was", "were", "is", "are", "be", "been", "showed", "show", "shows", "showing",
           "also", "both", "all", "the", "a", "an", "with", "for", "of", "to", "ihc",
           "immunohistochemistry", "immunostain", "immunostaining", "stain", "index", "li",
           "labeling", "labelling", "proliferation", "proliferative", "rate", "score", "and",
           "but", "while", "whereas", "however", "although", "typically", "usually", "only",
           "mean", "median", "or"}
_COMPARATORS = {"<": "<", ">": ">", "<=": "<=", ">=": ">=", "\u2264": "<=", "\u2265": ">=",
                "~": "~", "\u2248": "~"}

_HEADING = re.compile(
    r"^\s*(?:ihc|immunohistochemistry|immunohistochemical(?:\s+(?:staining|stains|findings))?|"
    r"immunoprofile|immunophenotype|immunostains?|ihc\s+(?:findings|results|panel))\s*[:\-\u2013]\s*",
    re.IGNORECASE)
_LEAD_WORD = re.compile(
    r"\b(?P<result>positive|negative|immunopositive|immunonegative|immunoreactive|"
    r"immunoreactivity|positivity|negativity|reactive|reactivity|staining|expression|expressing|"
    r"expressed|overexpression|co-overexpression|labell?ed|stained|loss|lost|retained|retention)"
    r"(?P<adverb>,?\s+\w+ly,?)?\s*(?:\bfor\b|\bof\b|\bto\b|\bin\b|:)?\s*",
    re.IGNORECASE)
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:not\s+expressed|no\s+(?:expression|staining|immunoreactivity|reactivity)|"
                r"non-?reactive|not\s+detected)\b", re.I), " negative "),
    (re.compile(r"\bloss\s+of\s+(?:nuclear\s+)?(?:expression|staining)\b", re.I), " loss "),
    (re.compile(r"\b(?:approximately|approx\.?|about|around)\s*(?=\d)", re.I), "~"),
    (re.compile(r"\b(?:in|of)\s+(?=(?:<|>|~|\u2264|\u2265|\u2248)?\s*\d+(?:[.,]\d+)?\s*%)", re.I), ""),
    (re.compile(r"(?<=%)\s+of\s+(?:the\s+)?(?:tumou?r\s+|neoplastic\s+|lesional\s+)?"
                r"(?:cells|nuclei)\b", re.I), " "),
    (re.compile(r"\u2212"), "-"),
    # figures about a series, not a stain: kept as text
    (re.compile(r"(?<!\[)\b(?:sensitivity|specificity)\s+\d+(?:[.,]\d+)?\s*%", re.I),
     r"[\g<0>]"),
)
_TOKEN = re.compile(r"""
    \[(?P<rest>[^\]]*)\]
  | \((?P<group>[^()]*)\)
  | (?P<range>\d+(?:[.,]\d+)?\s*%?\s*(?:[-\u2013]|to)\s*\d+(?:[.,]\d+)?\s*%)
  | (?P<pct>(?:<=|>=|\u2264|\u2265|<|>|~|\u2248)?\s*\d+(?:[.,]\d+)?\s*%)
  | (?P<score>(?<![\w.])[0-3]\+(?!\+))
  | (?P<sign>\+/-|-/\+|\u00b1|\+{1,3}|[-\u2013](?![\w]))
  | (?P<word>[^\s()\[\]]+)
""", re.VERBOSE)
_CLONE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-/]{0,11}")


@dataclass
class _Item:
    """One marker being read."""

    text: str
    written: str
    entry: MarkerEntry | None
    result: str | None = None  # explicit: a word or sign
    implied: str | None = None  # from a qualifier ("focal") or a score
    qualifiers: list[str] = field(default_factory=list)
    percent: int | float | None = None
    comparator: str | None = None
    percent_high: int | float | None = None
    clone: str | None = None
    rest: list[str] = field(default_factory=list)
    conflict: bool = False
    led: bool = False  # its result came from a lead ("negative for ...")

    @property
    def bare(self) -> bool:
        return (self.result is None and self.implied is None and not self.qualifiers
                and self.percent is None and not self.rest)


@cache
def _alias_pattern() -> re.Pattern[str]:
    names = sorted(spellings(), key=lambda s: (-len(s), s))
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(rf"(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE)


def parse_ihc_panel(text: str, hint: str | None, warn: Warn) -> tuple[Marker, ...]:
    """Every marker of an IHC cell (see the module docstring)."""
    raw = text.strip()
    if len(raw) > 2_000:
        raise InvalidValue("too long for an immunohistochemistry cell (over 2,000 characters)")
    items: list[_Item] = []
    for clause in _clauses(raw):
        items.extend(_read_clause(clause, warn))
    if not items:
        raise InvalidValue(
            "names no marker; write markers with their results, e.g. CD34+, S100-, Ki-67 15% "
            "(a pan-TRK result alone belongs in a pan-TRK column)")
    found: dict[str, Marker] = {}
    for item in items:
        marker = _marker(item, warn)
        slug = marker_slug(marker.key or marker.name)
        if slug in found:
            warn(f"{marker.name} is named twice in this cell; the first "
                 f"({found[slug].canonical!r}) is kept and {shorten(item.text, 60)!r} left out")
            continue
        found[slug] = marker
    return tuple(found.values())


# ------------------------------------------------------------------ cutting the cell
def _split(text: str, separators: re.Pattern[str]) -> list[tuple[str, str]]:
    """Parts of `text` between separators outside brackets, each with the separator before it."""
    return [(sep, text[a:b].strip()) for a, b, sep in split_outside_brackets(text, separators)]


_CLAUSE_END = re.compile(r"\s*[;\n\r]+\s*|\.\s+(?=[A-Za-z])")
_ITEM_END = re.compile(r"\s*,\s*(?:(?:and|&)\s+)?|\s+(?:and|&)\s+", re.IGNORECASE)


def _clauses(text: str) -> list[str]:
    clauses = []
    for _, clause in _split(text, _CLAUSE_END):
        clause = _HEADING.sub("", clause).strip().rstrip(".").strip()
        if clause:
            clauses.append(clause)
    return clauses


def _read_clause(clause: str, warn: Warn) -> list[_Item]:
    clause = _normal(clause)
    led = _read_lead(clause, warn)
    if led is not None:
        return led
    head, colon, tail = clause.rpartition(":")
    if colon and head.strip() and not _starts_with_marker(tail.strip()):
        # "CD34, STAT6: positive" / "Ki-67: 15%": the tail belongs to each marker before it
        items = _read_items(head, warn)
        for item in items:
            _read_words(item, tail)
        return items
    return _read_items(clause.replace(":", " "), warn)


def _lead(text: str) -> tuple[str, str] | None:
    """A lead and the list it applies to: "diffusely positive for " + "CD34 and STAT6" (None:
    `text` does not start so). The lead is at most six words, none of them a marker."""
    if _starts_with_marker(text):
        return None
    for found in _LEAD_WORD.finditer(text):
        before = text[:found.start()]
        if len(before.split()) > 6 or "(" in before:
            return None
        listed = text[found.end():]
        if listed.strip() and _starts_with_marker(listed):
            return text[:found.end()], listed
    return None


def _read_lead(text: str, warn: Warn) -> list[_Item] | None:
    """"diffusely positive for CD34 and STAT6", "loss of H3K27me3": the lead applies to every
    marker listed after it (None: `text` is not of this form)."""
    lead = _lead(text)
    if lead is None:
        return None
    items = _read_items(lead[1], warn)
    for item in items:
        if not item.led:  # "negative for CD117 and positive for DOG1": DOG1 has its own
            _read_lead_words(item, lead[0])
    return items


def _read_lead_words(item: _Item, lead: str) -> None:
    _read_words(item, re.sub(r"[:,]|\b(?:for|of|to|in)\s*$", " ", lead), lead_words=True)
    item.led = True


def _normal(text: str) -> str:
    """Phrases read as one word ("no expression" → negative), outside `[...]` (kept as written)."""
    pieces = re.split(r"(\[[^\]]*\])", text)
    for index in range(0, len(pieces), 2):
        for pattern, replacement in _PHRASES:
            pieces[index] = pattern.sub(replacement, pieces[index])
    return " ".join("".join(pieces).split())


def _starts_with_marker(text: str) -> bool:
    return _alias_pattern().match(_without_filler(text)) is not None


def _without_filler(text: str, kinds: tuple[str, ...] = ("filler",)) -> str:
    """`text` without the sentence words it starts with ("showed CD34" → "CD34", "anti-CD34" →
    "CD34"); with kinds ("filler", "qualifier"), without leading qualifiers too."""
    while True:
        text = re.sub(r"^\s*anti-(?=\w)", "", text, flags=re.IGNORECASE)
        found = re.match(r"\s*([^\s()\[\]]+)\s*", text)
        if not found or _word_kind(found.group(1)) not in kinds:
            return text.strip()
        text = text[found.end():]


def _read_items(text: str, warn: Warn) -> list[_Item]:
    items: list[_Item] = []
    separators: list[str] = []
    parts = [(separator if index == 0 else " ", piece)
             for separator, part in _split(text, _ITEM_END)
             for index, piece in enumerate(_after_results(part))]
    lead: str | None = None  # "..., and were negative for cytokeratin, EMA, CD31": EMA, CD31 too
    for separator, part in parts:
        led = _read_lead(part, warn)
        if led:  # "INI1 retained, loss of H3K27me3"
            items.extend(led)
            separators.extend([separator] + [","] * (len(led) - 1))
            lead = part
            continue
        item = _start_item(part)
        if item is None:  # ", weak": more about the marker before
            if items:
                items[-1].text += f", {part}"
                _read_words(items[-1], part)
            else:
                warn(f"{shorten(part, 60)!r} names no marker; left out")
            continue
        _read_words(item, item.text[len(item.written):], after_name=True)
        if lead is not None and item.bare:
            found = _lead(lead)
            assert found is not None
            _read_lead_words(item, found[0])
        elif not item.bare:
            lead = None
        items.append(item)
        separators.append(separator)
    # "CD34 and STAT6 positive", "CD34, CD99 and STAT6 negative": bare markers share the result
    # of the marker they are joined to by "and" (through a run of commas)
    shared = [False] * len(items)
    for index in range(len(items) - 2, -1, -1):
        following = items[index + 1]
        if items[index].bare and not following.bare and not following.led and (
                "and" in separators[index + 1] or "&" in separators[index + 1]
                or shared[index + 1]):
            items[index].result, items[index].implied = following.result, following.implied
            items[index].qualifiers = list(following.qualifiers)
            shared[index] = True
    return items


def _after_results(part: str) -> list[str]:
    """A part cut before each known marker that follows a result: "CD34(+) STAT6(+)"."""
    pieces, start = [], 0
    for found in re.finditer(r"(?<=\s)(?=[A-Za-z0-9\u03b1-\u03c9])", part):
        before = part[start:found.start()].rstrip()
        if (_alias_pattern().match(part, found.end()) and before
                and (before[-1] in "+-)%" or _word_kind(before.split()[-1]) in {"result",
                                                                                 "qualifier"})
                and before.count("(") == before.count(")")
                and _alias_pattern().match(_without_filler(before, ("filler", "qualifier")))):
            pieces.append(part[start:found.start()])
            start = found.end()
    pieces.append(part[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def _start_item(part: str) -> _Item | None:
    """The item a part of a clause starts, or None when it names no marker."""
    part = _without_filler(part)
    # "strong CD34 positivity", "nuclear + cytoplasmic STAT6 positivity"
    named = _without_filler(part, ("filler", "qualifier", "sign"))
    found = _alias_pattern().match(named)
    if found:
        entry = markers()[spellings()[found.group().casefold()]]
        item = _Item(named, found.group(), entry)
        _read_words(item, part[:len(part) - len(named)])
        return item
    end = 0
    for count, match in enumerate(re.finditer(r"[(\[]|[^\s()\[\]]+", part)):
        word = match.group()
        core = re.sub(r"(?:\+{1,3}|[-\u2013]|\+/-)$", "", word)
        if (count == 4 or word in "([" or _word_kind(word) or not core
                or re.fullmatch(r"[<>~\u2264\u2265\u2248]?[\d.,]+%?", core)):
            break
        end = match.start() + len(core)
        if core != word:  # "XYZ+": the sign ends the name
            break
    if not end:
        return None
    return _Item(part, part[:end], None)


def _word_kind(word: str) -> str | None:
    folded = word.casefold().strip(".,:")
    if folded in _POSITIVE or folded in _NEGATIVE or folded in _EQUIVOCAL or folded in _STAINED:
        return "result"
    if folded in _QUALIFIERS:
        return "qualifier"
    if folded in _FILLER:
        return "filler"
    if re.fullmatch(r"\+{1,3}|[-\u2013]|\+/-|-/\+|\u00b1|[0-3]\+", word):
        return "sign"
    return None


# ------------------------------------------------------------------ reading the words
def _read_words(item: _Item, text: str, after_name: bool = False,
                lead_words: bool = False) -> None:
    first = True
    for token in _TOKEN.finditer(_normal(text)):
        kind, value = token.lastgroup, token.group()
        if kind == "rest":
            item.rest.append(" ".join(token.group("rest").split()))
        elif kind == "group":
            content = token.group("group").strip()
            if item.entry and content.casefold() in _same_marker(item.entry):
                pass  # "CD117 (c-KIT)": another name of the same marker
            elif first and after_name and _is_clone(item, content):
                item.clone = content
            else:
                _read_words(item, content, lead_words=lead_words)
        elif kind == "range":
            _range(item, value)
        elif kind == "pct":
            _percent(item, value)
        elif kind == "score":
            _qualify(item, value)
            if item.entry is None or not item.entry.scored:
                item.implied = item.implied or "positive"
        elif kind == "sign":
            if value in {"-", "\u2013"}:
                _result(item, "negative")
            elif value in {"+/-", "-/+", "\u00b1"}:
                _result(item, "equivocal")
            else:
                _result(item, "positive")
                if value != "+":
                    _qualify(item, value)
        else:
            _word(item, value, lead_words)
        first = False


def _same_marker(entry: MarkerEntry) -> set[str]:
    return {spelling.casefold() for spelling in (entry.name, *entry.aliases)}


def _is_clone(item: _Item, content: str) -> bool:
    """"D5F3", "22C3", "SP142", "28-8": letters and digits, or a clone the marker lists."""
    if item.entry is not None and content.upper() in item.entry.clones:
        return True
    return (_CLONE.fullmatch(content) is not None and any(ch.isdigit() for ch in content)
            and any(ch.isalpha() for ch in content) and not _alias_pattern().fullmatch(content))


def _percent(item: _Item, value: str) -> None:
    found = re.fullmatch(r"(<=|>=|\u2264|\u2265|<|>|~|\u2248)?\s*(\d+(?:[.,]\d+)?)\s*%", value)
    assert found is not None
    amount = number(found.group(2))
    if amount > 100 or item.percent is not None:
        item.rest.append(" ".join(value.split()))
        return
    item.percent = int(amount) if amount.is_integer() else amount
    comparator = _COMPARATORS.get(found.group(1) or "")
    if comparator == "~":
        _qualify(item, "approximately")
    elif comparator:
        item.comparator = comparator


def _range(item: _Item, value: str) -> None:
    """"10-20%": a Range of percentages (kept as text when it is not one, or a second amount)."""
    found = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*%?\s*(?:[-\u2013]|to)\s*(\d+(?:[.,]\d+)?)\s*%", value)
    assert found is not None
    low, high = number(found.group(1)), number(found.group(2))
    if item.percent is not None or not low < high <= 100:
        item.rest.append(" ".join(value.split()))
        return
    item.percent = int(low) if low.is_integer() else low
    item.percent_high = int(high) if high.is_integer() else high


def _word(item: _Item, value: str, lead_words: bool) -> None:
    folded = value.casefold().strip(".,:-")
    if not folded:
        return
    if folded in _POSITIVE:
        _result(item, "positive")
    elif folded in _STAINED:
        _result(item, "positive", implied=True)
    elif folded in _NEGATIVE:
        _result(item, "negative")
    elif folded in _EQUIVOCAL:
        _result(item, "equivocal")
    elif folded in _QUALIFIERS:
        qualifier = _QUALIFIERS[folded]
        _qualify(item, qualifier)
        if qualifier == "loss":
            _result(item, "negative", implied=True)
        elif qualifier == "retained":
            _result(item, "positive", implied=True)
        elif qualifier not in _NEUTRAL:
            item.implied = item.implied or "positive"
    elif folded in _FILLER or lead_words:  # a lead's other words are its sentence's subject
        return
    else:
        item.rest.append(value.strip(",:").replace("[", "(").replace("]", ")"))


def _qualify(item: _Item, qualifier: str) -> None:
    if qualifier not in item.qualifiers:
        item.qualifiers.append(qualifier)


def _result(item: _Item, result: str, implied: bool = False) -> None:
    if implied:
        item.implied = item.implied if item.implied not in (None, "positive") else result
        return
    if item.result is not None and item.result != result:
        item.conflict = True
    item.result = item.result or result


def _marker(item: _Item, warn: Warn) -> Marker:
    result = item.result or item.implied
    if item.conflict:
        warn(f"{shorten(item.text, 60)!r} gives {item.written} more than one result; "
             "kept as text without a result")
        result = None  # and no qualifier (each would say positive): the words stay as text
        item.qualifiers.clear()
        words = " ".join(item.text[len(item.written):].split()) or item.text
        item.rest = [words.replace("[", "(").replace("]", ")")]
    genes: tuple[Gene, ...] = ()
    if item.entry is None:
        warn(f"{item.written!r} is not a known immunohistochemistry marker "
             "(mappings/terminology/markers.toml); kept as text without a gene")
        name, key = item.written, None
    else:
        name, key = item.entry.name, item.entry.key
        genes = tuple(Gene(entry.symbol, entry.symbol, entry.hgnc_id)
                      for entry in item.entry.gene_entries())
        ambiguity = item.entry.ambiguity()
        if ambiguity:  # "PDGFR": PDGFRA or PDGFRB?
            warn(ambiguity)
    if result is None and item.percent is None and not item.qualifiers and not item.rest:
        warn(f"no result for {name} in {shorten(item.text, 60)!r}; kept without one")
    rest = " ".join(part for part in item.rest if part) or None
    return Marker(text=item.text, written=item.written, name=name, key=key, genes=genes,
                  result=result, qualifiers=tuple(item.qualifiers), percent=item.percent,
                  comparator=item.comparator, percent_high=item.percent_high,
                  clone=item.clone, rest=rest)
