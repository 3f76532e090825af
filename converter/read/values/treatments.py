"""Treatment cells and treatment responses.

A treatment cell lists treatments in the order given ("crizotinib then resection"), separated by
";", ",", "+", "then", "followed by" or "and" outside brackets (never by "/" or a decimal comma:
"RT 3040 cGy/19 fx", "45,5 Gy" and "5-FU/leucovorin" are one item each). Each item is classified:

- radiotherapy: a radiotherapy word (RT, radiation, chemoradiation, IMRT...) or a dose in Gy/cGy,
  with the dose (in cGy) and fractions read ("30 Gy/10 fx", "3040 cGy in 19 fractions", "60 Gy");
  chemoradiation also gives its concurrent drugs, those its brackets name ("chemoradiation
  (weekly carboplatin + paclitaxel, 70 Gy in 35 fractions)"), else "chemotherapy";
- surgery: a resection word (excision, resection, -ectomy, amputation, debulking, surgery,
  removal...);
- systemic: an entry of the treatment vocabulary (larotrectinib, chemotherapy...), a drug or
  regimen of the drug table (mappings/terminology/drugs.py, with its NCIt code where verified),
  or a systemic-therapy word (immunotherapy, inhibitor, "anti-EGFR therapy");
- other: anything else, kept as text with a warning.

A drug is recognised whatever words surround it ("imatinib 400 mg/day", "crizotinib at
relapse"); one the drug table names without a verified code, or a drug-like word it does not
name, is kept as text with a warning. A regimen ("VIDE regimen", "VDC/IE") and chemotherapy
without agents ("Four cycles of chemotherapy") are classed as chemotherapy, their text kept.

Only what the cell says happened is a performed treatment: an item saying it was not given
("Surgery unfeasible", "no radiotherapy", "declined chemotherapy", "... without adjuvant chemo-
or radiotherapy", whose head "Resection" was performed) has the status "not-done" with those
words as its reason; one only planned or proposed ("Adjuvant chemotherapy planned", "amputation
suggested") the status "planned" or "proposed". Words in brackets are about the item ("Chemotherapy
(no response)") and never make it one not given.

Several columns may give treatments ("Treatment", "Adjuvant therapy"): their items are read in
table order, and a heading that says when they were given ("Neoadjuvant therapy") is kept as
each item's `context`.

A response cell ("PR to crizotinib", "Responded to larotrectinib; well tolerated") gives the
response term; the mapping ties it to the treatment it names.
"""

from __future__ import annotations

import re
from dataclasses import replace

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
    r"(ectomy|resection|resected|excision|excisional|excised|amputation|disarticulation|"
    r"debulking|surgery|removal|removed|"
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


_BRACKETS = re.compile(r"\([^()]*\)")
_NOT_GIVEN_HEAD = re.compile(r"^\s*(no|not|without|never|declined|refused|omitted)\b", re.I)
_NOT_GIVEN = re.compile(
    r"\b(unfeasible|infeasible|not feasible|not possible|impossible|not performed|not given|"
    r"not done|not indicated|declined|refused|contraindicated|omitted|deferred)\b", re.I)
_WITHOUT = re.compile(r"\bwithout\b", re.I)
_PLANNED = re.compile(r"\b(planned|scheduled)\b", re.I)
_PROPOSED = re.compile(r"\b(suggested|recommended|proposed|advised|offered)\b", re.I)
# "unresectable", "inoperable": a surgery not done, whatever the other words
_NOT_OPERABLE = re.compile(r"\b(unresectable|inoperable|not resectable|not operable)\b", re.I)
# "chemo- or radiotherapy": the elided "therapy" of the first word written out
_ELIDED = re.compile(r"\b(\w+)-\s+(or|and)\s+(\w+?)(therapy)\b", re.I)
_ALTERNATIVES = re.compile(r"\bor\b|/", re.I)
_CHEMOTHERAPY_WORDS = re.compile(r"\b(chemo\w*|polychemotherapy)\b")


def _with_status(treatments: list[Treatment], status: str, text: str,
                 reason: str | None) -> list[Treatment]:
    return [replace(t, status=status, text=text, status_reason=reason) for t in treatments]


def _not_given(words: str, text: str, reason: str, warn: Warn) -> list[Treatment]:
    """The treatments an item says were not given ("adjuvant chemo- or radiotherapy" → a
    chemotherapy and a radiotherapy, each not done)."""
    expanded = _ELIDED.sub(lambda m: f"{m.group(1)}{m.group(4)} {m.group(2)} {m.group(3)}"
                                     f"{m.group(4)}", words)
    found: list[Treatment] = []
    for part in _ALTERNATIVES.split(expanded):
        part = part.strip(" ,;-")
        if part:
            found.extend(_performed(part, warn, quiet=True))
    return _with_status(found or [Treatment(words.strip(), "other")], "not-done", text, reason)


