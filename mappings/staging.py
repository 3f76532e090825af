"""Stage, TNM categories, extent and histologic grade.

- The stage group is an Observation (mCODE CancerStage) whose code says the staging system:
  "TNM stage grouping" (clinical / pathologic when the categories carry c / p) when TNM
  categories or AJCC / UICC / TNM are written, the FIGO stage type for FIGO, and NCIt "Neoplasm
  Stage" for a bare "Stage III" (all enumerated in mCODE 4.0.0 ValueSets). Its value is text,
  except FIGO groups, which mCODE's FIGO ValueSet enumerates: the AJCC stage group codes are
  SNOMED CT descendants of a filter (mcode-tnm-stage-group-vs), none enumerated or verified by
  the guide, and the binding is preferred, so text alone is valid.
- mCODE's TNMStageGroup and TNM category profiles require `method`, an AJCC edition, which a
  paper's "pT2N0M0" does not give; casefhir claims their parent, CancerStage (method optional),
  rather than claim a profile it cannot fill. Each T, N, M category is its own CancerStage
  Observation (code T / cT / pT category ..., enumerated), value text, a member of the group.
- Extent and resectability words ("inoperable", "locally advanced") are a US Core simple
  observation with casefhir's `disease-extent` code and the words as text: no verified code
  says such a thing, and they are never a metastasis.
- The grade is mCODE HistologicGrade (code fixed to NCIt C18000); low / intermediate / high in
  words get the SNOMED CT codes its ValueSet enumerates, a number ("FNCLCC 2") stays text (the
  level of grade 2 depends on the system's tiers), the system ("FNCLCC") is the method's text.
"""

from __future__ import annotations

from converter.read.schema import CaseRecord, Grade, Stage
from mappings import profiles
from mappings.common import CaseResources, Cells, Resource, patient_ref, primary_ref, ref, resource
from mappings.terminology import codeable, concepts

TNM_GROUPING = {None: "tnm-stage-grouping", "c": "clinical-tnm-stage-grouping",
                "p": "pathologic-tnm-stage-grouping"}
CATEGORY_ROLES = ("stage-t", "stage-n", "stage-m")


def _group_code(stage: Stage) -> str:
    if stage.system == "figo":
        return "figo-stage"
    if stage.system == "tnm":
        return TNM_GROUPING[stage.prefix]
    return "neoplasm-stage"


def _group_value(stage: Stage) -> dict[str, object]:
    assert stage.group is not None
    if stage.system == "figo":
        text = f"FIGO Stage {stage.group}"
        key = f"figo-stage-{stage.group.lower()}"
        return codeable(key, text=text) if key in concepts() else {"text": text}
    return {"text": f"Stage {stage.group}"}


def _categories(record: CaseRecord, stage: Stage) -> list[Resource]:
    made = []
    for role, letter, value in zip(CATEGORY_ROLES, "tnm", (stage.t, stage.n, stage.m),
                                   strict=True):
        if value is None:
            continue
        made.append(resource(
            "Observation", record, role, profiles.CANCER_STAGE,
            status="final",
            category=[codeable("laboratory")],
            code=codeable(f"{stage.prefix or ''}{letter}-category"),
            subject=patient_ref(record),
            focus=[primary_ref(record)],
            valueCodeableConcept={"text": value},
        ))
    return made


def to_fhir_stage(record: CaseRecord) -> list[Resource]:
    stage = record.stage
    if stage is None:
        return []
    made = _categories(record, stage)
    members = [ref("Observation", record, role)
               for role, value in zip(CATEGORY_ROLES, (stage.t, stage.n, stage.m), strict=True)
               if value is not None]
    if stage.group is not None:
        made.append(resource(
            "Observation", record, "stage", profiles.CANCER_STAGE,
            status="final",
            category=[codeable("laboratory")],
            code=codeable(_group_code(stage)),
            subject=patient_ref(record),
            focus=[primary_ref(record)],
            valueCodeableConcept=_group_value(stage),
            hasMember=members or None,
        ))
    if stage.extent is not None:
        made.append(resource(
            "Observation", record, "disease-extent", profiles.US_CORE_SIMPLE_OBSERVATION,
            status="final",
            category=[codeable("exam")],
            code=codeable("disease-extent", text="Extent of disease"),
            subject=patient_ref(record),
            focus=[primary_ref(record)],
            valueCodeableConcept={"text": stage.extent},
        ))
    return made


def to_fhir_grade(record: CaseRecord) -> list[Resource]:
    grade: Grade | None = record.grade
    if grade is None:
        return []
    value = (codeable(f"{grade.level}-histologic-grade", text=grade.text) if grade.level
             else {"text": grade.text})
    return [resource(
        "Observation", record, "histologic-grade", profiles.HISTOLOGIC_GRADE,
        extension=[{"url": profiles.RELATED_CONDITION, "valueReference": primary_ref(record)}],
        status="final",
        category=[codeable("laboratory")],
        code=codeable("histologic-grade"),
        subject=patient_ref(record),
        valueCodeableConcept=value,
        method={"text": grade.system} if grade.system else None,
    )]


def from_fhir_staging(case: CaseResources) -> Cells:
    """stage (the group, the TNM categories and the extent, joined with "; ") and grade back
    from their Observations, in words the stage parser reads back to the same resources."""
    cells: Cells = {}
    parts: list[str] = []
    group = case.get("stage")
    if group is not None:
        text = group["valueCodeableConcept"]["text"]
        codes = {c["code"] for c in group["code"].get("coding", [])}
        tnm_codes = {concepts()[key].code for key in TNM_GROUPING.values()}
        parts.append(f"TNM {text}" if codes & tnm_codes else text)
    categories = [case[role] for role in CATEGORY_ROLES if role in case]
    if categories:
        code = categories[0]["code"]["coding"][0]["code"]
        prefix = next((p for p in "cp" for letter in "tnm"
                       if concepts()[f"{p}{letter}-category"].code == code), "")
        parts.append(prefix + "".join(c["valueCodeableConcept"]["text"] for c in categories))
    extent = case.get("disease-extent")
    if extent is not None:
        parts.append(extent["valueCodeableConcept"]["text"])
    if parts:
        cells["stage"] = "; ".join(parts)
    grade = case.get("histologic-grade")
    if grade is not None:
        cells["grade"] = grade["valueCodeableConcept"]["text"]
    return cells
