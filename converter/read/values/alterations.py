"""Molecular findings as case tables write them: one cell → its findings, in the order written.

A cell holds one or more findings separated by `;`, new lines, `,` (outside brackets), ` + `,
` and ` / ` & `. Each finding is read as
- a fusion: `EML4-ALK`, `EML4::ALK`, `ETV6/NTRK3`, `TPM3\u2013NTRK1 fusion` (en dash), `NAB2ex7-STAT6ex16`,
  `NAB2 exon 6-STAT6 exon 16`, `EML4-ALK variant 3a/b`, `EML4-ALK v1`, `EML4-ALK (E13;A20)`,
  `ROS1 fusion (partner unknown)`, `NTRK3 (partner not reported)`;
- a rearrangement of one gene, partner unknown: `ALK rearrangement`, `ALK rearranged`,
  `ALK break-apart FISH positive`, `ALK translocation`;
- a sequence variant: HGVS (hgvs.py) with or without transcript, 1- or 3-letter code, or an
  exon-level description (`exon 19 deletion`, `ex19del`, `exon 20 insertion`, `exon 14 skipping`);
- a copy-number change: `ERBB2 amplification`, `MDM2 amp`, `MDM2 amplified`, `MYC gain`,
  `CDKN2A loss`, `CDKN2A homozygous deletion`, `MDM2 amplification (12 copies)`;
- an alteration of unsaid kind: `ALK positive`, `ALK+`, `EGFR mutated` (never guessed further);
- a negative or wild-type result: `EGFR wt`, `ALK-`, `ALK (-)`, `ALK negative`,
  `no NTRK rearrangement`, `negative for NTRK1-3`, `KRAS/NRAS/BRAF wild type`, `no fusion detected`;
plus what the finding says about itself: `(VAF 35%)`, `VAF: 0.35`, `AF 12%`, the method
(`(FISH)`, `(NGS)`, `(RT-PCR)`, the fusion_method vocabulary), `germline` / `somatic`, copies,
and other words kept as notes (`(subclonal)`, karyotypes such as `t(12;15)(p13;q25)` or, without
the `t(...)`, `X;18` in `variant X;18 translocation`: a `;` between two chromosome names never
splits a cell). A karyotype names no gene: t(X;18) stays a rearrangement whose genes the text
does not name (a paper may call it SS18::SSX, the cell does not).

SYT in a fusion with SSX (`SYT-SSX`, `SYT-SSX1`) is SS18: HGNC gives SYT as an alias of SS18
("synovial sarcoma translocation, chromosome 18") and as the previous symbol of SYT1
(synaptotagmin 1), which is no SSX fusion partner; elsewhere SYT stays ambiguous. `SSX` alone
is the stem of the SSX family (SSX1, SSX2, SSX4 ...) and stays a partner named in text, never a
guessed member.

Genes resolve through mappings.terminology.genes (approved, previous, alias...; every symbol
that is not approved warns). A hyphenated approved symbol (NKX2-1, HLA-A, H3-3A) is never split;
gene families (`NTRK1-3`, `NTRK1/2/3`, `CDKN2A/B`) expand only where every member is approved.
Genes named by the header (`genes`) stand for parts that name none. Whatever cannot be read
stays whole as an "unparsed" finding, with a warning; nothing here raises for a user's cell
except InvalidValue for absurdly long text.

`finding_text` writes the canonical notation of a finding, which reads back to the same finding
(apart from `text`); `cell_text` joins several with "; ".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from converter.problems import shorten
from converter.read.schema import Finding, Gene, Term
from converter.read.values.genes import gene_of
from converter.read.values.hgvs import (
    HgvsError,
    coding_change,
    looks_like_hgvs,
    protein_change,
    protein_reference,
)
from converter.read.values.terms import lookup
from converter.read.values.text import DASHES, InvalidValue, Warn, norm, split_outside_brackets
from mappings.terminology.genes import resolve_gene

MAX_CELL = 2_000

# words of the grammar that are never gene symbols, although some are HGNC aliases (FISH, AMP,
# NOT, INS, MAF, AF ...)
_GRAMMAR_WORDS = {
    "fusion", "fusions", "fused", "gene", "genes", "transcript", "rearrangement", "rearrangements",
    "rearranged", "translocation", "translocated", "positive", "pos", "negative", "neg", "not",
    "no", "none", "detected", "identified", "found", "present", "absent", "wild", "type", "wt",
    "wildtype", "mutation", "mutations", "mutated", "mutant", "mut", "altered", "alteration",
    "alterations", "amplification", "amplified", "amp", "amplicon", "gain", "loss", "deletion",
    "del", "ins", "dup", "insertion", "duplication", "skipping", "skip", "exon", "ex", "intron",
    "variant", "and", "or", "nor", "with", "for", "of", "in", "the", "a", "an", "is", "was", "at",
    "by", "to", "signal", "signals", "split", "break", "apart", "probe", "partner", "unknown",
    "reported", "fish", "ngs", "pcr", "rt", "ihc", "rna", "dna", "seq", "sequencing", "vaf",
    "af", "maf", "cn", "copy", "copies", "number", "homozygous", "heterozygous", "hemizygous",
    "deep", "biallelic", "germline", "somatic", "subclonal", "clonal", "yes", "nd", "na", "nr",
    "without", "non", "un", "co", "focal", "high", "level", "low", "other", "novel", "inframe",
    "frame", "splice", "site", "point", "hotspot", "tested", "testing", "result", "results",
    "transcripts", "kinase",
}

# abbreviations of diseases and biomarkers tables write beside genes; never gene symbols
_NOT_GENES = {"nsclc", "sclc", "luad", "lusc", "crc", "gist", "sft", "ifs", "msi", "mss", "tmb", "hrd",
              "cna", "cnv", "sv", "snv", "indel", "itd", "kdd", "ctd", "loh", "ish", "vus"}

_NEGATIVE_PHRASES = [
    r"not\s+detected", r"none\s+detected", r"not\s+identified", r"not\s+found", r"not\s+present",
    r"negative\s+for", r"negative", r"neg", r"absent", r"without", r"non[-\s]?mutated",
    r"unmutated", r"not\s+mutated", r"not\s+amplified", r"non[-\s]?amplified", r"not\s+rearranged",
    r"no", r"none",
]
_WILD_TYPE = r"wild[-\s]?type|wildtype|wt"
_POSITIVE_PHRASES = [r"positive", r"pos", r"detected", r"present", r"identified", r"yes"]
_ALTERED = r"mutated|mutations?|mutant|altered|alterations?"
_FUSION_WORDS = r"fusions?(?:\s+genes?)?(?:\s+transcripts?)?|fused"
_REARRANGEMENT_WORDS = (r"rearrangements?|rearranged|translocations?|translocated|"
                        r"break[-\s]?apart(?:\s+signals?)?|split\s+signals?")
_COPY_WORDS = [
    (r"homozygous\s+(?:deletion|loss)|homdel|deep\s+deletion|biallelic\s+(?:deletion|loss)",
     "homozygous deletion"),
    (r"heterozygous\s+(?:deletion|loss)", "heterozygous deletion"),
    (r"hemizygous\s+(?:deletion|loss)", "hemizygous deletion"),
    (r"(?:high[-\s]level\s+|focal\s+|co[-\s]?)?amplifications?|(?:co[-\s]?)?amplified|amp|amplicon",
     "amplification"),
    (r"(?:copy[-\s]number\s+|copy\s+|cn\s+)?gains?", "gain"),
    (r"(?:copy[-\s]number\s+|copy\s+|cn\s+)?loss", "loss"),
    (r"deletion|del", "deletion"),
]
_COPY_CHANGE_TYPE = {"amplification": "copy_number_gain", "gain": "copy_number_gain",
                     "loss": "copy_number_loss", "homozygous deletion": "copy_number_loss",
                     "heterozygous deletion": "copy_number_loss",
                     "hemizygous deletion": "copy_number_loss", "deletion": "copy_number_loss"}
_EXON_CHANGES = [
    (r"(?:in[-\s]?frame\s+)?(?:deletions?|del)", "deletion", "deletion", None),
    (r"(?:in[-\s]?frame\s+)?(?:insertions?|ins)", "insertion", "insertion", None),
    (r"(?:duplications?|dup)", "duplication", "duplication", None),
    (r"delins|deletion[-\s]insertion|indel", "delins", None, None),
    (r"skipping|skip|deletion\s+skipping", "skipping", None, "exon_loss_variant"),
    (r"(?:mutations?|mut|mutated|alteration|variant)", "mutation", None, None),
]
_METHOD_WORDS = (r"break[-\s]?apart\s+fish|fish|cish|sish|ngs|rt[-\s]?pcr|q?pcr|ddpcr|ihc|"
                 r"immunohistochemistry|"
                 r"sanger(?:\s+sequencing)?|rna[-\s]?seq|rna\s+sequencing|dna\s+sequencing|"
                 r"targeted\s+(?:rna\s+|dna\s+)?sequencing|next[-\s]generation\s+sequencing|"
                 r"whole[-\s](?:exome|genome|transcriptome)\s+sequencing|wes|wgs|mlpa|"
                 r"nanostring|archer(?:\s+fusionplex)?|fusionplex|oncomine|foundationone(?:\s+cdx)?|"
                 r"msk[-\s]impact|karyotyping|karyotype|cytogenetics|pyrosequencing|sequencing")
_NOTE_WORDS = (r"subclonal|clonal|heterozygous|homozygous|hotspot|biallelic|monoallelic|"
               r"likely\s+pathogenic|pathogenic")
# words that say a gene is altered and how, without a kind casefhir codes: kept as notes
_ALTERED_NOTES = r"truncation|truncating|loss[-\s]of[-\s]function|inactivation|inactivating|activating"
_KARYOTYPE = re.compile(
    r"(?<![A-Za-z0-9])(?:(?:der|inv|del|ins|dup)\s?\([0-9XY]{1,2}\))?"
    r"(?:t|inv|der|del|ins|dup)\s?\((?:[0-9XY]{1,2}(?:\s?[;:,]\s?[0-9XY]{1,2})*)\)"
    r"(?:\s?\(\s?[pq]?[0-9.]+(?:[pq][0-9.]+)?(?:\s?[;:,]\s?[pq]?[0-9.]+(?:[pq][0-9.]+)?)*\s?\))?")
# "X;18" as papers write a translocation without t(...), e.g. "variant X;18 translocation": two
# chromosomes, one of them X or Y, or two autosomes with the word "translocation" (kept in the
# note, so the note alone says it: "19;21" stays two parts)
_CHROMOSOME = r"(?:1[0-9]|2[0-2]|[1-9]|X|Y)"
_BARE_TRANSLOCATION = re.compile(
    rf"(?<![A-Za-z0-9;:])(?:variant\s+)?(?:[XY];{_CHROMOSOME}|{_CHROMOSOME};[XY]|"
    rf"{_CHROMOSOME};{_CHROMOSOME}\s+translocat(?:ion|ed))(?![A-Za-z0-9;:])", re.I)
_CYTOBAND = re.compile(r"(?<![A-Za-z0-9])(?:chr(?:omosome)?\s?)?(?:[1-9]|1[0-9]|2[0-2]|X|Y)[pq]"
                       r"(?:\d+(?:\.\d+)?)?(?:-[pq]?\d+(?:\.\d+)?)?(?:/(?:[1-9]|1[0-9]|2[0-2]|X|Y)[pq])?"
                       r"(?![A-Za-z0-9])")
_NUMBER = r"(\d+(?:[.,]\d+)?)"
_VAF = re.compile(rf"(?<![A-Za-z])(?:variant\s+allele\s+frequency|allele\s+frequency|VAF|MAF|AF)"
                  rf"\s*[:=]?\s*{_NUMBER}\s*(%)?", re.I)
_COPIES = re.compile(rf"(?:{_NUMBER}\s*(?:copies|copy|CN)\b|\bCN\s*[:=]\s*{_NUMBER}|"
                     rf"\bcopy\s+number\s*[:=]?\s*{_NUMBER}(?!\s*(?:gain|loss)))", re.I)
_PARTNER_UNKNOWN = re.compile(
    r"^(?:(?:5'|3')\s*)?partner\s+(?:gene\s+)?(?:not\s+(?:reported|identified|known|determined|"
    r"specified)|unknown|unidentified|undetermined|n/?a)$|^unknown\s+partner$", re.I)
_FUSION_VARIANT = re.compile(r"\bvariant\s+(\d+[a-z]?(?:/[a-z0-9]+)?)\b|\bv(\d+[a-z]?(?:/[a-z0-9]+)?)\b")
_EXON_ITEM = re.compile(r"^(?:(\S+)\s+)?(exon|ex|intron)\s*(\d+(?:/\d+)*)$", re.I)
_EXON_INITIALS = re.compile(r"^([A-Z])(\d+)\s*[;:]\s*([A-Z])(\d+)$")
_GENE_EXON_PAIR = re.compile(
    r"([A-Za-z][A-Za-z0-9]*?)-?\s*(?:\(\s*)?(?:exon|ex|intron|e)\s*(\d+)\s*\)?\s*(?:::|-|/)\s*"
    r"([A-Za-z][A-Za-z0-9-]*?)\s*(?:\(\s*)?(?:exon|ex|intron|e)\s*(\d+(?:/\d+)*)\s*\)?(?![A-Za-z0-9])", re.I)
_FAMILIES = {"NTRK": ("NTRK1", "NTRK2", "NTRK3")}
_EXON_FIRST = re.compile(r"(?<![A-Za-z0-9])(exon|ex)\s*(\d+)\s+([A-Za-z][A-Za-z0-9-]*)\s+"
                         r"(?=(?:mutations?|mut|mutated|deletions?|del|insertions?|ins|duplications?|"
                         r"dup|skipping)(?![A-Za-z0-9]))", re.I)
# written consequence → (canonical word, Sequence Ontology term)
_CONSEQUENCES = {"synonymous": ("synonymous", "synonymous_variant"),
                 "silent": ("synonymous", "synonymous_variant"),
                 "missense": ("missense", "missense_variant"),
                 "nonsense": ("nonsense", "stop_gained"),
                 "frameshift": ("frameshift", "frameshift_variant")}
_CONSEQUENCE_ONLY = re.compile(r"(?<![A-Za-z0-9])(synonymous|silent|missense|nonsense|"
                               r"frame[-\s]?shift)\s+(?:mutations?|variants?|changes?|"
                               r"substitutions?)(?![A-Za-z0-9])", re.I)
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                         "\u2212": "-", "\u2015": "-"})


@dataclass
class _Part:
    """What one part of a cell says, gathered before it becomes findings."""

    text: str
    genes: list[Gene] = field(default_factory=list)
    fusion: list[Gene] | None = None  # partners when written as a fusion (A-B, A::B, A/B)
    slash_pair: bool = False  # the partners were joined by "/" (a fusion or a list)
    listed: bool = False  # genes given as a list or family (never fusion partners)
    family: bool = False  # a family named without its number ("NTRK"): one of its genes
    exons: dict[str, str] = field(default_factory=dict)  # gene text or symbol → exon
    exon_initials: tuple[tuple[str, str], ...] = ()
    fusion_variant: str | None = None
    proteins: list[tuple[str, str | None]] = field(default_factory=list)
    codings: list[tuple[str, str | None, str | None, str | None]] = field(default_factory=list)
    exon_change: tuple[str, str | None, str | None] | None = None
    copy_number: str | None = None
    copies: int | float | None = None
    vaf: int | float | None = None
    method: Term | None = None
    origin: str | None = None
    notes: list[str] = field(default_factory=list)
    negative: bool = False
    wild_type: bool = False
    positive: bool = False
    altered: bool = False
    fusion_word: bool = False
    rearrangement: bool = False
    partner_unknown: bool = False
    variant_hint: bool = False  # an HGVS-looking token that did not parse
    aliases: list[Gene] = field(default_factory=list)  # "(HER2)" after ERBB2
    unknown_words: list[str] = field(default_factory=list)


def _number(text: str) -> int | float:
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


def _quiet_gene(symbol: str) -> Gene:
    entry = resolve_gene(symbol).entry
    return Gene(symbol, entry.symbol, entry.hgnc_id) if entry is not None else Gene(symbol)


def _is_gene_word(token: str) -> bool:
    """Whether `token` is written as a gene symbol (and not a word of the grammar)."""
    if not token or token.casefold() in _GRAMMAR_WORDS or not token[0].isalpha():
        return False
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", token) or token.endswith("-"):
        return False
    if len(token) < 2 or token.casefold() in _NOT_GENES:
        return False
    if token.isupper() or (any(ch.isdigit() for ch in token) and not token[0].islower()) or (
            token.islower() and any(ch.isdigit() for ch in token)):  # written as a symbol
        return True
    status = resolve_gene(token).status
    if any(ch.isupper() for ch in token):  # KRas, c-KIT; not vIII (an alias of COX8A)
        return status != "unknown" and (token[0].isupper() or token.startswith("c-"))
    return status == "approved" and len(token) >= 3


def _any_hgnc(token: str) -> bool:
    return resolve_gene(token).status != "unknown"


def _known(token: str) -> bool:
    """A symbol HGNC knows (approved, previous or alias of one gene)."""
    return resolve_gene(token).status in ("approved", "previous", "alias")


def _family(first: str, rest: list[str]) -> list[str] | None:
    """`NTRK1/2/3` → NTRK1, NTRK2, NTRK3; `CDKN2A/B` → CDKN2A, CDKN2B (every member approved)."""
    members = [first]
    for suffix in rest:
        if not re.fullmatch(r"[0-9]{1,2}|[A-Z]", suffix) or len(first) <= len(suffix):
            return None
        member = first[: -len(suffix)] + suffix
        if resolve_gene(member).status != "approved":
            return None
        members.append(member)
    return members


def _range(token: str) -> list[str] | None:
    """`NTRK1-3` → NTRK1, NTRK2, NTRK3."""
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9]*?)(\d+)-(\d+)", token)
    if m is None or _known(token):
        return None
    low, high = int(m[2]), int(m[3])
    if not low < high <= low + 9:
        return None
    members = [f"{m[1].upper()}{n}" for n in range(low, high + 1)]
    return members if all(resolve_gene(s).status == "approved" for s in members) else None


def _gene_with_exon(piece: str) -> tuple[str, str | None]:
    """`NAB2ex7` → ("NAB2", "7"); `NAB2@e7` (marked by the reader) → ("NAB2", "7")."""
    if m := re.fullmatch(r"(.+?)@(e|i)(\d+(?:/\d+)*)", piece):
        return m[1], (m[3] if m[2] == "e" else f"intron {m[3]}")
    m = None if _known(piece) else re.fullmatch(r"(.+?)(?:ex|exon|e)(\d+(?:/\d+)*)", piece, re.I)
    if m is not None and _known(m[1]):
        return m[1], m[2]
    return piece, None


def _paren_items(part: _Part, content: str, warn: Warn) -> str | None:
    """Read one bracketed group; the text to put back into the part for the token reader, or
    None when the group was used up."""
    inner = content.strip()
    n = norm(inner)
    if n in ("-", "neg", "negative"):
        part.negative = True
        return None
    if n in ("+", "pos", "positive", "++", "+++"):
        part.positive = True
        return None
    if looks_like_hgvs(inner) or protein_change_or_none(inner) is not None:
        return inner
    if m := _EXON_INITIALS.fullmatch(inner):
        part.exon_initials = ((m[1], m[2]), (m[3], m[4]))
        return None
    items = [item.strip() for item in re.split(r"[,;]", inner) if item.strip()]
    leftover: list[str] = []
    for item in items:
        if not _attribute(part, item, warn, whole=True):
            leftover.append(item)
    if not leftover:
        return None
    if len(leftover) == 1 and _is_gene_word(leftover[0]) and len(items) == 1:
        part.aliases.append(gene_of(leftover[0], warn))
        return None
    if all(looks_like_hgvs(item) for item in leftover):
        return " ".join(leftover)
    part.notes.append(f"({inner})")
    return None


def protein_change_or_none(text: str) -> object:
    try:
        return protein_change(text)
    except HgvsError:
        return None


def _attribute(part: _Part, item: str, warn: Warn, whole: bool) -> bool:
    """Whether `item` (a bracketed item) is an attribute of the finding; records it if so."""
    if m := _VAF.fullmatch(item):
        part.vaf = _vaf(m)
        return True
    if m := _COPIES.fullmatch(item):
        part.copies = _number(next(g for g in m.groups() if g))
        return True
    if _PARTNER_UNKNOWN.match(item):
        part.partner_unknown = True
        return True
    if m := _EXON_ITEM.fullmatch(item):
        if m[1] is None:
            return False
        part.exons[m[1].upper()] = m[3] if m[2].lower() != "intron" else f"intron {m[3]}"
        return True
    if re.fullmatch(_METHOD_WORDS, item, re.I):
        part.method = Term(item, lookup("fusion_method", item))
        return True
    if item.casefold() in ("germline", "somatic"):
        part.origin = item.casefold()
        return True
    if _KARYOTYPE.fullmatch(item):
        part.notes.append(item)
        return True
    return False


def _vaf(m: re.Match[str]) -> int | float:
    value = float(m[1].replace(",", "."))
    if m[2] is None and value <= 1:
        value = round(value * 100, 6)
    return int(value) if value.is_integer() else value


def _take(pattern: str, text: str, flags: int = re.I) -> tuple[bool, str]:
    """Remove the whole-word phrase `pattern` from `text`; whether it was there."""
    regex = re.compile(rf"(?<![A-Za-z0-9])(?:{pattern})(?![A-Za-z0-9])", flags)
    found = bool(regex.search(text))
    return found, regex.sub(" ", text) if found else text


_EXON_SHORT = re.compile(r"(?<![A-Za-z0-9._>:*])(?:(\d{1,2})\s?-?\s?(delins|del|ins|dup)|"
                         r"(del|ins|dup)\s?-?\s?(\d{1,2}))(?![A-Za-z0-9_])", re.I)
_GLUED = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Za-z0-9]{1,9}?)((?:ex|exon)\d+(?:del|ins|dup|skipping)?|"
                    r"[ACDEFGHIKLMNPQRSTVWY]\d{1,4}(?:[ACDEFGHIKLMNPQRSTVWY*]|fs|del|dup)|wt|WT)(?![A-Za-z0-9])")


def _unglue(text: str) -> str:
    """`KRASG12C` → `KRAS G12C`, `EGFRex20ins` → `EGFR ex20ins`, `BRAFwt` → `BRAF wt`,
    `METex14` → `MET exon 14 skipping` (the usual short name), where the gene is HGNC's."""
    def split(m: re.Match[str]) -> str:
        if _known(m.group(0)) or not _known(m[1]):
            return m.group(0)
        rest = m[2]
        if m[1].upper() == "MET" and rest.lower() in ("ex14", "exon14"):
            rest = "exon 14 skipping"
        return f"{m[1]} {rest}"
    return _GLUED.sub(split, text)


