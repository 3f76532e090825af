"""Ages as case reports write them (converter/read/values/times.py), asserted on the FHIR they
become: the Patient's gender and the primary Condition's onset."""

from __future__ import annotations

from typing import Any

import pytest

from mappings.condition import to_fhir_primary_condition
from mappings.patient import to_fhir_patient
from tests.conftest import build


def fhir(**cells: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """The Patient and primary Condition of one row, and its problems (never an error)."""
    built, problems = build({"case_id": "1", "diagnosis": "Rectal GIST", **cells})
    assert built is not None, [p.render() for p in problems]
    assert all(p.severity == "warning" for p in problems)
    return (to_fhir_patient(built)[0], to_fhir_primary_condition(built)[0],
            [p.message for p in problems if "GIST" not in p.message])


@pytest.mark.parametrize(("cell", "gender"), [
    ("Young boy", "male"), ("Young girl", "female"), ("young man", "male"),
    ("Neonatal period", "unknown"), ("Adolescent", "unknown"),
])
def test_a_stage_of_life_in_an_age_sex_cell_is_text_with_the_sex_it_states(
        cell: str, gender: str) -> None:
    patient, primary, warnings = fhir(age_sex=cell)
    assert patient["gender"] == gender
    assert primary["onsetString"] == cell
    assert "onsetAge" not in primary
    assert f"{cell!r} names a stage of life, not an age; kept as text" in warnings[0]
    if gender == "unknown":
        assert warnings[1] == f"{cell!r} gives no sex; the sex not reported"


@pytest.mark.parametrize("cell", ["Young boy", "Young girl", "Neonatal period"])
def test_a_stage_of_life_in_an_age_cell_is_text(cell: str) -> None:
    patient, primary, [warning] = fhir(age=cell, sex="M")
    assert primary["onsetString"] == cell
    assert patient["gender"] == "male"  # the sex column's, whatever the age words say
    assert "names a stage of life" in warning


def test_an_age_alone_in_an_age_sex_cell_is_the_age() -> None:
    patient, primary, [warning] = fhir(age_sex="24")
    assert primary["onsetAge"] == {"value": 24, "unit": "years",
                                   "system": "http://unitsofmeasure.org", "code": "a"}
    assert patient["gender"] == "unknown"
    assert warning == "'24' gives an age and no sex; read as the age, the sex not reported"


def test_a_sex_alone_in_an_age_sex_cell_is_the_sex() -> None:
    patient, primary, [warning] = fhir(age_sex="F")
    assert patient["gender"] == "female"
    assert "onsetAge" not in primary and "onsetString" not in primary
    assert "gives a sex and no age" in warning


def test_a_newborn_is_still_at_birth() -> None:
    _, primary, _ = fhir(age="Newborn")
    assert primary["onsetRange"]["low"]["value"] == 0
