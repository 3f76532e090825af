"""Free-text normalisers: the styles real case-series tables use (seed file, "What real
case-series tables look like")."""

from __future__ import annotations

import pytest

from converter.read.values.outcomes import (
    parse_metastasis,
    parse_recurrence,
    parse_status,
)
from converter.read.values.sites import parse_site
from converter.read.values.sizes import parse_size
from converter.read.values.terms import lookup, parse_margin
from converter.read.values.text import InvalidValue, is_missing
from converter.read.values.times import parse_age, parse_age_sex, parse_follow_up, parse_months


class Warnings(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("22", 22, "a"), ("2 y", 2, "a"), ("3 months", 3, "mo"), ("12-year-old", 12, "a"),
    ("54-yr-old", 54, "a"), ("at birth", 0, "d"), ("1 y 6 mo", 18, "mo"), ("2y3m", 27, "mo"),
    ("0.5", 0.5, "a"), ("1,5 years", 1.5, "a"), ("6 weeks", 6, "wk"), ("22 y.o.", 22, "a"),
    ("10 days", 10, "d"), ("3.5-year-old", 3.5, "a"),
])
def test_ages_with_units_become_ucum(text: str, value: float, unit: str) -> None:
    age = parse_age(text, None, Warnings())
    assert (age.value, age.unit, age.text) == (value, unit, text)


def test_bare_age_takes_the_header_unit() -> None:
    assert parse_age("18", "mo", Warnings()).unit == "mo"


@pytest.mark.parametrize(("text", "message"), [
    ("-3", "negative"), ("150", "impossible"), ("200 years", "impossible"), ("abc", "not an age"),
    ("22 years and", "not an age"), ("nan", "not an age"), ("1e400", "not an age"),
])
def test_impossible_ages_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        parse_age(text, None, Warnings())


@pytest.mark.parametrize(("text", "age", "gender"), [
    ("22/F", 22, "female"), ("2 y/M", 2, "male"), ("43F", 43, "female"), ("F/22", 22, "female"),
    ("3 mo / male", 3, "male"),
])
def test_combined_age_and_sex(text: str, age: float, gender: str) -> None:
    parsed_age, sex = parse_age_sex(text, None, Warnings())
    assert parsed_age.value == age and sex.key == gender


@pytest.mark.parametrize(("text", "dims", "unit"), [
    ("5.4 cm", (5.4,), "cm"), ("75 x 48 mm", (75, 48), "mm"), ("42x37mm", (42, 37), "mm"),
    ("5 x 4 x 3 cm", (5, 4, 3), "cm"), ("75 mm x 48 mm", (75, 48), "mm"),
    ("5,4 cm", (5.4,), "cm"), ("5.4 \u00d7 3 cm", (5.4, 3), "cm"),
])
def test_sizes(text: str, dims: tuple[float, ...], unit: str) -> None:
    size = parse_size(text, None, Warnings())
    assert (size.dimensions, size.unit) == (dims, unit)
    assert size.longest == max(dims)