def _read_part(raw: str, warn: Warn) -> _Part:
    part = _Part(raw.strip())
    text = raw.translate(_DASHES)
    if text.strip() in DASHES or text.strip() in ("-", "--"):
        part.negative = True
        return part
    if text.strip() in ("+", "++", "+++"):
        part.positive = True
        return part
    part.notes.extend(found_karyotype.group(0) for found_karyotype in _KARYOTYPE.finditer(text))
    text = _KARYOTYPE.sub(" ", text)
    for translocation in _BARE_TRANSLOCATION.finditer(text):
        part.notes.append(translocation.group(0))
        part.rearrangement = True  # a translocation, whatever words follow
    text = _BARE_TRANSLOCATION.sub(" ", text)
    # "ALK-", "ALK+", "ALK(-)": a sign right after a word, before a space or the end
    if re.search(r"(?<=[A-Za-z0-9])\s*\(\s*-\s*\)|(?<=[A-Za-z0-9])-(?=\s|$|,)", text):
        part.negative = True
        text = re.sub(r"(?<=[A-Za-z0-9])\s*\(\s*-\s*\)|(?<=[A-Za-z0-9])-(?=\s|$|,)", " ", text)
    if re.search(r"(?<=[A-Za-z0-9])\s*\(\s*\+\s*\)|(?<=[A-Za-z0-9])\++(?=\s|$|,)", text):
        part.positive = True
        text = re.sub(r"(?<=[A-Za-z0-9])\s*\(\s*\+\s*\)|(?<=[A-Za-z0-9])\++(?=\s|$|,)", " ", text)
    # brackets standing on their own (not p.(...) nor NM_...(GENE):)
    while bracket := re.search(r"(?:(?<=\s)|^)\(([^()]*)\)", text):
        back = _paren_items(part, bracket[1], warn)
        text = text[:bracket.start()] + " " + (back or "") + " " + text[bracket.end():]
    # attributes written without brackets
    for m in list(_VAF.finditer(text)):
        part.vaf = _vaf(m)
    text = _VAF.sub(" ", text)
    for m in list(_COPIES.finditer(text)):
        part.copies = _number(next(g for g in m.groups() if g))
    text = _COPIES.sub(" ", text)
    found, text = _take(r"germline", text)
    if found:
        part.origin = "germline"
    found, text = _take(r"somatic", text)
    if found:
        part.origin = "somatic"
    for m in list(re.finditer(_FUSION_VARIANT, text)):
        part.fusion_variant = f"variant {m[1] or m[2]}"
    text = _FUSION_VARIANT.sub(" ", text)
    # exons written beside a fusion's genes: NAB2 exon 6-STAT6 exon 16
    text = _GENE_EXON_PAIR.sub(lambda m: f" {m[1]}@e{m[2]}::{m[3]}@e{m[4]} " if _known(m[1]) and _known(m[3])
                               else m.group(0), text)
    text = re.sub(r"([A-Za-z0-9-]+)\s+(exon|intron)\s*(\d+)\s*::", lambda m: (
        f"{m[1]}@{m[2][0].lower()}{m[3]}::"), text, flags=re.I)
    text = _unglue(text)
    # "Exon 11 KIT mutations": the exon written before its gene
    text = _EXON_FIRST.sub(lambda m: f"{m[3]} exon {m[2]} " if _known(m[3]) else m.group(0), text)
    # exon-level variants: exon 19 deletion, ex19del, exon19 del
    for pattern, word, change_type, consequence in _EXON_CHANGES:
        regex = re.compile(
            rf"(?<![A-Za-z0-9])(?:exon|ex|e)\s*(\d+)\s*(?:{pattern})(?![A-Za-z0-9])"
            rf"|(?<![A-Za-z0-9])(?:{pattern})\s+(?:of|in)\s+exon\s+(\d+)(?![A-Za-z0-9])", re.I)
        if exon_match := regex.search(text):
            exon = exon_match[1] or exon_match[2]
            description = (f"exon {exon} deletion-insertion" if word == "delins" else f"exon {exon} {word}")
            part.exon_change = (description, change_type, consequence)
            text = regex.sub(" ", text, count=1)
            break
    if part.exon_change is None and (short := _EXON_SHORT.search(text)):
        # EGFR papers: 19del, 19-Del, del19, ins20, 19delins
        exon = short[1] or short[4]
        word = (short[2] or short[3]).lower()
        for _, canonical, change_type, consequence in _EXON_CHANGES:
            if canonical.startswith(word[:3]) or (word == "delins" and canonical == "delins"):
                description = (f"exon {exon} deletion-insertion" if canonical == "delins"
                               else f"exon {exon} {canonical}")
                part.exon_change = (description, change_type, consequence)
                break
        text = text[:short.start()] + " " + text[short.end():]
    if part.exon_change is None and (described := _CONSEQUENCE_ONLY.search(text)):
        # "SDHB synonymous mutation": a change told by its consequence alone
        word = described[1].casefold().replace("-", "").replace(" ", "")
        name, consequence = _CONSEQUENCES[word]
        part.exon_change = (f"{name} variant", None, consequence)
        text = text[:described.start()] + " " + text[described.end():]
    for bare_exon in list(re.finditer(r"(?<![A-Za-z0-9@])(?:exon|ex)\s*\d+(?![A-Za-z0-9])", text, re.I)):
        part.notes.append(bare_exon.group(0))  # where a change lies: exon 21 L858R
    text = re.sub(r"(?<![A-Za-z0-9@])(?:exon|ex)\s*\d+(?![A-Za-z0-9])", " ", text, flags=re.I)
    found, text = _take(r"(?:with\s+)?unknown\s+partners?|partners?\s+(?:unknown|not\s+reported)", text)
    part.partner_unknown = part.partner_unknown or found
    m_break = re.search(r"break[-\s]?apart\s+fish", text, re.I)
    if m_break:
        part.rearrangement = True
        part.method = Term("FISH", lookup("fusion_method", "FISH"))
        text = text[:m_break.start()] + " " + text[m_break.end():]
    if method := re.search(rf"(?<![A-Za-z0-9])(?:{_METHOD_WORDS})(?![A-Za-z0-9])", text, re.I):
        part.method = Term(method.group(0), lookup("fusion_method", method.group(0)))
        text = text[:method.start()] + " " + text[method.end():]
    found, text = _take(_REARRANGEMENT_WORDS, text)
    part.rearrangement = part.rearrangement or found
    found, text = _take(_FUSION_WORDS, text)
    part.fusion_word = found
    found, text = _take(_WILD_TYPE, text)
    part.wild_type = found
    for m in list(re.finditer(r"(?i)(?<![A-Za-z])(?:loss\s+of\s+heterozygosity|LOH)(?![A-Za-z])", text)):
        part.notes.append(m.group(0))
    text = re.sub(r"(?i)(?<![A-Za-z])(?:loss\s+of\s+heterozygosity|LOH)(?![A-Za-z])", " ", text)
    found, text = _take(r"not\s+amplified|non[-\s]?amplified|no\s+amplification", text)
    if found:
        part.negative, part.copy_number = True, "amplification"
    for pattern, value in _COPY_WORDS:
        if part.copy_number:
            break
        if pattern == "deletion|del" and (part.exon_change or re.search(
                r"[pc]\.|\ddel|(?<![A-Za-z0-9])[A-Z]\d+[A-Z*](?![A-Za-z0-9])", text)):
            continue
        found, text = _take(pattern, text)
        if found:
            part.copy_number = value
            break
    for pattern in _NEGATIVE_PHRASES:
        found, text = _take(pattern, text)
        part.negative = part.negative or found
    found, text = _take(_ALTERED, text)
    part.altered = found
    for pattern in _POSITIVE_PHRASES:
        found, text = _take(pattern, text)
        part.positive = part.positive or found
    for altered in list(re.finditer(rf"(?<![A-Za-z0-9])(?:{_ALTERED_NOTES})(?![A-Za-z0-9])", text, re.I)):
        part.notes.append(altered.group(0))
        part.altered = True
    text = re.sub(rf"(?<![A-Za-z0-9])(?:{_ALTERED_NOTES})(?![A-Za-z0-9])", " ", text, flags=re.I)
    for band in list(_CYTOBAND.finditer(text)):
        part.notes.append(band.group(0))
    text = _CYTOBAND.sub(" ", text)
    for m in list(re.finditer(rf"(?<![A-Za-z0-9])(?:{_NOTE_WORDS})(?![A-Za-z0-9])", text, re.I)):
        part.notes.append(m.group(0))
    text = re.sub(rf"(?<![A-Za-z0-9])(?:{_NOTE_WORDS})(?![A-Za-z0-9])", " ", text, flags=re.I)
    _read_tokens(part, text, warn)
    return part


