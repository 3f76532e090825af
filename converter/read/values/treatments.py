"""Treatment cells and treatment responses.

A treatment cell lists treatments in the order given ("crizotinib then resection"), separated by
";", ",", "+", "then", "followed by" or "and" outside brackets (never by "/" or a decimal comma:
"RT 3040 cGy/19 fx", "45,5 Gy" and "5-FU/leucovorin" are one item each). Each item is classified:

- radiotherapy: a radiotherapy word (RT, radiation, chemoradiation, IMRT...) or a dose in Gy/cGy,
  with the dose (in cGy) and fractions read ("30 Gy/10 fx", "3040 cGy in 19 fractions", "60 Gy");
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
from mappings.terminology import entry
from mappings.terminology.drugs import find_drug

_SEPARATORS = re.compile(r"[;+]|(?<!\d),|,(?!\d)|\bthen\b|\bfollowed by\b|\band\b", re.I)

_RADIOTHERAPY = re.compile(
    r"\b(radiotherapy|radiation|chemoradiation|chemoradiotherapy|radiochemotherapy|irradiation|"
    r"irradiated|rt|xrt|ebrt|imrt|sbrt|srs|crt|proton|brachytherapy|radiosurgery|gamma knife)\b")
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


def classify(item: str, warn: Warn) -> Treatment | None:
    """The treatment one item of a cell stands for (None: "none", "observation")."""
    key = lookup("treatment", item)
    if key == "none":
        return None
    kind = None if key is None else str(entry("treatment", key).attributes["kind"])
    words = norm(item)
    dose, fractions = _dose_and_fractions(item)
    if kind == "radiotherapy" or _RADIOTHERAPY.search(words) or dose is not None:
        return Treatment(item, "radiotherapy", key if kind == "radiotherapy" else None,
                         dose_cgy=dose, fractions=fractions)
    if kind == "medication":
        return Treatment(item, "systemic", key)
    if _SURGERY.search(words):
        surgery = lookup("surgery", item)
        return Treatment(item, "surgery", surgery if surgery not in (None, "none") else None)
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
    found = (classify(item, warn) for item in items if item)
    return tuple(treatment for treatment in found if treatment is not None)


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
