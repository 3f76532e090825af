"""Performance status: mCODE 4.0.0 ECOG Performance Status
(http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-ecog-performance-status) and Karnofsky
Performance Status (http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-karnofsky-performance-status)
Observations.

- `code` the LOINC code each profile fixes (89247-1 ECOG Performance Status score, 89243-0
  Karnofsky Performance Status score), `category` survey (as mCODE's own examples), `status`
  final, `valueInteger` the score (the profiles' only value type);
- `interpretation` (bound, required, to the LOINC answer lists LL529-9 / LL4986-7, which the
  mCODE package does not contain) only for the answers the package's examples verify: ECOG 0
  (LA9622-7) and Karnofsky 90 (LA29176-7); other scores carry none rather than an unverified
  answer code;
- no `effective[x]`: the table gives no date, and the profiles do not require one.
"""

from __future__ import annotations

from converter.read.schema import CaseRecord, PerformanceStatus
from mappings import profiles
from mappings.common import CaseResources, Cells, Resource, patient_ref, resource
from mappings.terminology import codeable

# score → concept key of its verified LOINC answer
ECOG_ANSWERS = {0: "ecog-0-fully-active"}
KARNOFSKY_ANSWERS = {90: "karnofsky-90-normal-activity"}
SCALES = (  # record field / role, profile, code concept, verified answers
    ("ecog", profiles.ECOG_PERFORMANCE_STATUS, "ecog-performance-status", ECOG_ANSWERS),
    ("karnofsky", profiles.KARNOFSKY_PERFORMANCE_STATUS, "karnofsky-performance-status",
     KARNOFSKY_ANSWERS),
)


def to_fhir_performance_status(record: CaseRecord) -> list[Resource]:
    made: list[Resource] = []
    for field_name, profile, code, answers in SCALES:
        status: PerformanceStatus | None = getattr(record, field_name)
        if status is None:
            continue
        answer = answers.get(status.score)
        made.append(resource(
            "Observation", record, field_name, profile,
            status="final",
            category=[codeable("survey")],
            code=codeable(code),
            subject=patient_ref(record),
            valueInteger=status.score,
            interpretation=[codeable(answer)] if answer else None,
        ))
    return made


def from_fhir_performance_status(case: CaseResources) -> Cells:
    """ecog and karnofsky back: the score."""
    return {field_name: str(case[field_name]["valueInteger"])
            for field_name, *_ in SCALES if field_name in case}
