"""Smoking → US Core 6.1.0 Smoking Status (mappings/smoking.py): the profile's code, category
and required effective, SNOMED CT only for verified statuses, pack-years, and the cell back."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation

from converter.tables.flatten import flatten
from mappings import profiles
from mappings.case import map_record
from mappings.smoking import to_fhir_smoking
from tests.conftest import codes, record


def smoking(text: str) -> dict[str, Any]:
    [observation] = to_fhir_smoking(record(smoking=text))
    Observation.model_validate(observation)
    assert observation["meta"]["profile"] == [profiles.US_CORE_SMOKING_STATUS]
    assert observation["code"]["coding"] == [
        {"system": "http://loinc.org", "code": "72166-2", "display": "Tobacco smoking status NHIS"}]
    assert observation["category"][0]["coding"][0]["code"] == "social-history"
    assert observation["status"] == "final"
    # required by the profile, not given by a table: a data-absent-reason, never a made-up date
    assert observation["_effectiveDateTime"]["extension"][0]["valueCode"] == "unknown"
    assert "effectiveDateTime" not in observation
    return observation


@pytest.mark.parametrize(("text", "code", "display"), [
    ("never", "266919005", "Never smoked tobacco (finding)"),
    ("Ex-smoker", "8517006", "Ex-smoker (finding)"),
    ("current smoker", "77176002", "Smoker (finding)"),
    ("daily smoker", "449868002", "Smokes tobacco daily (finding)"),
    ("occasional smoker", "428041000124106", "Occasional tobacco smoker (finding)"),
    ("light cigarette smoker", "230060001", "Light cigarette smoker (finding)"),
    ("heavy cigarette smoker", "230063004", "Heavy cigarette smoker (finding)"),
    ("Smoking history not documented", "266927001",
     "Tobacco smoking consumption unknown (finding)"),
])
def test_verified_statuses_are_coded(text: str, code: str, display: str) -> None:
    value = smoking(text)["valueCodeableConcept"]
    assert value == {"coding": [{"system": "http://snomed.info/sct", "code": code,
                                 "display": display}], "text": text}


@pytest.mark.parametrize("text", ["yes", "no", "non-smoker", "ever smoker"])
def test_words_that_do_not_say_which_status_are_text_only(text: str) -> None:
    assert smoking(text)["valueCodeableConcept"] == {"text": text}


def test_light_smoker_is_a_smoker_not_a_light_cigarette_smoker() -> None:
    assert codes(smoking("light smoker")["valueCodeableConcept"]) == ["77176002"]


def test_pack_years_are_a_component() -> None:
    observation = smoking("former, >30 pack-years")
    assert codes(observation["valueCodeableConcept"]) == ["8517006"]
    [component] = observation["component"]
    assert codes(component["code"]) == ["pack-years"]
    assert component["valueQuantity"] == {"value": 30, "comparator": ">", "unit": "pack-years"}


def test_no_smoking_cell_no_observation() -> None:
    assert to_fhir_smoking(record(age="40")) == []


@pytest.mark.parametrize("text", ["former, 30 pack-years", "yes", "30 pack-years"])
def test_flatten_gives_the_cell_back(text: str) -> None:
    [row] = flatten(map_record(record(smoking=text))).rows
    assert row["smoking"] == text
