"""Treatment cells and treatment responses.

A treatment cell lists treatments in the order given ("crizotinib then resection"), separated by
";", ",", "+", "then", "followed by" or "and" outside brackets (never by "/" or a decimal comma:
"RT 3040 cGy/19 fx", "45,5 Gy" and "5-FU/leucovorin" are one item each). Each item is classified:

- radiotherapy: a radiotherapy word (RT, radiation, chemoradiation, IMRT...) or a dose in Gy/cGy,
  with the dose (in cGy) and fractions read ("30 Gy/10 fx", "3040 cGy in 19 fractions", "60 Gy");
  chemoradiation also gives its concurrent drugs, those its brackets name ("chemoradiation
  (weekly carboplatin + paclitaxel, 70 Gy in 35 fractions)"), else "chemotherapy";
- surgery: a resection word (excision, resection, -ectomy, amputation, debulking, surgery...);
- systemic: an entry of the treatment vocabulary (larotrectinib, chemotherapy...), a drug or
  regimen of the drug table (mappings/terminology/drugs.py, with its NCIt code where verified),
  or a systemic-therapy word (immunotherapy, inhibitor, "anti-EGFR therapy");
- other: anything else, kept as text with a warning.

A response cell ("PR to crizotinib", "Responded to larotrectinib; well tolerated") gives the
response term; the mapping ties it to the treatment it names.
"""

from __future__ import annotations

import re

from converter.problems import shorten
from converter.read.schema import Term, Treatment
from converter.read.values.terms import lookup
from converter.read.values.text import Warn, norm, split_outside_brackets
from mappings.terminology import entry, vocabulary
from mappings.terminology.drugs import find_drug

_SEPARATORS = re.compile(r"[;+]|(?<!\d),|,(?!\d)|\bthen\b|\bfollowed by\b|\band\b", re.I)

_RADIOTHERAPY = re.compile(
    r"\b(radiotherapy|radiation|chemoradiation|chemoradiotherapy|radiochemotherapy|irradiation|"
    r"irradiated|rt|xrt|ebrt|imrt|sbrt|srs|crt|proton|brachytherapy|radiosurgery|gamma knife)\b")
_CHEMORADIATION = re.compile(r"\b(chemoradi\w*|radiochemo\w*|crt)\b")
_DOSE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(c?gy)\b", re.I)
_FRACTIONS = re.compile(r"(\d+)\s*(?:fx|fr|fractions?)\b", re.I)
_SURGERY = re.compile(
    r"(ectomy|resection|resected|excision|excised|amputation|disarticulation|debulking|surgery|"
    r"surgical|operation|operated|dissection|enucleation|curettage|otomy|ostomy)\b")
_SYSTEMIC = re.compile(
    r"\b(chemo\w*|immunotherapy|targeted therapy|hormon\w* therapy|inhibitors?|anti [a-z0-9]+|"
    r"\w+(inib|mab|platin|rubicin|taxel|mustine|fosfamide|trexate|tinib|ciclib|lisib|parib))\b")


def _dose_and_fractions(text: str) -> tuple[int | float | None, int | None]:
    dose: int | float | None = None
    found = _DOSE.search(text)
    if found:
        value = float(found.group(1).replace(",", "."))
        value = value * 100 if found.group(2).casefold() == "gy" else value
        dose = int(value) if value.is_integer() else round(value, 2)
    fractions = _FRACTIONS.search(text)
    return dose, int(fractions.group(1)) if fractions else None


def _named_medication(words: str) -> str | None:
    """The treatment-vocabulary drug (larotrectinib...) named among the words of an item with
    more words than the name ("larotrectinib 100 mg/m2 twice daily")."""
    padded = f" {words} "
    for key, found in vocabulary("treatment").items():
        if found.attributes.get("kind") != "medication" or key == "chemotherapy":
            continue
        if any(f" {norm(synonym)} " in padded for synonym in found.synonyms):
            return key
    return None


def _concurrent_drugs(item: str) -> list[Treatment]:
    """The drugs given with a chemoradiation: those its brackets name, else chemotherapy."""
    drugs = []
    for inside in re.findall(r"\(([^()]*)\)", item):
        for start, end, _ in split_outside_brackets(inside, _SEPARATORS):
            part = inside[start:end].strip()
            key = lookup("treatment", part) or _named_medication(norm(part))
            if key is not None and entry("treatment", key).attributes.get("kind") == "medication":
                drugs.append(Treatment(part, "systemic", key, concurrent=True))
                continue
            drug = find_drug(part)
            if drug is not None:
                drugs.append(Treatment(part, "systemic", None, drug.ncit_code, drug.ncit_name,
                                       concurrent=True))
    return drugs or [Treatment("chemotherapy", "systemic", "chemotherapy", concurrent=True)]


def classify(item: str, warn: Warn) -> list[Treatment]:
    """The treatments one item of a cell stands for (none for "none", "observation"; two or more
    for a chemoradiation)."""
    key = lookup("treatment", item)
    if key == "none":
        return []
    kind = None if key is None else str(entry("treatment", key).attributes["kind"])
    words = norm(item)
    dose, fractions = _dose_and_fractions(item)
    if kind == "radiotherapy" or _RADIOTHERAPY.search(words) or dose is not None:
        course = Treatment(item, "radiotherapy", key if kind == "radiotherapy" else None,
                           dose_cgy=dose, fractions=fractions)
        return [course, *(_concurrent_drugs(item) if _CHEMORADIATION.search(words) else [])]
    return [_classify_other(item, key, kind, words, warn)]


def _classify_other(item: str, key: str | None, kind: str | None, words: str,
                    warn: Warn) -> Treatment:
    if kind == "medication":
        return Treatment(item, "systemic", key)
    if _SURGERY.search(words):
        surgery = lookup("surgery", item)
        return Treatment(item, "surgery", surgery if surgery not in (None, "none") else None)
    named = _named_medication(words)
    if named is not None:
        return Treatment(item, "systemic", named)
    drug = find_drug(item)
    if drug is not None:
        return Treatment(item, "systemic", None, drug.ncit_code, drug.ncit_name)
    if _SYSTEMIC.search(words):
        return Treatment(item, "systemic")
    warn(f"{shorten(item, 80)!r} is not a known treatment (surgery, radiotherapy, drug or "
         "regimen); kept as text without a code")
    return Treatment(item, "other")


def parse_treatments(text: str, hint: str | None, warn: Warn) -> tuple[Treatment, ...]:
    items = [text[start:end].strip()
             for start, end, _ in split_outside_brackets(text, _SEPARATORS)]
    treatments = tuple(treatment for item in items if item for treatment in classify(item, warn))
    if not treatments:  # "none", "observation": said, but FHIR has no resource to hold it
        warn(f"{shorten(text, 80)!r} says no treatment was given; nothing is written for it "
             "(the FHIR records the treatments given, not their absence)")
    return treatments


# "PR to crizotinib", "partial response after 3 cycles", "Responded to larotrectinib; well tolerated"
_RESPONSE_HEAD = re.compile(r"[;,(]|\b(?:to|after|with|on|under|following|of)\b", re.I)


def parse_treatment_response(text: str, hint: str | None, warn: Warn) -> Term:
    key = lookup("response", text)
    if key is None:
        head = _RESPONSE_HEAD.split(text, maxsplit=1)[0]
        key = lookup("response", head) if head.strip() else None
    if key is None:
        warn(f"{shorten(text, 80)!r} is not a known treatment response; kept as text without a code")
    return Term(text=text, key=key)
