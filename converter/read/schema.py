"""The record schema: one validated, normalised case of a case series.

Values keep the text the table gave (so nothing a human wrote is lost) next to what it was
recognised as: a vocabulary entry key (`Term.key`) or parsed numbers. Mapping modules read only
these types.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field


def normal_case_id(case_id: str) -> str:
    """The form case ids are compared in (Unicode NFC)."""
    return unicodedata.normalize("NFC", case_id)


AGE_UNITS: dict[str, tuple[str, float]] = {
    # UCUM code → (display unit, length in years)
    "a": ("years", 1.0),
    "mo": ("months", 1.0 / 12.0),
    "wk": ("weeks", 7.0 / 365.25),
    "d": ("days", 1.0 / 365.25),
}


def plain_number(value: float) -> int | float:
    """A float with an integral value as int, so JSON shows `22`, not `22.0`."""
    return int(value) if float(value).is_integer() else value


@dataclass(frozen=True, slots=True)
class Series:
    """The published case series (or registry extract) a table comes from."""

    id: str
    doi: str | None = None
    citation: str | None = None

    @property
    def source_uri(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else None


@dataclass(frozen=True, slots=True)
class Term:
    """Free text and the vocabulary entry it was recognised as (None: unknown term)."""

    text: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Treatment:
    """One item of a treatment cell: what kind of treatment it is ("surgery", "radiotherapy",
    "systemic", "other"), its text, the vocabulary entry it was recognised as (treatment or
    surgery vocabulary), the NCIt drug code where verified, a radiotherapy's dose and
    fractions, and whether a drug was given with the radiotherapy listed before it (the
    concurrent drugs of "chemoradiation (weekly carboplatin + paclitaxel, 70 Gy)").

    `status` says whether it happened: "completed", "not-done" ("Surgery unfeasible", "without
    adjuvant chemotherapy"; `status_reason` holds the words that say so), "planned" or
    "proposed" ("chemotherapy planned", "amputation suggested"). `context` is the heading of
    the column it came from when that heading says when it was given ("Neoadjuvant therapy");
    `drug` the drug or regimen name of the drug table, `agents` a regimen's agents."""

    text: str
    kind: str
    key: str | None = None
    ncit_code: str | None = None
    ncit_name: str | None = None
    dose_cgy: int | float | None = None
    fractions: int | None = None
    concurrent: bool = False
    status: str = "completed"
    status_reason: str | None = None
    context: str | None = None
    drug: str | None = None
    agents: str | None = None


@dataclass(frozen=True, slots=True)
class Age:
    value: int | float
    unit: str  # UCUM code, a key of AGE_UNITS
    text: str

    @property
    def years(self) -> float:
        return self.value * AGE_UNITS[self.unit][1]


@dataclass(frozen=True, slots=True)
class Site:
    text: str
    region: str | None = None  # key of the "region" vocabulary
    laterality: str | None = None  # key of the "laterality" vocabulary
    depth: str | None = None  # key of the "depth" vocabulary
    # the words of separate laterality / depth columns (None: read from the site's own words)
    laterality_text: str | None = None
    depth_text: str | None = None


# the imaging modalities a header or text may name → how casefhir writes each (its label)
MODALITIES = {"mri": "MRI", "ct": "CT", "pet-ct": "PET/CT", "pet": "PET",
              "ultrasound": "ultrasound", "x-ray": "X-ray", "endoscopy": "endoscopy"}

# how a size was measured, as cells (or headers) name it → the words FHIR keeps
SIZE_METHODS = {**MODALITIES, "pathology": "pathological (specimen)",
                "clinical": "clinical examination"}


@dataclass(frozen=True, slots=True)
class ImagingFinding:
    """One imaging finding as a cell words it, with the modality its label, its column's header
    or its own words state (a key of MODALITIES; None: none stated)."""

    text: str
    modality: str | None = None


@dataclass(frozen=True, slots=True)
class Size:
    dimensions: tuple[int | float, ...]  # as written, 1 to 3 values
    unit: str  # "mm" or "cm"
    text: str
    # how it was measured, only when the cell says so ("3 cm (on CT)"): a key of SIZE_METHODS
    method: str | None = None

    @property
    def longest(self) -> int | float:
        return max(self.dimensions)

    @property
    def others(self) -> tuple[int | float, ...]:
        ordered = sorted(self.dimensions, reverse=True)
        return tuple(ordered[1:])


@dataclass(frozen=True, slots=True)
class Gene:
    """A gene as the table named it, and the approved HGNC gene it was recognised as (symbol and
    hgnc_id None: not recognised, kept as text)."""

    text: str  # as written, e.g. "KRAS2" or "c-KIT"
    symbol: str | None = None  # approved HGNC symbol, e.g. "KRAS"
    hgnc_id: str | None = None  # e.g. "HGNC:6407"

    @property
    def label(self) -> str:
        return self.symbol or self.text


# the kinds of molecular finding (Finding.kind)
FINDING_KINDS = (
    "fusion",  # two partner genes joined, or one gene's fusion with the partner not reported
    "rearrangement",  # a gene rearranged (break-apart FISH, "ALK rearrangement"), partner unknown
    "variant",  # a sequence variant: substitution, deletion, insertion, frameshift, splice...
    "copy-number",  # amplification, gain, loss, homozygous deletion
    "alteration",  # a gene altered, the kind not said ("ALK positive", "EGFR mutated")
    "unparsed",  # text the grammar could not read: kept whole, with a warning
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One molecular finding of a case, as one cell (or one row of an alteration file) states it.

    `present` is True for a detected alteration, False for a negative or wild-type result (the
    genes tested negative are `genes`), None for an unparsed text. Everything else is None or
    empty unless the text states it: casefhir never infers a DNA change from a protein change, nor
    an origin (somatic, germline) from the tumour type."""

    kind: str  # one of FINDING_KINDS
    present: bool | None
    text: str  # this finding's words as written (its part of the cell)
    genes: tuple[Gene, ...] = ()  # fusion: 5' partner first; negative: every gene tested negative
    exons: tuple[str | None, ...] = ()  # fusion: exon (or intron) of each gene as written, e.g. "7"
    fusion_variant: str | None = None  # e.g. "variant 3a/b" of EML4::ALK
    transcript: str | None = None  # reference sequence of coding_change, e.g. "NM_004333.4"
    coding_change: str | None = None  # c. HGVS without its reference, e.g. "c.1799T>A"
    protein_change: str | None = None  # p. HGVS in 3-letter code, e.g. "p.Val600Glu", "p.Arg1450fs"
    exon_change: str | None = None  # an exon-level description, e.g. "exon 19 deletion"
    change_type: str | None = None  # Sequence Ontology term name of the DNA change (so.tsv)
    consequence: str | None = None  # Sequence Ontology term name of the molecular consequence
    copy_number: str | None = None  # "amplification", "gain", "loss", "homozygous deletion"...
    copies: int | float | None = None  # copy number when stated, e.g. 12 copies
    allele_frequency: int | float | None = None  # percent, e.g. 35 for "VAF 35%"
    method: Term | None = None  # the test this finding's own words name (fusion_method vocabulary)
    origin: str | None = None  # "somatic" or "germline", only when written
    notes: tuple[str, ...] = ()  # words of the finding kept as text, e.g. "(subclonal)"

    @property
    def fusion_notation(self) -> str | None:
        """HGNC "::" notation of a fusion with both partners, e.g. "EML4::ALK"."""
        if self.kind == "fusion" and len(self.genes) >= 2:
            return "::".join(gene.label for gene in self.genes)
        return None


# the results an immunohistochemical stain can have (Marker.result)
IHC_RESULTS = ("positive", "negative", "equivocal")


@dataclass(frozen=True, slots=True)
class Marker:
    """One immunohistochemical stain of a case, as one IHC cell states it ("STAT6+ (nuclear)",
    "negative for S100", "Ki-67 15%").

    `key` is the marker's entry in mappings/terminology/markers.toml (None: a marker casefhir does
    not know, kept as text); `genes` are the HGNC genes of that entry, only where the marker is one
    gene's product. `result` is None unless the words say it (a percentage or score alone is
    none). `qualifiers` are canonical words (focal, diffuse, weak, strong, nuclear, loss,
    retained...) in the order written; `rest` keeps the words not recognised."""

    text: str  # this marker's words as written (its part of the cell)
    written: str  # the marker's name as written, e.g. "Ki67"
    name: str  # the canonical name (markers.toml), or the name as written when unknown
    key: str | None = None
    genes: tuple[Gene, ...] = ()
    result: str | None = None  # one of IHC_RESULTS
    qualifiers: tuple[str, ...] = ()
    percent: int | float | None = None  # percent of cells stained / score, e.g. 15 for "15%"
    comparator: str | None = None  # of the percentage: "<", "<=", ">", ">="
    percent_high: int | float | None = None  # the top of a range "10-20%" (percent: its bottom)
    clone: str | None = None  # the antibody clone, e.g. "D5F3", "22C3"
    rest: str | None = None  # words kept as text

    @property
    def label(self) -> str:
        """The marker with its clone, e.g. "ALK (D5F3)"."""
        return f"{self.name} ({self.clone})" if self.clone else self.name

    @property
    def amount(self) -> str | None:
        if self.percent is None:
            return None
        if self.percent_high is not None:
            return f"{plain_number(self.percent)}-{plain_number(self.percent_high)}%"
        return f"{self.comparator or ''}{plain_number(self.percent)}%"

    @property
    def details(self) -> str | None:
        """Qualifiers in brackets and the rest in square brackets: "(focal, nuclear) [in ...]"."""
        parts = []
        if self.qualifiers:
            parts.append(f"({', '.join(self.qualifiers)})")
        if self.rest:
            parts.append(f"[{self.rest}]")
        return " ".join(parts) or None

    @property
    def value_text(self) -> str:
        """The result and details, e.g. "positive (focal, nuclear)" ("" when neither is given)."""
        return " ".join(part for part in (self.result, self.details) if part)

    @property
    def canonical(self) -> str:
        """The marker as casefhir writes it back, which reads back as the same marker:
        "STAT6 positive (nuclear)", "Ki-67 15%", "ALK (D5F3) positive"."""
        return " ".join(part for part in (self.label, self.result, self.amount, self.details)
                        if part)


# where a survival or follow-up time counts from, when --columns or the cell says (the words are
# written in the FHIR: "after study entry"); without one, the surgery when there was one, else
# the diagnosis; "not reported" where the source does not say (a study's documentation giving
# only "survival time in days")
TIME_ORIGINS = ("diagnosis", "study entry", "randomisation", "start of treatment", "surgery",
                "remission", "not reported")


@dataclass(frozen=True, slots=True)
class Event:
    """Something that did or did not happen after diagnosis (recurrence, metastasis)."""

    occurred: bool
    text: str
    months: int | float | None = None  # months after surgery (or diagnosis) when reported
    sites: tuple[Term, ...] = ()  # metastasis sites (metastasis_site vocabulary)
    origin: str | None = None  # what `months` counts from (TIME_ORIGINS; None: the default)


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage cell: the stage group, TNM categories and extent words it gives (each None when
    not written). `system` is "tnm" (TNM categories, AJCC, UICC or TNM written), "figo", or None
    for a bare stage ("Stage III"); `prefix` the TNM prefix as written (lower case): "c"
    clinical, "p" pathological, after "y" post-therapy, "r" recurrence or "a" autopsy ("yp",
    "yc", "rp", "a"); it applies to N and M unless `n_prefix` / `m_prefix` give their own
    ("pT1a pN0 cM0": prefix "p", m_prefix "c")."""

    text: str
    group: str | None = None  # normalised roman numeral with its letters/digits, e.g. "IIIA"
    system: str | None = None
    prefix: str | None = None
    n_prefix: str | None = None
    m_prefix: str | None = None
    t: str | None = None  # "T2b" (without the prefix)
    n: str | None = None  # "N1"
    m: str | None = None  # "M0"
    extent: str | None = None  # extent or resectability words as written ("inoperable")