_FILLERS = {"and", "or", "nor", "for", "of", "in", "the", "a", "an", "with", "gene", "genes",
            "is", "was", "at", "by", "to", "&", ",", "/", "signal", "signals", "tested",
            "results", "result", "found", "seen", "noted", "also", "both", "all", "and/or",
            "variants", "probes", "probe", "any", "locus", "kinase"}


def _read_tokens(part: _Part, text: str, warn: Warn) -> None:
    # "HER2/neu" is one name of ERBB2, not two genes
    text = re.sub(r"(?i)\bHER-?2\s*/\s*neu\b", "HER2", text)
    tokens = [t.strip(",.:;").replace("\x00", "::") for t in text.replace("::", "\x00").split()]
    tokens = [t.strip("-") if not t.startswith("p.") else t for t in tokens if t]
    tokens = [t for t in tokens if t]
    joined: list[str] = []
    i = 0
    while i < len(tokens):  # "ETV6 - NTRK3", "ETV6 :: NTRK3": one fusion
        if (tokens[i] in ("-", "::") and joined and i + 1 < len(tokens)
                and _is_gene_word(joined[-1]) and _is_gene_word(tokens[i + 1])):
            joined[-1] = f"{joined[-1]}{tokens[i]}{tokens[i + 1]}"
            i += 2
            continue
        if joined and (tokens[i][0] == "/" or joined[-1].endswith("/")):
            joined[-1] += tokens[i]  # "ASPSCR1 (ASPL)/TFE3", "ALK / EML4": one token
        else:
            joined.append(tokens[i])
        i += 1
    for token in joined:
        if token.casefold() in _FILLERS or token in ("-", "/", "::"):
            continue
        _read_token(part, token, warn)


