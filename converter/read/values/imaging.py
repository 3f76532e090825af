"""Imaging: the modality a header or a text names (MRI, CT, PET/CT, PET, ultrasound, X-ray,
endoscopy), and imaging narratives (`CT: lung nodules; MRI: T2 bright`), each finding with the
modality its label, its column's header or its own words state, and none when none does.
"""

from __future__ import annotations

import re

from converter.problems import shorten
from converter.read.schema import MODALITIES, ImagingFinding
from converter.read.values.text import InvalidValue, Warn

# the words naming each modality (a key of MODALITIES); "US" and "MR" only in capitals (in lower
# case they are words of a sentence: "showed us", "Mr")
MODALITY_WORDS: tuple[tuple[str, str], ...] = (
    ("pet-ct", r"\bpet\s*[-/]?\s*ct\b|\bpet\s*/\s*computed\b"),
    ("pet", r"\bpet\b|\bfdg\b|positron"),
    ("mri", r"\bmri\b|(?-i:\bMR\b)|magnetic\s+resonance"),
    ("ct", r"\bct\b|computed\s+tomograph|\bcat\s+scan"),
    ("ultrasound", r"(?-i:\bUS\b)|ultraso|sonograph|\busg\b"),
    ("x-ray", r"\bx\s*-?\s*rays?\b|radiograph|\bplain\s+films?\b"),
    ("endoscopy", r"endoscop|colonoscop|gastroscop|bronchoscop|\begd\b"),
)
_WORDS = [(key, re.compile(pattern, re.IGNORECASE)) for key, pattern in MODALITY_WORDS]


def modalities_named(text: str) -> list[str]:
    """The modalities a text names, in MODALITIES order ("PET-CT" is PET/CT alone, not also PET
    and CT)."""
    found = []
    rest = text
    for key, pattern in _WORDS:
        if pattern.search(rest):
            found.append(key)
            rest = pattern.sub(" ", rest)
            if key == "pet-ct":  # "FDG-PET/CT": the tracer is no second modality
                rest = _WORDS[1][1].sub(" ", rest)
    return found


def modality_named(text: str) -> str | None:
    """The one modality a text names, or None (none, or several)."""
    found = modalities_named(text)
    return found[0] if len(found) == 1 else None


def header_modality(header: str) -> str | None:
    """The modality a column header names ("CT findings", "PET-CT", "US", "Size on MRI"), None
    for a header that names none ("Imaging", "Radiology") or several. Headers are read in
    capitals, so "us" and "mr" count there."""
    return modality_named(header_words(header))


def header_words(header: str) -> str:
    """A header as its modality words are looked for: in capitals, "_" a space."""
    return header.replace("_", " ").upper()


def without_modality(header: str) -> str:
    """A header without the modality it names and the word tying it ("Size on CT (mm)" →
    "Size (mm)")."""
    rest = header_words(header)
    for _, pattern in _WORDS:
        rest = re.sub(r"(?:\b(?:ON|BY|AT|IN|VIA)\s+)?(?:" + pattern.pattern + ")", " ", rest,
                      flags=re.IGNORECASE)
    return " ".join(rest.split())


# the words a header adds to a modality for its findings: "CT findings", "MRI description"
FINDINGS_WORDS = {"", "findings", "finding", "description", "features", "report", "scan",
                  "scans", "result", "results", "imaging", "study", "appearance"}


def names_imaging_findings(header: str) -> bool:
    """Whether a header is a modality and nothing but findings words ("PET-CT findings",
    "Ultrasound description", "MRI"). A bare "CT" is not one: tables use it for chemotherapy
    ("Surgery, RT, CT") as often as for tomography."""
    upper = header_words(header)
    modality = modality_named(upper)
    if modality is None:
        return False
    rest = upper
    for _, pattern in _WORDS:
        rest = pattern.sub(" ", rest)
    words = " ".join(re.findall(r"[a-z]+", rest.casefold()))
    return words in FINDINGS_WORDS and (words != "" or upper.strip() != "CT")


