"""Deterministic ids from (series, case, role)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from converter.ids import case_part, check_series_id, resource_id


def test_readable_ids_for_clean_case_ids() -> None:
    assert resource_id("kobayashi-2023", "3", "primary") == "kobayashi-2023-3-primary"
    assert resource_id("s", "P12") == "s-P12"


def test_unsafe_case_ids_get_a_hash_and_stay_safe() -> None:
    part = case_part("../../etc/passwd")
    assert re.fullmatch(r"[A-Za-z0-9-]+", part) and "/" not in part and "." not in part
    assert case_part("A 1") != case_part("A-1")


@given(st.text(min_size=1, max_size=64), st.text(min_size=1, max_size=64))
def test_distinct_case_ids_never_share_an_id(a: str, b: str) -> None:
    id_a = resource_id("series-x", a, "mri-enhancement")
    assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", id_a)
    if a != b:
        assert id_a != resource_id("series-x", b, "mri-enhancement")


def test_series_id_rules() -> None:
    assert check_series_id("kobayashi-2023") is None
    for bad in ("Kobayashi", "-x", "x-", "a" * 25, "a_b", ""):
        assert check_series_id(bad)