def _read_token(part: _Part, token: str, warn: Warn) -> None:
    if re.fullmatch(r"(?:p\.)?(?:[A-Z*]|[A-Z][a-z]{2})\d+_splice", token):  # MAF HGVSp_Short, splice site
        part.notes.append(token)
        part.variant_hint = True
        return
    if re.fullmatch(r"(?:NC_\d+(?:\.\d+)?|(?:chr)?(?:[0-9]{1,2}|X|Y|MT?)):g\.\S+", token):
        part.notes.append(token)  # a genomic change (MAF, VCF): kept as written
        part.variant_hint = True
        return
    if re.fullmatch(r"(?:NP|XP|NM|NR|ENST|ENSP)_?\d+(?:\.\d+)?", token):
        part.notes.append(token)  # a reference sequence on its own
        return
    if (part.genes or part.fusion) and re.fullmatch(r"(?:[ACDEFGHIKLMNPQRSTVWY]|[A-Z][a-z]{2})\d+", token) \
            and not _any_hgnc(token):
        part.notes.append(token)  # a codon without the change: BRAF V600
        part.variant_hint = True
        return
    if looks_like_hgvs(token):
        _hgvs_token(part, token, warn)
        return
    if token.casefold() in _NOT_GENES:
        part.notes.append(token)  # NSCLC, MSI...: kept, never a gene
        return
    dashed = re.split(r"[-/]", token)
    if len(dashed) == 2 and _known(dashed[0]) and _proteinish(dashed[1]):  # BRAF-V600E, KRAS/G12C
        _add_gene(part, dashed[0], warn)
        _hgvs_token(part, dashed[1], warn)
        return
    pieces = token.split("/")
    proteins = all(protein_change_or_none(piece) is not None for piece in pieces)
    # a bare protein change (G12C) unless it is a gene HGNC knows and no gene came before (C4A)
    if proteins and (part.genes or part.fusion or not any(_any_hgnc(piece) for piece in pieces)):
        for piece in pieces:
            _hgvs_token(part, piece, warn)
        return
    if _gene_or_family(part, token, warn):
        return
    if proteins:
        for piece in pieces:
            _hgvs_token(part, piece, warn)
        return
    part.unknown_words.append(token)