# a label opening a finding: "CT:", "PET-CT -" is none, "MRI showed" is words, not a label
_LABEL = re.compile(r"\s*(?P<label>[A-Za-z][A-Za-z /-]{0,24}?)\s*:\s*")
# where a finding may open: the cell's start, after ';' or a line end, or a sentence's end
_OPENING = re.compile(r"(?:^|(?<=[.;\n]))\s*")

# the labels that open a finding (letters only): the modality words, and "imaging" for a finding
# that states no modality (flatten writes it so a second such finding stays apart)
_LABEL_KEYS = {"mri", "mr", "ct", "pet", "petct", "fdgpet", "fdgpetct", "us", "ultrasound",
               "ultrasonography", "sonography", "usg", "xray", "xrays", "radiograph",
               "radiography", "plainfilm", "plainradiograph", "endoscopy", "colonoscopy",
               "gastroscopy", "bronchoscopy", "egd", "ctscan"}
GENERIC_LABEL = "Imaging"


def _label(text: str, position: int) -> tuple[bool, str | None, int]:
    """Whether a finding label stands at `position`, its modality (None: "Imaging:"), and where
    the words after it start."""
    found = _LABEL.match(text, position)
    if found is None or not text[found.end():].strip():
        return False, None, position
    key = re.sub(r"[^a-z]", "", found.group("label").casefold())
    if key == GENERIC_LABEL.casefold():
        return True, None, found.end()
    modality = modality_named(found.group("label").upper())
    if modality is None or key not in _LABEL_KEYS:
        return False, None, position
    return True, modality, found.end()


def _findings(text: str) -> list[tuple[bool, str | None, str]]:
    """The findings of a cell as (labelled, label's modality, words): a finding opens at each
    label standing at the cell's start, after ';' or a line end, or after a sentence
    ("CT: nodules. MRI: T2 bright"), outside brackets; the words up to the next one are its own
    ("CT: nodules; hilar nodes" is one CT finding)."""
    depth, depths = 0, []
    for char in text:
        depths.append(depth)
        depth = depth + 1 if char in "([" else max(0, depth - 1) if char in ")]" else depth
    opens: list[tuple[int, bool, str | None, int]] = []  # (start, labelled, modality, words)
    for found in _OPENING.finditer(text):
        position = found.end()
        if position >= len(text) or depths[position]:
            continue
        labelled, modality, words = _label(text, position)
        if labelled and (not opens or opens[-1][0] != position):
            opens.append((position, True, modality, words))
    if not opens or text[:opens[0][0]].strip(" \t\n;"):
        opens.insert(0, (0, False, None, 0))
    findings = []
    for (_, labelled, modality, words), following in zip(
            opens, [*(o[0] for o in opens[1:]), len(text)], strict=True):
        own = text[words:following].strip().rstrip(";").strip()
        if own:
            findings.append((labelled, modality, " ".join(own.split())))
    return findings


# findings a cell may hold (each is an Observation whose numbered role must stay short)
MAX_FINDINGS = 50


def parse_imaging(text: str, hint: str | None, warn: Warn) -> tuple[ImagingFinding, ...]:
    """The imaging findings of a cell. `hint` is the modality the header names: a finding with a
    label ("CT: ...") has the label's ("Imaging: ..." none), one without the header's, else the
    one modality its own words name; a finding whose words name several has none (with a
    warning)."""
    findings = _findings(text)
    if len(findings) > MAX_FINDINGS:
        raise InvalidValue(f"{len(findings)} imaging findings in one cell; at most "
                           f"{MAX_FINDINGS} are read (split them over columns)")
    read = []
    for labelled, modality, words in findings:
        if not labelled:
            modality = hint
        if not labelled and modality is None:
            named = modalities_named(words)
            if len(named) == 1:
                modality = named[0]
            elif named:
                shown = ", ".join(MODALITIES[key] for key in named)
                warn(f"{shorten(words, 60)!r} names several imaging modalities ({shown}); kept "
                     "as one finding without a modality (write e.g. 'CT: ...; MRI: ...')")
        read.append(ImagingFinding(words, modality))
    return tuple(read)
