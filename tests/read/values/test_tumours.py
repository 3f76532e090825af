"""Diagnoses named inside longer words (converter/read/values/tumours.py), asserted on the FHIR
Condition they become: its codes, their displays, and the table's words as its text."""

from __future__ import annotations

from typing import Any

import pytest

from mappings.condition import to_fhir_primary_condition
from tests.conftest import build

NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
ONCOTREE = "https://casefhir.org/fhir/CodeSystem/oncotree"
SCT = "http://snomed.info/sct"


def condition(diagnosis: str) -> tuple[dict[str, Any], list[str]]:
    """The primary Condition of a case with this diagnosis, and the diagnosis cell's warnings."""
    built, problems = build({"case_id": "1", "diagnosis": diagnosis})
    assert built is not None
    return to_fhir_primary_condition(built)[0], [p.message for p in problems]


def coded(concept: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["system"], c["code"], c["display"]) for c in concept.get("coding", [])]


ES = [(SCT, "363346000", "Malignant neoplastic disease (disorder)"),
      (NCIT, "C4817", "Ewing Sarcoma"),
      (ONCOTREE, "ES", "Ewing Sarcoma")]
GIST = [(NCIT, "C3868", "Gastrointestinal Stromal Tumor"),
        (ONCOTREE, "GIST", "Gastrointestinal Stromal Tumor")]
IMT = [(NCIT, "C6481", "Inflammatory Myofibroblastic Tumor"),
       (ONCOTREE, "IMT", "Inflammatory Myofibroblastic Tumor")]


@pytest.mark.parametrize(("text", "expected"), [
    # the literature corpus's diagnoses (tests/corpus/*/cases.csv)
    ("Rectal GIST", GIST),
    ("SDH-deficient wild-type gastric GIST", GIST),
    ("Sporadic pediatric GIST", GIST),
    ("Gastrointestinal stromal tumor of the rectum", GIST),
    ("Subcutaneous IMT", IMT),
    ("IMT of the right hemi-pelvis", IMT),
    ("Inoperable ALK-negative IMT of the tongue", IMT),
    ("Chemotherapy-refractory metastatic IMT", IMT),
    ("Inflammatory myofibroblastic tumor of the urinary bladder", IMT),
    ("ROS1-positive inflammatory myofibroblastic tumor of the small bowel", IMT),
    ("Ewing's sarcoma of the kidney", ES),
    ("Primary Ewing's Sarcoma of kidney", ES),
    ("Primary Ewing sarcoma / primitive neuroectodermal tumor of the kidney", ES),
    ("Congenital Ewing's sarcoma/primitive neuroectodermal tumor (ES/PNET)", ES),
    ("Peripheral primitive neuroectodermal tumor of the kidney", ES),
    ("Renal Ewing sarcoma", ES),
    # what a tumour mimics is what it looked like: the renal cell carcinoma is not coded
    ("Ewing sarcoma mimicking renal cell carcinoma", ES),
    ("GIST without metastasis", GIST),  # "without" denies what follows it, not the GIST
])
def test_a_tumour_type_inside_site_and_qualifier_words_is_coded(
        text: str, expected: list[tuple[str, str, str]]) -> None:
    primary, warnings = condition(text)
    assert coded(primary["code"]) == expected
    assert primary["code"]["text"] == text  # the whole cell, not only the name found
    [warning] = warnings
    assert "the tumour type its words name" in warning
    assert f"(OncoTree {expected[-1][1]})" in warning


@pytest.mark.parametrize(("text", "why"), [
    ("Ewing sarcoma and renal cell carcinoma",
     "names more than one tumour type (Ewing Sarcoma (OncoTree ES), Renal Cell Carcinoma "
     "(OncoTree RCC))"),
    ("Synovial sarcoma or MPNST", "names more than one tumour type"),
    ("GIST vs leiomyoma", "names more than one tumour type"),
    ("GIST versus reactive lesion", "'versus', which leaves the entity open"),
    ("Anaplastic IMT of the lung", "'anaplastic', which may make it another entity"),
    ("IMT-like lesion", "'like', which leaves the entity open"),
    ("Not GIST", "after 'not', which denies it"),
    ("Non-GIST spindle cell tumour", "after 'non', which denies it"),
    # OncoTree's PNET is the CNS tumour; outside the CNS, WHO calls a PNET Ewing sarcoma
    ("Primitive neuroectodermal tumor of the kidney", "outside the CNS a PNET is Ewing sarcoma"),
])
def test_two_types_or_a_changing_word_give_no_code(text: str, why: str) -> None:
    primary, [warning] = condition(text)
    assert primary["code"] == {"text": text}
    assert why in warning
    assert warning.endswith("kept as text without a code")


def test_an_organ_is_no_tumour_type() -> None:
    """OncoTree's first level names organs ("Kidney"): never a diagnosis code."""
    primary, [warning] = condition("Kidney")
    assert primary["code"] == {"text": "Kidney"}
    assert "not a known tumour entity" in warning


def test_the_longest_name_wins() -> None:
    """The curated malignant SFT, not the OncoTree SFT its last words name; clear cell sarcoma
    of the kidney, not clear cell sarcoma."""
    primary, _ = condition("Malignant solitary fibrous tumor of the pleura")
    assert [c["code"] for c in primary["code"]["coding"]] == ["C6894"]
    primary, _ = condition("Clear cell sarcoma of kidney in a child")
    assert primary["code"]["coding"][-1]["code"] == "CCSK"


@pytest.mark.parametrize("text", ["Infantile fibrosarcoma", "IFS",
                                  "Giant multinodular infantile fibrosarcoma",
                                  "Congenital fibrosarcoma of the leg",
                                  "Infantile fibrosarcoma (relapsing mass)"])
def test_every_name_of_infantile_fibrosarcoma_gives_the_same_codes(text: str) -> None:
    primary, _ = condition(text)
    assert coded(primary["code"]) == [(SCT, "403996004", "Infantile fibrosarcoma"),
                                      (NCIT, "C4244", "Infantile Fibrosarcoma"),
                                      (ONCOTREE, "IFS", "Infantile Fibrosarcoma")]
    assert primary["code"]["text"] == text


@pytest.mark.parametrize("text", ["Solitary fibrous tumour", "SFT", "SFT of the pleura",
                                  "Solitary fibrous tumor/hemangiopericytoma"])
def test_a_curated_entry_and_its_oncotree_type_agree(text: str) -> None:
    """SFT is classed benign by OncoTree's ICD-O mapping: no malignant-neoplasm code."""
    primary, _ = condition(text)
    assert coded(primary["code"]) == [
        (NCIT, "C7634", "Solitary Fibrous Tumor"),
        (ONCOTREE, "SFT", "Solitary Fibrous Tumor/Hemangiopericytoma")]


def test_every_curated_entry_that_is_an_oncotree_type_names_it() -> None:
    """A curated diagnosis whose words are an OncoTree name must say `oncotree = ...` (else its
    names and OncoTree's would give different codes for one entity)."""
    from converter.read.values.tumours import _names, _spelled
    from mappings.terminology import vocabulary
    from mappings.terminology.tumours import tumour_of_entry

    oncotree_names = _names(parts=True)
    linked = 0
    for key, entry in vocabulary("diagnosis").items():
        for synonym in (entry.label, *entry.synonyms):
            found = oncotree_names.get(_spelled(synonym))
            assert found in (None, key), f"{key}: {synonym!r} is OncoTree's {found}"
        linked += tumour_of_entry(key) is not None
    assert linked == 4  # infantile fibrosarcoma, fibrosarcoma, SFT, ASPS
