"""Stage, TNM categories, extent and grade (mappings/staging.py): valid R4 Observations with the
verified codes only, values as text where no code is verified, and the cells back for flatten."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation

from converter.fhir.ids import resource_id
from converter.tables.flatten import flatten
from mappings import profiles
from mappings.case import map_record
from mappings.staging import to_fhir_grade, to_fhir_stage
from tests.conftest import build, by_id, codes, record


def staged(text: str) -> dict[str, dict[str, Any]]:
    made = by_id(to_fhir_stage(record(stage=text)))
    for observation in made.values():
        Observation.model_validate(observation)
        assert observation["focus"] == [
            {"reference": f"Condition/{resource_id('test-series', '1', 'primary')}"}]
    return made


def test_pathologic_tnm_group_with_its_categories() -> None:
    made = staged("Stage IIIA (pT2N1M0)")
    assert list(made) == ["stage-t", "stage-n", "stage-m", "stage"]
    group = made["stage"]
    assert group["meta"]["profile"] == [profiles.CANCER_STAGE]
    assert codes(group["code"]) == ["399588009"]  # Pathologic TNM stage grouping
    assert group["valueCodeableConcept"] == {"text": "Stage IIIA"}  # AJCC codes: not verified
    assert group["hasMember"] == [
        {"reference": f"Observation/{resource_id('test-series', '1', role)}"}
        for role in ("stage-t", "stage-n", "stage-m")]
    assert [codes(made[r]["code"]) for r in ("stage-t", "stage-n", "stage-m")] == \
        [["384625004"], ["371494008"], ["371497001"]]  # pT, pN, pM category
    assert [made[r]["valueCodeableConcept"] for r in ("stage-t", "stage-n", "stage-m")] == \
        [{"text": "T2"}, {"text": "N1"}, {"text": "M0"}]
    assert all(made[r]["meta"]["profile"] == [profiles.CANCER_STAGE] for r in made)


@pytest.mark.parametrize(("text", "code"), [
    ("cT3N1M0", "399504009"), ("T2bN1M0", "78873005")])
def test_categories_without_a_group(text: str, code: str) -> None:
    made = staged(text)
    assert "stage" not in made
    assert codes(made["stage-t"]["code"]) == [code]


CATEGORIES = ("stage-t", "stage-n", "stage-m")
T, CT, PT = "78873005", "399504009", "384625004"
N, CN, PN = "277206009", "399534004", "371494008"
M, CM, PM = "277208005", "399387003", "371497001"


@pytest.mark.parametrize(("text", "expected"), [
    # text → per category: (code, code text, value text)
    ("ypT2N0", [(PT, "ypT category (post-therapy)", "ypT2"),
                (PN, "ypN category (post-therapy)", "ypN0")]),
    ("ycT3N1M0", [(CT, "ycT category (post-therapy)", "ycT3"),
                  (CN, "ycN category (post-therapy)", "ycN1"),
                  (CM, "ycM category (post-therapy)", "ycM0")]),
    ("rpT1", [(PT, "rpT category (recurrence)", "rpT1")]),
    ("aT2N0", [(T, "aT category (autopsy)", "aT2"), (N, "aN category (autopsy)", "aN0")]),
    ("cT2N0M0", [(CT, None, "T2"), (CN, None, "N0"), (CM, None, "M0")]),
    ("pT1a pN0 cM0", [(PT, None, "T1a"), (PN, None, "N0"), (CM, None, "M0")]),
    ("pTis", [(PT, None, "Tis")]), ("pTX", [(PT, None, "TX")]),
    ("pN1mi", [(PN, None, "N1mi")]),
])
def test_prefixes_keep_the_classification_and_the_modifier(
        text: str, expected: list[tuple[str, str | None, str]]) -> None:
    """c / p choose the code (mCODE's staging-type ValueSets enumerate them); y / r / a have no
    verified code, so the code stays the classification and the prefix is kept in its words."""
    made = staged(text)
    found = [(codes(made[role]["code"])[0], made[role]["code"].get("text"),
              made[role]["valueCodeableConcept"]["text"]) for role in CATEGORIES if role in made]
    assert found == expected


def test_a_post_therapy_group_is_never_clinical() -> None:
    group = staged("Stage IIA (ypT2N0M0)")["stage"]
    assert codes(group["code"]) == ["399588009"]  # Pathologic TNM stage grouping
    assert group["code"]["text"] == "ypTNM stage grouping (post-therapy)"
    assert group["valueCodeableConcept"] == {"text": "Stage IIA"}
    clinical = staged("Stage IIB (ycT3N1M0)")["stage"]
    assert codes(clinical["code"]) == ["399537006"]  # Clinical TNM stage grouping
    assert clinical["code"]["text"] == "ycTNM stage grouping (post-therapy)"


def test_bare_stage_is_a_neoplasm_stage() -> None:
    made = staged("Stage III")
    assert list(made) == ["stage"]
    assert codes(made["stage"]["code"]) == ["C16899"]
    assert "hasMember" not in made["stage"]


def test_figo_group_is_coded() -> None:
    group = staged("FIGO IIIC")["stage"]
    assert codes(group["code"]) == ["385361009"]
    assert codes(group["valueCodeableConcept"]) == ["C96258"]
    assert group["valueCodeableConcept"]["text"] == "FIGO Stage IIIC"


@pytest.mark.parametrize("text", ["Inoperable", "Recurrent after resection", "Stage III/IV"])
def test_extent_is_text_only(text: str) -> None:
    made = staged(text)
    assert list(made) == ["disease-extent"]
    extent = made["disease-extent"]
    assert extent["meta"]["profile"] == [profiles.US_CORE_SIMPLE_OBSERVATION]
    assert extent["valueCodeableConcept"] == {"text": text}
    assert extent["code"]["coding"][0]["code"] == "disease-extent"


@pytest.mark.parametrize(("text", "value_codes", "method"), [
    ("low grade", ["1155708003"], None), ("high grade", ["1155707008"], None),
    ("FNCLCC 2", [], {"text": "FNCLCC"}), ("G2", [], None)])
def test_grade_is_a_histologic_grade(text: str, value_codes: list[str],
                                     method: dict[str, str] | None) -> None:
    [grade] = to_fhir_grade(record(grade=text))
    Observation.model_validate(grade)
    assert grade["meta"]["profile"] == [profiles.HISTOLOGIC_GRADE]
    assert codes(grade["code"]) == ["C18000"]
    assert codes(grade["valueCodeableConcept"]) == value_codes
    assert grade["valueCodeableConcept"]["text"] == text
    assert grade.get("method") == method


@pytest.mark.parametrize("cells", [
    {"stage": "Stage IIIA (pT2N1M0)", "grade": "FNCLCC 2"},
    {"stage": "AJCC stage IIB, locally advanced"}, {"stage": "cT3 N1 M0"},
    {"stage": "FIGO IIIC"}, {"stage": "Stage III/IV", "grade": "high grade"},
    {"stage": "Inoperable"}, {"stage": "stage IV, metastatic"},
    {"stage": "ypT2N0"}, {"stage": "Stage IIA (ypT2N0M0)"}, {"stage": "rpT1"},
    {"stage": "pT1a pN0 cM0"}, {"stage": "pTis"}, {"stage": "pN1mi"}, {"stage": "aT2N0"},
    {"stage": "T2 pN1"}, {"stage": "pT1 pN0(i+)(sn) cM0"}, {"stage": "pT2a, pN0, M0"}])
def test_flatten_round_trip(cells: dict[str, str]) -> None:
    built, _ = build({"case_id": "1", **cells})
    made = map_record(built)
    [flat] = flatten(made).rows
    again, problems = build(flat)
    assert again is not None, [p.render() for p in problems]
    strip = [r for r in made if r["resourceType"] != "Provenance"]
    assert [r for r in map_record(again) if r["resourceType"] != "Provenance"] == strip