def _hgvs_token(part: _Part, token: str, warn: Warn) -> None:
    try:
        coding = coding_change(token)
        if coding is not None:
            part.codings.append((coding.hgvs, coding.transcript, coding.change_type, coding.consequence))
            gene_in_brackets = re.match(r"[^(:]+\(([^()]+)\):", token)
            if gene_in_brackets and not part.genes and not looks_like_hgvs(f"{gene_in_brackets[1]}:"):
                part.genes.append(gene_of(gene_in_brackets[1], warn))
            return
        reference, _ = protein_reference(token)
        change = protein_change(token)
        if reference is not None and change is not None:
            part.notes.append(reference)
    except HgvsError as error:
        warn(f"malformed HGVS: {error}; kept as a note")
        part.notes.append(token)
        part.variant_hint = True
        return
    if change is None:
        part.unknown_words.append(token)
        return
    part.proteins.append((change.hgvs, change.consequence))


def _gene_or_family(part: _Part, token: str, warn: Warn) -> bool:
    """Read `token` as genes (one, a fusion, a list or a family); False (and nothing read) when
    it is none of these."""
    if "@" in token or (not _known(token) and re.fullmatch(r"[A-Za-z0-9]+(?:ex|exon)\d+", token, re.I)):
        gene, exon = _gene_with_exon(token)
        if exon is not None and _is_gene_word(gene):
            _add_gene(part, gene, warn)
            part.exons[gene.upper()] = exon
            return True
    if _is_gene_word(token) and (_known(token) or ("-" not in token and "/" not in token)):
        _add_gene(part, token, warn)
        return True
    if "::" in token:
        pieces = token.split("::")
        if all(_is_gene_word(_gene_with_exon(p)[0]) for p in pieces):
            _add_fusion(part, pieces, warn)
            return True
        return False
    if "-" in token and "/" not in token.split("-")[0]:
        members = _range(token)
        if members:
            part.listed = True
            for member in members:
                _add_gene(part, member, warn)
            return True
        pieces = _attach_exons([p for p in token.split("-") if p])
        if len(pieces) >= 2 and all(_is_gene_word(_gene_with_exon(p)[0]) and not _proteinish(p)
                                    for p in pieces):
            _add_fusion(part, pieces, warn)
            return True
    if "/" in token:
        pieces = list(dict.fromkeys(p for p in token.split("/") if p))  # "EGFR / EGFR": one gene
        if len(pieces) == 1 and _is_gene_word(pieces[0]):
            _add_gene(part, pieces[0], warn)
            return True
        family = _family(pieces[0], pieces[1:]) if len(pieces) > 1 and not all(
            _is_gene_word(p) and len(p) > 2 for p in pieces[1:]) else None
        if family:
            part.listed = True
            for member in family:
                _add_gene(part, member, warn)
            return True
        if len(pieces) >= 2 and all(_is_gene_word(_gene_with_exon(p)[0]) and not _proteinish(p)
                                    for p in pieces):
            if len(pieces) == 2:
                _add_fusion(part, pieces, warn)
                part.slash_pair = True
            else:
                part.listed = True
                for piece in pieces:
                    _add_gene(part, piece, warn)
            return True
    return False


