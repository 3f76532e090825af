"""Imaging: the modality a header or a text names (MRI, CT, PET/CT, PET, ultrasound, X-ray,
endoscopy), and imaging narratives (`CT: lung nodules; MRI: T2 bright`), each finding with the
modality its label, its column's header or its own words state, and none when none does.
"""

from __future__ import annotations

import re
from itertools import pairwise

from converter.problems import shorten
from converter.read.schema import MODALITIES, ImagingFinding
from converter.read.values.text import InvalidValue, Warn, split_outside_brackets

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
    """Whether a header is a modality and nothing but findings words ("CT", "PET-CT findings",
    "Ultrasound description")."""
    upper = header_words(header)
    if modality_named(upper) is None:
        return False
    rest = upper
    for _, pattern in _WORDS:
        rest = pattern.sub(" ", rest)
    return " ".join(re.findall(r"[a-z]+", rest.casefold())) in FINDINGS_WORDS


# a modality label opening a finding: "CT:", "PET-CT -", "MRI showed" is no label (its words)
_LABEL = re.compile(r"\s*(?P<label>[A-Za-z][A-Za-z /-]{0,24}?)\s*:\s*")
_SENTENCE_LABEL = re.compile(r"(?<=[.;\n])\s*[A-Za-z][A-Za-z /-]{0,24}?\s*:")
_SEPARATORS = re.compile(r";|\n")


def _labelled(part: str) -> tuple[str | None, str]:
    """A part's modality label and the words after it ("CT: nodules" → ("ct", "nodules")); a
    part with no modality label, or only a label, is (None, part)."""
    found = _LABEL.match(part)
    if found is None:
        return None, part
    label = found.group("label")
    words = part[found.end():].strip()
    modality = modality_named(label.upper())
    if modality is None or not words or re.sub(r"[^a-z]", "", label.casefold()) not in _LABEL_KEYS:
        return None, part
    return modality, words


# the labels a finding may open with (letters only): the modality words themselves
_LABEL_KEYS = {"mri", "mr", "ct", "pet", "petct", "fdgpet", "fdgpetct", "us", "ultrasound",
               "ultrasonography", "sonography", "usg", "xray", "xrays", "radiograph",
               "radiography", "plainfilm", "plainradiograph", "endoscopy", "colonoscopy",
               "gastroscopy", "bronchoscopy", "egd", "cect", "ctscan", "mrimaging",
               "ctfindings", "mrifindings", "ultrasoundfindings"}


def _parts(text: str) -> list[str]:
    """The findings of a cell: split at ';' and line ends outside brackets, and before a
    modality label that opens a sentence ("CT: nodules. MRI: T2 bright")."""
    parts: list[str] = []
    for start, end, _ in split_outside_brackets(text, _SEPARATORS):
        part = text[start:end].strip()
        cuts = [0] + [m.start() for m in _SENTENCE_LABEL.finditer(part)
                      if _labelled(part[m.start():].strip())[0] is not None] + [len(part)]
        parts.extend(piece for a, b in pairwise(cuts)
                     if (piece := part[a:b].strip()))
    return parts


# findings a cell may hold (each is an Observation whose numbered role must stay short)
MAX_FINDINGS = 50


def parse_imaging(text: str, hint: str | None, warn: Warn) -> tuple[ImagingFinding, ...]:
    """The imaging findings of a cell. `hint` is the modality the header names: a finding with a
    label ("CT: ...") has the label's, one without the header's, else the one modality its own
    words name; a finding whose words name several has none (with a warning)."""
    parts = _parts(text)
    if len(parts) > MAX_FINDINGS:
        raise InvalidValue(f"{len(parts)} imaging findings in one cell; at most {MAX_FINDINGS} "
                           "are read (split them over columns, or join some with ',')")
    findings = []
    for part in parts:
        modality, words = _labelled(part)
        if modality is None:
            modality = hint
        if modality is None:
            named = modalities_named(words)
            if len(named) == 1:
                modality = named[0]
            elif named:
                shown = ", ".join(MODALITIES[key] for key in named)
                warn(f"{shorten(words, 60)!r} names several imaging modalities ({shown}); kept "
                     "as one finding without a modality (write e.g. 'CT: ...; MRI: ...')")
        findings.append(ImagingFinding(" ".join(words.split()), modality))
    return tuple(findings)