@pytest.mark.parametrize(("text", "message"), [
    ("7", "needs a unit"), ("5 cm x 40 mm", "mixes"), ("0 cm", "greater than zero"),
    ("500 cm", "implausible"), ("big", "not a size"), ("1 x 2 x 3 x 4 cm", "not a size"),
])
def test_bad_sizes(text: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        parse_size(text, None, Warnings())


def test_bare_size_takes_the_header_unit() -> None:
    assert parse_size("7", "cm", Warnings()).unit == "cm"


@pytest.mark.parametrize(("vocabulary", "text", "key"), [
    ("presence", "yes", "yes"), ("presence", "Y", "yes"), ("presence", "+", "yes"),
    ("presence", "present", "yes"), ("presence", "none", "no"), ("presence", "-", "no"),
    ("presence", "absent", "no"), ("presence", "prominent", "yes"),
    ("sex", "F", "female"), ("sex", "woman", "female"), ("sex", "girl", "female"),
    ("sex", "boy", "male"), ("sex", "M", "male"),
    ("margin", "R0", "free"), ("margin", "wide", "free"), ("margin", "free", "free"),
    ("margin", "marginal", "marginal"), ("margin", "involved", "involved"),
    ("margin", "R1", "involved"), ("margin", "wide (R0)", "free"),
    ("status", "NED", "ned"), ("status", "AWD", "awd"), ("status", "DOD", "dod"),
    ("border", "partially ill-defined", "partially-ill-defined"),
    ("border", "ill-defined", "ill-defined"), ("border", "circumscribed", "well-defined"),
    ("diagnosis", "NTRK-RSCN", "ntrk-rscn"),
    ("diagnosis", "solitary fibrous tumour", "solitary-fibrous-tumor"),
    ("diagnosis", "SFT", "solitary-fibrous-tumor"), ("vascularity", "hypervascular", "present"),
    ("fusion_method", "Archer FusionPlex", "sequencing"), ("fusion_method", "RT-PCR", "pcr"),
])
def test_vocabulary_words(vocabulary: str, text: str, key: str) -> None:
    assert lookup(vocabulary, text) == key


def test_conflicting_keywords_are_unknown() -> None:
    assert lookup("margin", "marginal, R1") is None


def test_unknown_terms_warn_and_keep_text() -> None:
    warnings = Warnings()
    term = parse_margin("close", None, warnings)
    assert term.key is None and term.text == "close" and "not a known margin" in warnings[0]


@pytest.mark.parametrize(("text", "key", "months"), [
    ("NED", "ned", None), ("alive, no recurrence at 36 mo", "ned", 36),
    ("NED (48 mo)", "ned", 48), ("AWD at 30 mo", "awd", 30), ("DOD", "dod", None),
    ("dead of other cause", "doc", None), ("NED at 1.5 y", "ned", 18),
])
def test_outcomes(text: str, key: str, months: float | None) -> None:
    term, parsed, _ = parse_status(text, None, Warnings())
    assert (term.key, parsed) == (key, months)


@pytest.mark.parametrize(("text", "occurred", "months"), [
    ("yes", True, None), ("no", False, None), ("yes (14 mo)", True, 14),
    ("LR at 14 months", True, 14), ("+", True, None), ("-", False, None), ("LR", True, None),
])
def test_recurrence(text: str, occurred: bool, months: float | None) -> None:
    event = parse_recurrence(text, None, Warnings())
    assert (event.occurred, event.months) == (occurred, months)


def test_recurrence_nonsense_is_an_error() -> None:
    with pytest.raises(InvalidValue):
        parse_recurrence("perhaps", None, Warnings())


def test_metastasis_sites() -> None:
    event = parse_metastasis("yes, lung and bone (24 mo)", None, Warnings())
    assert event.occurred and [s.key for s in event.sites] == ["lung", "bone"]
    assert event.months == 24
    assert not parse_metastasis("N", None, Warnings()).occurred
    warnings = Warnings()
    unknown = parse_metastasis("peritoneum", None, warnings)
    assert unknown.occurred and unknown.sites[0].text == "peritoneum" and warnings


@pytest.mark.parametrize(("text", "months"), [
    ("36", 36), ("36+", 36), ("3 years", 36), ("14 mo", 14), ("1.5 years", 18)])
def test_months(text: str, months: float) -> None:
    assert parse_months(text, None, Warnings()) == months


def test_months_in_years_by_header() -> None:
    assert parse_months("3", "a", Warnings()) == 36


@pytest.mark.parametrize("text", ["-4", "5000", "soon"])
def test_bad_months(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_months(text, None, Warnings())


def test_site_with_side_and_depth() -> None:
    site = parse_site("left thigh, subcutaneous", None, Warnings())
    assert (site.region, site.laterality, site.depth) == ("thigh", "left", "superficial")
    assert parse_site("L lower leg", None, Warnings()).region == "lower-leg"
    assert parse_site("right forearm (deep)", None, Warnings()).depth == "deep"


def test_unknown_site_warns() -> None:
    warnings = Warnings()
    assert parse_site("parapharyngeal space", None, warnings).region is None and warnings


@pytest.mark.parametrize(("text", "dash", "missing"), [
    ("", False, True), ("NA", False, True), ("n/a", False, True), ("not reported", False, True),
    ("-", False, True), ("-", True, False), ("\u2014", False, True), ("yes", False, False),
])
def test_missing_markers(text: str, dash: bool, missing: bool) -> None:
    assert is_missing(text, dash) is missing


def test_warnings_quote_long_cell_values_short() -> None:
    """A cell of 10,000 characters (the most a record reads) is not repeated in its warning."""
    from converter.read.values.terms import term

    warnings = Warnings()
    term("sex", "q" * 10_000, warnings, "sex")
    assert len(warnings) == 1 and len(warnings[0]) < 200 and "\u2026" in warnings[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("36", (36, False, None)), ("36+ from study entry", (36, True, "study entry")),
    ("945 days after randomization", (31.05, False, "randomisation")),
    ("12 mo since the start of treatment", (12, False, "start of treatment")),
    ("8 from remission", (8, False, "remission")),
    ("8 from an origin not reported", (8, False, "not reported"))])
def test_a_time_names_its_origin(text: str, expected: tuple[float, bool, str | None]) -> None:
    assert parse_follow_up(text, None, Warnings()) == expected


def test_an_unknown_origin_is_an_error_never_a_guess() -> None:
    with pytest.raises(InvalidValue, match="'birth' is not an origin casefhir knows"):
        parse_follow_up("36 mo from birth", None, Warnings())
    assert parse_months("14 mo after surgery", None, Warnings()) == 14  # its own origin
    with pytest.raises(InvalidValue, match="counts from the surgery, not from diagnosis"):
        parse_months("14 mo after diagnosis", None, Warnings())