def _attach_exons(pieces: list[str]) -> list[str]:
    """`NAB2-ex6-STAT6ex18` split at its hyphens: the lone `ex6` belongs to the gene before it."""
    out: list[str] = []
    for piece in pieces:
        if out and re.fullmatch(r"(?:ex|exon|e)\d+(?:/\d+)*", piece, re.I):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def _proteinish(piece: str) -> bool:
    """A protein change that is not also a gene symbol (BRAF-V600E is no fusion)."""
    return protein_change_or_none(piece) is not None and not _any_hgnc(piece)


def _add_gene(part: _Part, written: str, warn: Warn) -> None:
    if written.upper() in _FAMILIES:
        members = _FAMILIES[written.upper()]
        if not part.fusion:
            part.listed = part.family = True
            for member in members:
                part.genes.append(_quiet_gene(member))
            return
    gene = gene_of(written, warn)
    if all(gene.label != g.label for g in part.genes):
        part.genes.append(gene)


# a symbol HGNC gives to several genes that one of them alone has as a fusion partner:
# (symbol, the partner's pattern) → the approved symbol meant (see the module docstring)
_FUSION_SYMBOLS = {("SYT", r"SSX\d*"): "SS18"}


def _fusion_symbol(written: str, others: list[str]) -> str | None:
    for (symbol, partner), meant in _FUSION_SYMBOLS.items():
        if written.upper() == symbol and any(re.fullmatch(partner, o, re.I) for o in others):
            return meant
    return None


def _add_fusion(part: _Part, pieces: list[str], warn: Warn) -> None:
    partners: list[Gene] = []
    written_genes = [_gene_with_exon(piece)[0] for piece in pieces]
    for index, piece in enumerate(pieces):
        written, exon = _gene_with_exon(piece)
        meant = _fusion_symbol(written, written_genes[:index] + written_genes[index + 1:])
        if meant is not None:
            entry = resolve_gene(meant).entry
            assert entry is not None  # an approved symbol of the table above
            others = [c for c in resolve_gene(written).candidates if c != entry.symbol]
            warn(f"gene {written} read as {entry.symbol} ({entry.hgnc_id}): HGNC gives {written} "
                 f"to {' and '.join([entry.symbol, *others])}, and only {entry.symbol} is fused "
                 f"to {' and '.join(o for o in written_genes if o != written)}")
            partners.append(Gene(written, entry.symbol, entry.hgnc_id))
            if exon is not None:
                part.exons[written.upper()] = exon
            continue
        if written.upper() in _FAMILIES:
            warn(f"{written!r} is not a gene symbol ({', '.join(_FAMILIES[written.upper()])}?); kept as text")
            gene = Gene(written)
        else:
            gene = gene_of(written, warn)
        partners.append(gene)
        if exon is not None:
            part.exons[written.upper()] = exon
    if part.fusion is None:
        part.fusion = partners
    else:
        part.fusion.extend(partners)


# ----------------------------------------------------------------------------------- findings


def _exons_for(part: _Part, genes: list[Gene]) -> tuple[str | None, ...]:
    exons = [part.exons.get(g.text.upper(), part.exons.get((g.symbol or "").upper())) for g in genes]
    if part.exon_initials and len(genes) == 2:
        (i1, e1), (i2, e2) = part.exon_initials
        if genes[0].label[:1].upper() == i1 and genes[1].label[:1].upper() == i2:
            exons = [e1, e2]
    return tuple(exons) if any(e is not None for e in exons) else ()


def _findings(part: _Part, header: tuple[Gene, ...], fusion_column: bool, warn: Warn) -> list[Finding]:
    text = part.text
    common: dict[str, Any] = {
        "allele_frequency": part.vaf, "method": part.method, "origin": part.origin,
        "notes": tuple(part.notes),
    }
    if part.unknown_words:
        warn(f"{shorten(text, 80)!r}: could not read {' '.join(part.unknown_words)!r}; kept as text")
        return [Finding("unparsed", None, text)]
    genes = list(part.genes)
    # an alias in brackets naming a gene already there, e.g. "ERBB2 (HER2)", adds nothing
    for alias in part.aliases:
        if alias.symbol is None or all(alias.symbol != g.symbol for g in genes + (part.fusion or [])):
            if not genes and not part.fusion:
                genes.append(alias)
            else:
                common["notes"] = (*common["notes"], f"({alias.text})")
    has_variant = bool(part.proteins or part.codings or part.exon_change or part.variant_hint)
    present = not (part.negative or part.wild_type)
    fusion = part.fusion
    if fusion is not None and part.slash_pair and not has_variant and (
            part.copy_number or (part.altered and not part.fusion_word) or
            (not present and not part.fusion_word and not fusion_column) or
            (part.positive and not part.fusion_word and not fusion_column)):
        # "EGFR/KRAS wild type", "MDM2/CDK4 amplification": a list of genes, not a fusion
        genes.extend(fusion)
        fusion, part.listed = None, True
    if fusion is not None:
        if has_variant or part.copy_number:  # never a mutation written as a fusion
            warn(f"{shorten(text, 80)!r} writes a fusion together with a mutation or copy-number "
                 "change; kept as text")
            return [Finding("unparsed", None, text)]
        partners = fusion + [g for g in genes if all(g.label != p.label for p in fusion)]
        return [Finding("fusion", present, text, genes=tuple(partners), exons=_exons_for(part, partners),
                        fusion_variant=part.fusion_variant, **common)]
    if not genes and not (part.listed):
        genes = list(header)
        from_header = True
    else:
        from_header = False
    if has_variant:
        kind = "variant"
    elif part.copy_number:
        kind = "copy-number"
    elif part.rearrangement:
        kind = "rearrangement"
    elif part.fusion_word or part.partner_unknown:
        kind = "fusion"
    elif part.wild_type:
        kind = "variant"
    elif fusion_column:
        kind = "fusion"
    else:
        kind = "alteration"
    if not genes and not (part.negative or part.wild_type or part.positive or part.altered or
                          part.fusion_word or part.rearrangement or part.copy_number or has_variant):
        if any(_KARYOTYPE.fullmatch(note) for note in part.notes):
            # a karyotype alone, t(X;18): a rearrangement whose genes the text does not name
            return [Finding("fusion" if fusion_column else "rearrangement", True, text, **common)]
        return []  # only attributes: they belong to the finding before
    if not present:
        return [_negative(kind, part, text, genes, common)]
    if kind == "fusion":
        if len(genes) > 1 and (from_header or part.listed or part.family):
            warn(f"{shorten(text, 80)!r} does not say which of {', '.join(g.label for g in genes)} is fused; "
                 "recorded as a fusion of genes not named")
            genes = []
        return [Finding("fusion", True, text, genes=tuple(genes), exons=_exons_for(part, genes),
                        fusion_variant=part.fusion_variant, **common)]
    if kind == "variant":
        if len(genes) > 1:
            if from_header:
                warn(f"{shorten(text, 80)!r} does not say which of {', '.join(g.label for g in genes)} "
                     "carries it; recorded without a gene")
                genes = []
            else:
                warn(f"{shorten(text, 80)!r} gives one change for several genes; kept as text")
                return [Finding("unparsed", None, text)]
        found = _variants(part, text, tuple(genes), common)
        if part.copy_number:  # "ESR1 p.Y537S amplification": the copy-number change too
            found += [Finding("copy-number", True, text, genes=tuple(genes), copy_number=part.copy_number,
                              copies=part.copies, change_type=_COPY_CHANGE_TYPE[part.copy_number],
                              **common)]
        return found
    if len(genes) > 1 and (from_header or part.family):
        warn(f"{shorten(text, 80)!r} does not say which of {', '.join(g.label for g in genes)}; "
             "recorded without a gene")
        genes = []
    extra: dict[str, Any] = {}
    if kind == "copy-number":
        assert part.copy_number is not None
        extra = {"copy_number": part.copy_number, "copies": part.copies,
                 "change_type": _COPY_CHANGE_TYPE[part.copy_number]}
    elif part.copies is not None:
        common["notes"] = (*common["notes"], f"({part.copies} copies)")
    return [Finding(kind, True, text, genes=(gene,), **extra, **common)
            for gene in genes] or [Finding(kind, True, text, **extra, **common)]


