"""Deterministic, injective ids from (series, case, role)."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from converter.fhir.ids import (
    HASH_CHARS,
    MAX_ROLE,
    case_budget,
    case_part,
    check_series_id,
    parse_id,
    resource_id,
    role_in_case,
)

FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")

series_ids = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?\Z")
roles = st.none() | st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,16}[a-z0-9])?\Z")
# case ids built to collide: hyphens and dots where separators go, the hashed form's "--",
# digests, accents in both normal forms, lengths around the readable limit
pieces = st.sampled_from(["-", "--", ".", "a", "B", "1", "b-1", "qc", "é", "e\u0301", " ", "/",
                          "x" * 19, "--aaaaaaaaaaaaaaaaaa", "primary", "provenance"])
case_ids = (st.lists(pieces, min_size=1, max_size=8).map("".join)
            | st.text(min_size=1, max_size=64)
            | st.from_regex(r"\A[A-Za-z0-9]{1,40}\Z"))
triples = st.tuples(series_ids, case_ids, roles)


def test_readable_ids_for_clean_case_ids() -> None:
    assert resource_id("kobayashi-2023", "3", "primary") == "kobayashi-2023.3.primary"
    assert resource_id("s", "P12") == "s.P12"
    assert resource_id("s", "b-1") == "s.b-1"


def test_the_collision_of_casefhir_0_1_is_gone() -> None:
    # series qc case b-1 and series qc-b case 1 were both Patient/qc-b-1
    assert resource_id("qc", "b-1") == "qc.b-1"
    assert resource_id("qc-b", "1") == "qc-b.1"
    # a case id that ends in a role no longer meets that role of a shorter case id
    assert resource_id("s", "1-primary") != resource_id("s", "1", "primary")


def test_unsafe_case_ids_get_a_hash_and_stay_safe() -> None:
    part = case_part("s1", "../../etc/passwd")
    assert re.fullmatch(r"[A-Za-z0-9-]+", part) and "/" not in part and "." not in part
    assert part.startswith("etc-passwd--") and len(part.rpartition("--")[2]) == HASH_CHARS
    assert case_part("s1", "A 1") != case_part("s1", "A-1")
    assert case_part("s1", "a--b") != "a--b"  # "--" marks the hashed form only
    assert case_part("s1", "Ça") .startswith("Ca--")


def test_the_longest_series_and_role_still_fit() -> None:
    series = "a" * 24
    assert case_budget(series) == 20
    for case in ("x" * 20, "x" * 21, "é" * 64, "-"):
        made = resource_id(series, case, "r" * MAX_ROLE)
        assert FHIR_ID.fullmatch(made), made


def test_nfc_and_nfd_spellings_are_one_case() -> None:
    nfc, nfd = "Jos\u00e9-1", "Jose\u0301-1"
    assert nfc != nfd and unicodedata.normalize("NFC", nfd) == nfc
    assert resource_id("s", nfc, "primary") == resource_id("s", nfd, "primary")


@settings(max_examples=3000)
@given(triples, triples)
def test_distinct_triples_never_share_an_id(a: tuple[str, str, str | None],
                                            b: tuple[str, str, str | None]) -> None:
    id_a, id_b = resource_id(*a), resource_id(*b)
    assert FHIR_ID.fullmatch(id_a), id_a
    same_case = unicodedata.normalize("NFC", a[1]) == unicodedata.normalize("NFC", b[1])
    if (a[0], a[2]) != (b[0], b[2]) or not same_case:
        assert id_a != id_b, (a, b)


@settings(max_examples=2000)
@given(triples)
def test_every_id_parses_back_to_its_parts(triple: tuple[str, str, str | None]) -> None:
    series, case, role = triple
    made = resource_id(series, case, role)
    parsed = parse_id(made)
    assert parsed is not None
    assert (parsed.series, parsed.case_part, parsed.role) == (series, case_part(series, case),
                                                              role)
    patient = resource_id(series, case)
    assert parsed.patient_id == patient
    assert role_in_case(made, patient) == (role or "patient")


def test_ids_of_other_schemes_do_not_parse() -> None:
    for other in ("kobayashi-2023-3-primary", "s.a.b.c", "S.1", "s.", ".1", "s.a--b",
                  "s.x--AAAAAAAAAAAAAAAAAA", "s.1.Primary", "1234", "s..1"):
        assert parse_id(other) is None, other


def test_series_id_rules() -> None:
    assert check_series_id("kobayashi-2023") is None
    for bad in ("Kobayashi", "-x", "x-", "a" * 25, "a_b", "", "s1\n", "s.1"):
        assert check_series_id(bad)