@dataclass(frozen=True, slots=True)
class Grade:
    """A histologic grade cell: the grade number and grading system when written, the level
    only when written in words (low / intermediate / high: never inferred from a number)."""

    text: str
    number: int | None = None
    system: str | None = None  # "FNCLCC" when written
    level: str | None = None  # "low", "intermediate", "high"


@dataclass(frozen=True, slots=True)
class Smoking:
    """A smoking cell: its words, the smoking status they were recognised as (a key of the
    "smoking" vocabulary; None: not a verified status, kept as text) and pack-years when
    written ("30 pack-years")."""

    text: str
    key: str | None = None
    pack_years: int | float | None = None
    pack_years_comparator: str | None = None  # ">" of ">30 pack-years"


@dataclass(frozen=True, slots=True)
class PerformanceStatus:
    """An ECOG (0-5) or Karnofsky (0-100) performance status score and the words it was read
    from ("ECOG 1", "PS 2", "KPS 80")."""

    score: int
    text: str


@dataclass(frozen=True, slots=True)
class MitoticCount:
    """A mitotic count: the number of mitoses over the area it was counted in ("5/10 HPF": 5
    per 10 high-power fields, "5 per 2 mm2"); `area` "HPF" or "mm2", None when not stated (then
    `per` is None too)."""

    text: str
    count: int | float
    comparator: str | None = None  # "<" of "<1/10 HPF"
    per: int | float | None = None
    area: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """The literature reference of a row (a review's case from "Smith et al. (2019)"): the
    citation as written and the DOI or PubMed id it gives."""

    text: str
    doi: str | None = None  # "10.1000/xyz", without "https://doi.org/"
    pmid: str | None = None  # digits
    url: str | None = None  # a web address the cell gives (other than a DOI's)