def _negative(kind: str, part: _Part, text: str, genes: list[Gene], common: dict[str, Any]) -> Finding:
    extra: dict[str, Any] = {}
    if kind == "copy-number":
        extra = {"copy_number": part.copy_number,
                 "change_type": _COPY_CHANGE_TYPE[part.copy_number or "gain"]}
    if kind == "variant":
        extra = _variant_fields(part)
    if kind == "fusion":
        extra = {"fusion_variant": part.fusion_variant, "exons": _exons_for(part, genes)}
    return Finding(kind, False, text, genes=tuple(genes), **extra, **common)


def _variant_fields(part: _Part, protein: tuple[str, str | None] | None = None,
                    coding: tuple[str, str | None, str | None, str | None] | None = None
                    ) -> dict[str, Any]:
    if protein is None and part.proteins:
        protein = part.proteins[0]
    if coding is None and part.codings:
        coding = part.codings[0]
    fields: dict[str, Any] = {}
    consequence = None
    if part.exon_change:
        fields["exon_change"] = part.exon_change[0]
        fields["change_type"] = part.exon_change[1]
        consequence = part.exon_change[2]
    if coding is not None:
        fields["coding_change"], fields["transcript"] = coding[0], coding[1]
        fields["change_type"] = coding[2]
        consequence = coding[3] or consequence
    if protein is not None:
        fields["protein_change"] = protein[0]
        consequence = protein[1] or consequence
    fields["consequence"] = consequence
    return fields


def _variants(part: _Part, text: str, genes: tuple[Gene, ...], common: dict[str, Any]) -> list[Finding]:
    # one finding per protein change written ("L858R/T790M"), a c. change paired with the p. after it
    if len(part.proteins) > 1 or len(part.codings) > 1:
        if len(part.proteins) == len(part.codings):
            pairs = list(zip(part.proteins, part.codings, strict=True))
            return [Finding("variant", True, text, genes=genes, **_variant_fields(part, p, c), **common)
                    for p, c in pairs]
        if len(part.codings) <= 1 and not part.codings:
            return [Finding("variant", True, text, genes=genes,
                            **_variant_fields(_Part(text, exon_change=part.exon_change), p), **common)
                    for p in part.proteins]
        if not part.proteins:
            return [Finding("variant", True, text, genes=genes,
                            **_variant_fields(_Part(text, exon_change=part.exon_change), None, c), **common)
                    for c in part.codings]
    return [Finding("variant", True, text, genes=genes, **_variant_fields(part), **common)]


# ------------------------------------------------------------------------------------ splitting

# never at the ";" of a translocation written without t(...): "variant X;18 translocation"
_AUTOSOME_BEFORE = (r"(?:(?<=(?<![A-Za-z0-9])[1-9])|(?<=(?<![A-Za-z0-9])1[0-9])|"
                    r"(?<=(?<![A-Za-z0-9])2[0-2]))")
_IN_TRANSLOCATION = (rf"(?<=(?<![A-Za-z0-9])[XYxy]);{_CHROMOSOME}(?![A-Za-z0-9])|"
                     rf"{_AUTOSOME_BEFORE};[XYxy](?![A-Za-z0-9])|"
                     rf"{_AUTOSOME_BEFORE};{_CHROMOSOME}(?=\s+translocat)")
_SPLIT = re.compile(rf"\s*(?:(?!{_IN_TRANSLOCATION});|\n|\r|,|\s\+\s|\s+and\s+|\s+&\s+|\s+plus\s+)\s*",
                    re.I)


def _split(text: str) -> list[tuple[int, int]]:
    """The spans of the parts of a cell, split at separators outside brackets."""
    return [(a, b) for a, b, _ in split_outside_brackets(text, _SPLIT)]


def _plain(word: str) -> bool:
    """A gene symbol standing alone (not a fusion, nor a protein change such as G12C)."""
    return (_is_gene_word(word) and not re.search(r"[-:]", word)
            and (protein_change_or_none(word) is None or _any_hgnc(word)))


def _plain_genes(part: str) -> tuple[bool, bool]:
    """(only plain gene symbols, a negation followed by only plain gene symbols)."""
    words = part.replace("/", " ").split()
    negated = False
    if len(words) > 1 and norm(" ".join(words[:2])) == "negative for":
        words, negated = words[2:], True
    elif words and words[0].casefold() in ("no", "neg", "without"):
        words, negated = words[1:], True
    words = [w for w in words if w.casefold() not in ("or", "nor")]
    plain = bool(words) and all(_plain(w) for w in words)
    return plain and not negated, plain and negated