def classify(item: str, warn: Warn) -> list[Treatment]:
    """The treatments one item of a cell stands for: none for "none", "observation"; two or
    more for a chemoradiation or "resection without adjuvant radiotherapy"; each with its status
    (performed, not done, planned, proposed)."""
    outside = _BRACKETS.sub(" ", item)
    head = _NOT_GIVEN_HEAD.match(outside)
    if head is not None and lookup("treatment", item) != "none":
        rest = item[head.end():].strip()
        return _not_given(rest or item, item, item, warn) if rest else []
    without = _WITHOUT.search(outside)
    if without is not None:
        done, missing = item[:without.start()].strip(" ,;"), item[without.start():].strip()
        negated = missing[len(without.group()):].strip()
        return [*(classify(done, warn) if done else []),
                *(_not_given(negated, missing, missing, warn) if negated else [])]
    inoperable = _NOT_OPERABLE.search(outside)
    if inoperable is not None:
        return [Treatment(item, "surgery", status="not-done", status_reason=inoperable.group())]
    refused = _NOT_GIVEN.search(outside)
    if refused is not None:
        rest = _NOT_GIVEN.sub(" ", item).strip(" ,;:-")
        return _not_given(rest or item, item, refused.group(), warn)
    planned, proposed = _PLANNED.search(outside), _PROPOSED.search(outside)
    if planned is not None or proposed is not None:
        rest = _PROPOSED.sub(" ", _PLANNED.sub(" ", item)).strip(" ,;:-")
        status = "planned" if planned is not None else "proposed"
        return _with_status(_performed(rest or item, warn, quiet=True), status, item, None)
    return _performed(item, warn)


def _performed(item: str, warn: Warn, quiet: bool = False) -> list[Treatment]:
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
    return [_classify_other(item, key, kind, words, warn, quiet)]


def _classify_other(item: str, key: str | None, kind: str | None, words: str,
                    warn: Warn, quiet: bool) -> Treatment:
    if kind == "medication":
        return Treatment(item, "systemic", key)
    if _SURGERY.search(words):
        surgery = lookup("surgery", item)
        return Treatment(item, "surgery", surgery if surgery not in (None, "none") else None)
    named = _named_medication(words)
    if named is not None:
        return Treatment(item, "systemic", named)
    # the drug table lists "Chemotherapy" as an agent: a drug is looked for among the other
    # words ("chemotherapy (VAC alternating with IE)" is VAC)
    drug = find_drug(_CHEMOTHERAPY_WORDS.sub(" ", words))
    if drug is not None and drug.kind == "regimen" and "," in (drug.agents or ""):
        return Treatment(item, "systemic", "chemotherapy-regimen", drug=drug.name,
                         agents=drug.agents)
    if drug is not None:
        if drug.ncit_code is None and not quiet:
            warn(f"{shorten(item, 80)!r}: {drug.name} is a known drug (GDC therapeutic agents) "
                 "but casefhir has no verified code for it; kept as text without a code")
        return Treatment(item, "systemic", None, drug.ncit_code, drug.ncit_name, drug=drug.name)
    if _CHEMOTHERAPY_WORDS.search(words):  # "Four cycles of chemotherapy": agents not named
        return Treatment(item, "systemic", "chemotherapy")
    if _SYSTEMIC.search(words):
        if not quiet:
            warn(f"{shorten(item, 80)!r} is not a drug or regimen casefhir knows (a systemic "
                 "therapy by its words); kept as text without a code")
        return Treatment(item, "systemic")
    if not quiet:
        warn(f"{shorten(item, 80)!r} is not a known treatment (surgery, radiotherapy, drug or "
             "regimen); kept as text without a code")
    return Treatment(item, "other")


def parse_treatments(text: str, hint: str | None, warn: Warn) -> tuple[Treatment, ...]:
    """The treatments of a cell, in order; `hint` is the column's heading when it says when
    they were given ("Neoadjuvant therapy"), kept as each one's context."""
    items = [text[start:end].strip()
             for start, end, _ in split_outside_brackets(text, _SEPARATORS)]
    found = []
    for item in items:
        labelled = _LABEL.match(item)  # "Adjuvant therapy: larotrectinib"
        context, item = (labelled.group(1).strip(), labelled.group(2)) if labelled else (hint, item)
        found += [replace(treatment, context=context) if context else treatment
                  for treatment in (classify(item, warn) if item else [])]
    if not found:  # "none", "observation": said, but FHIR has no resource to hold it
        warn(f"{shorten(text, 80)!r} says no treatment was given; nothing is written for it "
             "(the FHIR records the treatments given, not their absence)")
    return tuple(found)


# an item's own label saying when it was given (as flatten writes a column heading back)
_LABEL = re.compile(r"^\s*((?:neo)?adjuvant\b[^:;()]{0,40}):\s*(.+)$", re.I | re.S)


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