@dataclass(frozen=True, slots=True)
class RowSource:
    """Where a record was read: the file's name (without its folder, so the output does not
    depend on where the file lies), the row as the file counts them, and the SHA-256 of the row's
    cells (header and value pairs), which changes exactly when the row does."""

    file: str
    row: int
    row_kind: str  # "row", "record" or "line" (see problems.Location)
    sha256: str


@dataclass(frozen=True, slots=True)
class CaseRecord:
    series: Series
    case_id: str
    age: Age | None = None
    age_text: str | None = None  # an age without a number: "in utero", "infant" (onsetString)
    sex: Term | None = None
    diagnosis: Term | None = None
    site: Site | None = None
    size: Size | None = None
    findings: tuple[Finding, ...] = ()  # the fusion columns' first, then the molecular ones'
    molecular_method: Term | None = None  # for findings whose cell names no test
    pan_trk_ihc: Term | None = None
    ihc: tuple[Marker, ...] = ()
    mri_vascularity: Term | None = None
    mri_flow_voids: Term | None = None
    mri_border: Term | None = None
    mri_fat_infiltration: Term | None = None
    mri_t1: Term | None = None
    mri_t2: Term | None = None
    mri_enhancement: Term | None = None
    imaging_findings: tuple[ImagingFinding, ...] = ()
    preop_diagnosis: Term | None = None
    surgery: Term | None = None
    surgery_intent: Term | None = None
    margin: Term | None = None
    treatments: tuple[Treatment, ...] = field(default_factory=tuple)
    treatment_response: Term | None = None
    recurrence: Event | None = None
    metastasis: Event | None = None
    follow_up_months: int | float | None = None
    follow_up_censored: bool = False  # "36+": no event (death, recurrence) seen by then
    follow_up_origin: str | None = None  # what it counts from (TIME_ORIGINS; None: the default)
    follow_up_text: str | None = None  # a follow-up cell read as text only (no time)
    status: Term | None = None
    # the event of disease-free / progression-free survival (DFS_STATUS, PFS_STATUS) at its time
    dfs: Event | None = None
    pfs: Event | None = None
    stage: Stage | None = None
    grade: Grade | None = None
    # other columns papers print (issue 13)
    smoking: Smoking | None = None
    ecog: PerformanceStatus | None = None
    karnofsky: PerformanceStatus | None = None
    ki67: Marker | None = None
    mitotic_count: MitoticCount | None = None
    reference: Reference | None = None
    notes: str | None = None
    source: RowSource | None = None  # None for records made in code rather than read
