"""Course after treatment: local recurrence (or its absence) and the status at last follow-up, each an mCODE
CancerDiseaseStatus (LOINC 97509-4) focused on the primary cancer, timed relative to the surgery
with cqf-relativeDateTime (guide §2.5-2.6). A casefhir category says which of the two (or a
treatment response) an observation records, so a server can be asked for each."""

from __future__ import annotations

import re
from typing import Any

from converter.read.schema import CaseRecord, plain_number
from mappings import profiles
from mappings.common import (
    CaseResources,
    Cells,
    Resource,
    after_anchor,
    number_text,
    offset_months,
    origin_anchor,
    patient_ref,
    primary_ref,
    resource,
    status_concept,
)
from mappings.terminology import codeable, coding, entry

# No code in the guide's VERIFIED lists says "no local recurrence" (the value set is preferred,
# so text alone is valid); the category says what the observation is about.
NO_RECURRENCE = "No local recurrence"


def disease_status(record: CaseRecord, role: str, category_key: str,
                   value: dict[str, Any] | None, timing: dict[str, Any] | None,
                   notes: str | list[str] | None) -> Resource:
    texts = [notes] if isinstance(notes, str) else list(notes or [])
    return resource(
        "Observation", record, role, profiles.CANCER_DISEASE_STATUS,
        status="final",
        category=[codeable(category_key)],
        code={"coding": [coding("cancer-disease-progression")]},
        subject=patient_ref(record),
        focus=[primary_ref(record)],
        _effectiveDateTime=timing,
        valueCodeableConcept=value,
        dataAbsentReason=None if value else codeable("data-absent-unknown"),
        note=[{"text": t} for t in texts] or None,
    )


# A status that says nothing of the cancer (DOC, alive, dead) gets no value: "undetermined"
# would claim the disease was assessed. The value is 0..1 and a dataAbsentReason is allowed
# (obs-6: only without a value); the table's words stay in a note.
STATUS_NOTE = "Status at last follow-up (says nothing of the cancer): "
FOLLOW_UP_TEXT_NOTE = "Follow-up: "  # a follow-up cell no time could be read from


def last_status(record: CaseRecord) -> tuple[dict[str, Any] | None, str | None]:
    """The CancerDiseaseStatus value for the status at last follow-up, or (None, a note with
    the table's words) when the status says nothing coded or worded about the cancer."""
    status = record.status
    if status is None:
        return None, None
    if status.key is None:  # words the vocabulary does not know: kept as they are
        return {"text": status.text}, None
    item = entry("status", status.key)
    if item.attributes.get("value"):
        return status_concept(record, status, "status"), None
    if item.attributes.get("disease") == "text":  # AWD: disease present, no code says so
        return {"text": status.text}, None
    return None, STATUS_NOTE + status.text


def to_fhir_outcome(record: CaseRecord) -> list[Resource]:
    resources = []
    recurrence = record.recurrence
    if recurrence is not None and recurrence.occurred:
        resources.append(disease_status(
            record, "recurrence", "status-local-recurrence",
            codeable("condition-worsened", text="Local recurrence"),
            after_anchor(record, recurrence.months), recurrence.text))
    elif recurrence is not None:  # the pertinent negative, as of the last follow-up
        resources.append(disease_status(
            record, "recurrence", "status-local-recurrence", {"text": NO_RECURRENCE},
            after_anchor(record, record.follow_up_months, record.follow_up_origin),
            recurrence.text))
    if record.status is not None or record.follow_up_months is not None or \
            record.follow_up_text is not None:
        value, status_note = last_status(record)
        notes = []
        if record.follow_up_text is not None:  # words no time could say without guessing
            notes.append(FOLLOW_UP_TEXT_NOTE + record.follow_up_text)
        if record.follow_up_months is not None:
            anchor = origin_anchor(record, record.follow_up_origin)[2]
            if record.follow_up_censored:  # "36+": the table's own mark, kept where it reads back
                notes.append(f"Last follow-up {record.follow_up_months}+ months after {anchor} "
                             f"{CENSORED}")
            else:
                notes.append(f"Last follow-up {record.follow_up_months} months after {anchor}")
        if status_note is not None:
            notes.append(status_note)
        resources.append(disease_status(
            record, "last-follow-up", "status-last-follow-up", value,
            after_anchor(record, record.follow_up_months, record.follow_up_origin), notes))
    resources += survival_statuses(record)
    return resources


