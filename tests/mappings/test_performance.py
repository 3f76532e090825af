"""ECOG and Karnofsky → the mCODE 4.0.0 performance status profiles (mappings/performance.py):
the fixed LOINC codes, valueInteger, interpretation only where verified, and the scores back."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation

from converter.fhir.ids import resource_id
from converter.tables.flatten import flatten
from mappings import profiles
from mappings.case import map_record
from mappings.performance import to_fhir_performance_status
from tests.conftest import record


def made(**cells: str) -> dict[str, dict[str, Any]]:
    found = {}
    for observation in to_fhir_performance_status(record(**cells)):
        Observation.model_validate(observation)
        found[observation["id"].rpartition(".")[2]] = observation
    return found


def test_ecog() -> None:
    ecog = made(ecog="PS 2")["ecog"]
    assert ecog["id"] == resource_id("test-series", "1", "ecog")
    assert ecog["meta"]["profile"] == [profiles.ECOG_PERFORMANCE_STATUS]
    assert ecog["code"] == {"coding": [{"system": "http://loinc.org", "code": "89247-1",
                                        "display": "ECOG Performance Status score"}]}
    assert ecog["category"][0]["coding"][0]["code"] == "survey"
    assert ecog["valueInteger"] == 2
    assert "interpretation" not in ecog  # the LL529-9 answer for 2 is not verified


def test_karnofsky() -> None:
    kps = made(karnofsky="KPS 80")["karnofsky"]
    assert kps["meta"]["profile"] == [profiles.KARNOFSKY_PERFORMANCE_STATUS]
    assert kps["code"]["coding"] == [{"system": "http://loinc.org", "code": "89243-0",
                                      "display": "Karnofsky Performance Status score"}]
    assert kps["valueInteger"] == 80 and "interpretation" not in kps


@pytest.mark.parametrize(("cells", "role", "code", "display"), [
    ({"ecog": "0"}, "ecog", "LA9622-7",
     "Fully active, able to carry on all pre-disease performance without restriction"),
    ({"karnofsky": "90"}, "karnofsky", "LA29176-7",
     "Able to carry on normal activity; minor signs or symptoms of disease"),
])
def test_verified_answers_interpret_the_score(cells: dict[str, str], role: str, code: str,
                                              display: str) -> None:
    assert made(**cells)[role]["interpretation"] == [
        {"coding": [{"system": "http://loinc.org", "code": code, "display": display}]}]


def test_both_scales_and_flatten() -> None:
    resources = map_record(record(ecog="ECOG 1", karnofsky="70%"))
    assert {"ecog", "karnofsky"} <= {r["id"].rpartition(".")[2] for r in resources}
    [row] = flatten(resources).rows
    assert (row["ecog"], row["karnofsky"]) == ("1", "70")