def _merge(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """Join lists split at their commas: "KRAS, NRAS and BRAF wild type", "no NTRK1, NTRK2 or
    NTRK3 fusion", "MDM2, CDK4 amplification"; the merged part keeps the cell's own words."""
    merged: list[str] = []
    pending: list[tuple[int, int]] = []
    negated = False
    for start, end in spans:
        part = text[start:end].strip()
        plain, plain_negated = _plain_genes(part)
        if plain or (plain_negated and not pending):
            pending.append((start, end))
            negated = negated or plain_negated
            continue
        if pending:
            first = (part.split() or [""])[0].split("/")[0]
            if negated or _plain(first):
                merged.append(text[pending[0][0]:end].strip())
            else:
                merged.extend(text[a:b].strip() for a, b in pending)
                merged.append(part)
            pending, negated = [], False
        else:
            merged.append(part)
    if pending and negated:
        merged.append(text[pending[0][0]:pending[-1][1]].strip())
    else:
        merged.extend(text[a:b].strip() for a, b in pending)
    return merged


def _contradictions(findings: list[Finding], warn: Warn) -> None:
    by_gene: dict[str, list[Finding]] = {}
    for finding in findings:
        for gene in finding.genes:
            by_gene.setdefault(gene.label, []).append(finding)
    group = {"fusion": "fusion", "rearrangement": "fusion"}
    for label, found in by_gene.items():
        positives = [f for f in found if f.present]
        negatives = [f for f in found if f.present is False and not (
            f.protein_change or f.coding_change or f.exon_change)]
        for pos in positives:
            for neg in negatives:
                same_kind = group.get(pos.kind, pos.kind) == group.get(neg.kind, neg.kind) and (
                    pos.kind != "copy-number" or pos.copy_number == neg.copy_number)
                if "alteration" in (pos.kind, neg.kind) or same_kind:
                    warn(f"contradictory results for {label} in one cell: {shorten(pos.text, 40)!r} and "
                         f"{shorten(neg.text, 40)!r}; both kept")
                    return


def parse_findings(text: str, warn: Warn, *, genes: tuple[str, ...] = (),
                   fusion_column: bool = False) -> tuple[Finding, ...]:
    """The findings one cell states, in the order written (see the module docstring)."""
    if len(text) > MAX_CELL:
        raise InvalidValue(f"too long for molecular findings ({len(text)} characters, at most {MAX_CELL}); "
                           "write one finding per part, e.g. 'EML4::ALK; TP53 p.Arg273His'")
    header = tuple(_quiet_gene(symbol) for symbol in genes)
    findings: list[Finding] = []
    for raw in _merge(text, _split(text)):
        part = _read_part(raw, warn)
        made = _findings(part, header, fusion_column, warn)
        if not made:
            if findings:
                findings[-1] = _with_attributes(findings[-1], part, raw)
                continue
            if part.notes or part.method or part.vaf is not None or part.origin:
                warn(f"{shorten(raw, 80)!r} names no gene and no result; kept as text")
            else:
                warn(f"{shorten(raw, 80)!r} could not be read as a molecular finding; kept as text")
            made = [Finding("unparsed", None, raw.strip())]
        findings.extend(made)
    _contradictions(findings, warn)
    return tuple(findings)


def _with_attributes(finding: Finding, part: _Part, raw: str) -> Finding:
    """A part holding only attributes ("..., VAF 35%", "..., FISH") adds them to the finding before."""
    return replace(finding, text=f"{finding.text}, {raw.strip()}",
                   allele_frequency=part.vaf if part.vaf is not None else finding.allele_frequency,
                   method=part.method or finding.method, origin=part.origin or finding.origin,
                   notes=finding.notes + tuple(part.notes),
                   copies=part.copies if part.copies is not None else finding.copies)


def _hint_genes(hint: str | None) -> tuple[str, ...]:
    return tuple(hint.split()) if hint else ()


def parse_molecular(text: str, hint: str | None, warn: Warn) -> tuple[Finding, ...]:
    """Column parser of a molecular-findings column (`hint`: the header's gene symbols)."""
    return standalone(parse_findings(text, warn, genes=_hint_genes(hint)), hint)


def parse_fusion(text: str, hint: str | None, warn: Warn) -> tuple[Finding, ...]:
    """Column parser of a fusion column: a bare gene is that gene's fusion, a bare negative a
    negative fusion result for the header's genes."""
    return standalone(parse_findings(text, warn, genes=_hint_genes(hint), fusion_column=True),
                      hint)


def _ignore(message: str) -> None:
    """A warning already given when the cell was read."""


def standalone(findings: tuple[Finding, ...], hint: str | None) -> tuple[Finding, ...]:
    """Findings whose text says all they are, alone: a finding that leans on its header ('L858R'
    under 'EGFR', 'negative' under 'NTRK fusion') or shares its words with another ('SS18 and
    EWSR1 rearrangements') gets its canonical text, so that the text alone — which the FHIR
    keeps and `flatten` writes back into the `fusion` or `molecular` column — reads back to the
    same finding."""
    texts = [f.text for f in findings]
    result = []
    for finding in findings:
        shared = texts.count(finding.text) > 1  # "SS18 and EWSR1 rearrangements": two findings
        if not shared and not hint:
            result.append(finding)
            continue
        fusion = finding.kind in ("fusion", "rearrangement")
        again = () if shared else parse_findings(finding.text, _ignore, fusion_column=fusion)
        same = len(again) == 1 and replace(again[0], text=finding.text) == finding
        result.append(finding if same else replace(finding, text=finding_text(finding)))
    return tuple(result)


# ------------------------------------------------------------------------------------- writing


def _number_text(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _gene_list(genes: tuple[Gene, ...], joiner: str) -> str:
    labels = [g.label for g in genes]
    if joiner == "or" and len(labels) > 1:
        return f"{', '.join(labels[:-1])} or {labels[-1]}"
    return "/".join(labels)


def finding_text(finding: Finding) -> str:
    """The canonical notation of `finding` (reads back to the same finding apart from `text`)."""
    words: list[str] = []
    genes = finding.genes
    if finding.kind == "unparsed":
        return finding.text
    if finding.kind == "fusion":
        if finding.present is False:
            words += ["no", _gene_list(genes, "or"), "fusion"] if genes else ["no", "fusion"]
        elif len(genes) >= 2:
            words.append("::".join(g.label for g in genes))
        else:
            words += [genes[0].label, "fusion"] if genes else ["fusion"]
        if finding.fusion_variant:
            words.append(finding.fusion_variant)
        if finding.exons and any(finding.exons):
            items = [f"{g.label} {e if e.startswith('intron') else 'exon ' + e}"
                     for g, e in zip(genes, finding.exons, strict=False) if e is not None]
            words.append(f"({', '.join(items)})")
    elif finding.kind == "rearrangement":
        if finding.present is False:
            words.append("no")
        words += [*( [_gene_list(genes, "or")] if genes else []), "rearrangement"]
    elif finding.kind == "copy-number":
        if finding.present is False:
            words.append("no")
        words += [*([_gene_list(genes, "or")] if genes else []), finding.copy_number or "amplification"]
        if finding.copies is not None:
            words.append(f"({_number_text(finding.copies)} copies)")
    elif finding.kind == "variant":
        details = [d for d in (finding.exon_change,
                               (f"{finding.transcript}:{finding.coding_change}" if finding.transcript
                                else finding.coding_change),
                               finding.protein_change) if d]
        if finding.present is False:
            if details:
                words += ["no", *([_gene_list(genes, "/")] if genes else []), *details]
            else:
                words += [*([_gene_list(genes, "/")] if genes else []), "wild type"]
        else:
            words += [*([genes[0].label] if genes else []), *details]
    else:  # alteration
        words += [*([_gene_list(genes, "/")] if genes else []),
                  "positive" if finding.present else "negative"]
    if finding.allele_frequency is not None:
        words.append(f"(VAF {_number_text(finding.allele_frequency)}%)")
    if finding.method is not None:
        words.append(f"({finding.method.text})")
    if finding.origin:
        words.append(finding.origin)
    words += list(finding.notes)
    return " ".join(words)


def cell_text(findings: tuple[Finding, ...] | list[Finding]) -> str:
    """Several findings in one cell, "; " between them."""
    return "; ".join(finding_text(f) for f in findings)