# what "36+" says, in the last follow-up's note (from_fhir_outcome reads the "+" back)
CENSORED = "(censored: no event seen by the last contact)"
# The event of disease-free (recurrence-free) survival is a recurrence, a progression or a death
# without either, that of progression-free survival a progression or a death: a status column
# says only that its endpoint's event happened, not which, so neither is "condition worsened"
# (a death without recurrence is no worsening of the cancer), and no verified code says "an
# event of this endpoint". The value is text only (the binding is preferred), the table's words
# stay in the note (docs/mapping.md, Least committal values).
SURVIVAL_EVENTS = {  # role: (category, the event's words, the pertinent negative's)
    "dfs": ("status-disease-free-survival",
            "Disease-free survival event (recurrence, progression or death)",
            "No disease-free survival event (censored: no recurrence, progression or death seen)"),
    "pfs": ("status-progression-free-survival",
            "Progression-free survival event (progression or death)",
            "No progression-free survival event (censored: no progression or death seen)"),
}


def survival_statuses(record: CaseRecord) -> list[Resource]:
    """The DFS / PFS status at its time: the endpoint's event, or its absence (censored), as
    text only; the note keeps the table's words."""
    resources = []
    for role, (category, event_text, censored_text) in SURVIVAL_EVENTS.items():
        event = getattr(record, role)
        if event is None:
            continue
        value = {"text": event_text if event.occurred else censored_text}
        notes = [event.text]
        if event.months is not None:  # what the time counts from, in words (from_fhir reads it)
            notes.append(f"{SURVIVAL_TIMES[role]} {number_text(event.months)} months after "
                         f"{origin_anchor(record, event.origin)[2]}")
        resources.append(disease_status(record, role, category, value,
                                        after_anchor(record, event.months, event.origin), notes))
    return resources


SURVIVAL_TIMES = {"dfs": "Disease-free survival time:", "pfs": "Progression-free survival time:"}
# "… 36 months after study entry (censored …)": the months and the origin's words
_AFTER = re.compile(r"(\d+(?:\.\d+)?)\+? months after (.+?)(?: \(censored|$)")


def _months(timing: dict[str, Any] | None, notes: list[dict[str, Any]],
            prefix: str) -> int | float | None:
    """The months of a time: its cqf-relativeDateTime's offset, else (an origin no resource
    records: the time has a data-absent-reason) the note's."""
    months = offset_months(timing)
    if months is not None:
        return months
    for note in notes:
        text = note.get("text", "")
        found = _AFTER.search(text) if text.startswith(prefix) else None
        if found:
            return plain_number(float(found.group(1)))
    return None


def _origin_cell(months: int | float, notes: list[dict[str, Any]], case: CaseResources,
                 prefix: str) -> str:
    """The time as a cell, with "from <origin>" when the note names one other than the default
    (the surgery when the case has one, else the diagnosis), so that it reads back the same."""
    default = "surgery" if "surgery" in case else "diagnosis"
    for note in notes:
        text = note.get("text", "")
        found = _AFTER.search(text) if text.startswith(prefix) else None
        if found and found.group(2) != default:
            return f"{number_text(months)} from {found.group(2)}"
    return number_text(months)


def from_fhir_outcome(case: CaseResources) -> Cells:
    """recurrence (with its time when it occurred), status and follow-up time back from the
    CancerDiseaseStatus observations."""
    cells: Cells = {}
    recurrence = case.get("recurrence")
    if recurrence is not None:
        cells["recurrence"] = recurrence["note"][0]["text"]
        months = offset_months(recurrence.get("_effectiveDateTime"))
        if recurrence["valueCodeableConcept"].get("coding") and months is not None:
            cells["recurrence_months"] = number_text(months)
    last = case.get("last-follow-up")
    if last is not None:
        if "valueCodeableConcept" in last:
            cells["status"] = last["valueCodeableConcept"]["text"]
        for note in last.get("note", []):
            if note["text"].startswith(STATUS_NOTE):
                cells["status"] = note["text"].removeprefix(STATUS_NOTE)
            elif note["text"].startswith(FOLLOW_UP_TEXT_NOTE):  # words no time could say
                cells["follow_up_months"] = note["text"].removeprefix(FOLLOW_UP_TEXT_NOTE)
        months = _months(last.get("_effectiveDateTime"), last.get("note", []), "Last follow-up")
        if months is not None:
            censored = any(CENSORED in n.get("text", "") for n in last.get("note", []))
            cell = _origin_cell(months, last.get("note", []), case, "Last follow-up")
            cells["follow_up_months"] = cell.replace(" ", "+ ", 1) if censored and " " in cell \
                else cell + ("+" if censored else "")
    for role in SURVIVAL_EVENTS:
        found = case.get(role)
        if found is not None:
            cells[f"{role}_status"] = found["note"][0]["text"]
            months = _months(found.get("_effectiveDateTime"), found["note"], SURVIVAL_TIMES[role])
            if months is not None:
                cells[f"{role}_months"] = _origin_cell(months, found["note"], case,
                                                       SURVIVAL_TIMES[role])
    return cells
