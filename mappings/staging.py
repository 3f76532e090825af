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
  Each category takes its own prefix ("pT1a pN0 cM0": pT, pN, cM category). The y (post-therapy),
  r (recurrence) and a (autopsy) prefixes have no code in mCODE's staging-type ValueSets (nor in
  the guide): the code stays the classification written with them ("ypT2" a pT category, "ycT3"
  a cT category, "aT2" a T category; never clinical for a "p"), and the prefix is kept in words —
  the code's text ("ypT category (post-therapy)", "ypTNM stage grouping (post-therapy)") and the
  category's value ("ypT2") — so no reader takes a post-therapy stage for a first one.
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
# the TNM prefixes that modify the classification (AJCC / UICC), which no verified code names
MODIFIERS = {"y": "post-therapy", "r": "recurrence", "a": "autopsy", "yr": "post-therapy, recurrence",
             "ry": "post-therapy, recurrence"}


def _classification(prefix: str | None) -> tuple[str | None, str]:
    """The classification ("c", "p" or None) and the modifier ("y", "r", "a" or "") of a prefix."""
    if not prefix:
        return None, ""
    if prefix[-1] in "cp":
        return prefix[-1], prefix[:-1]
    return None, prefix


def _group_code(stage: Stage) -> dict[str, object]:
    if stage.system == "figo":
        return codeable("figo-stage")
    if stage.system == "tnm":
        classification, modifier = _classification(stage.prefix)
        text = (f"{stage.prefix}TNM stage grouping ({MODIFIERS[modifier]})" if modifier
                else None)
        return codeable(TNM_GROUPING[classification], text=text)
    return codeable("neoplasm-stage")


def _group_value(stage: Stage) -> dict[str, object]:
    assert stage.group is not None
    if stage.system == "figo":
        text = f"FIGO Stage {stage.group}"
        key = f"figo-stage-{stage.group.lower()}"
        return codeable(key, text=text) if key in concepts() else {"text": text}
    return {"text": f"Stage {stage.group}"}


def _categories(record: CaseRecord, stage: Stage) -> list[Resource]:
    made = []
    own = (stage.prefix, stage.n_prefix or stage.prefix, stage.m_prefix or stage.prefix)
    for role, letter, value, prefix in zip(CATEGORY_ROLES, "tnm", (stage.t, stage.n, stage.m),
                                           own, strict=True):
        if value is None:
            continue
        classification, modifier = _classification(prefix)
        code_text = (f"{prefix}{letter.upper()} category ({MODIFIERS[modifier]})" if modifier
                     else None)
        made.append(resource(
            "Observation", record, role, profiles.CANCER_STAGE,
            status="final",
            category=[codeable("laboratory")],
            code=codeable(f"{classification or ''}{letter}-category", text=code_text),
            subject=patient_ref(record),
            focus=[primary_ref(record)],
            valueCodeableConcept={"text": f"{prefix}{value}" if modifier else value},
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
            code=_group_code(stage),
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


def _written_category(category: Resource) -> tuple[str, str]:
    """The classification prefix its code gives ("c", "p" or "") and its value's text."""
    code = category["code"]["coding"][0]["code"]
    prefix = next((p for p in "cp" for letter in "tnm"
                   if concepts()[f"{p}{letter}-category"].code == code), "")
    return prefix, category["valueCodeableConcept"]["text"]


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
        written = [_written_category(category) for category in categories]
        prefixes = {prefix for prefix, _ in written}
        if len(prefixes) == 1 and all(text[0] in "TNM" for _, text in written):
            parts.append(prefixes.pop() + "".join(text for _, text in written))
        else:  # own prefixes, or a y / r / a kept in the values: each as written
            parts.append(" ".join(text if text[0] not in "TNM" else prefix + text
                                  for prefix, text in written))
    extent = case.get("disease-extent")
    if extent is not None:
        parts.append(extent["valueCodeableConcept"]["text"])
    if parts:
        cells["stage"] = "; ".join(parts)
    grade = case.get("histologic-grade")
    if grade is not None:
        cells["grade"] = grade["valueCodeableConcept"]["text"]
    return cells
