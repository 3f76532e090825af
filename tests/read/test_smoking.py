"""Smoking cells (converter/read/values/smoking.py): statuses, pack-years, and words that do not
say which status kept as text with a warning."""

from __future__ import annotations

import pytest

from converter.read.values.smoking import PACK_YEARS, parse_smoking
from converter.read.values.text import InvalidValue
from tests.conftest import build


class Warnings(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


@pytest.mark.parametrize(("text", "key"), [
    ("never", "never"), ("Never smoker", "never"), ("never-smoker", "never"),
    ("former", "former"), ("Ex-smoker", "former"), ("ex smoker", "former"),
    ("quit smoking", "former"), ("current", "current"), ("Current smoker", "current"),
    ("smoker", "current"), ("light smoker", "current"), ("heavy smoker", "current"),
    ("daily smoker", "daily"), ("occasional smoker", "occasional"),
    ("heavy cigarette smoker", "heavy-cigarette"), ("Former (quit 2010)", "former"),
])
def test_statuses(text: str, key: str) -> None:
    warnings = Warnings()
    parsed = parse_smoking(text, None, warnings)
    assert (parsed.key, parsed.pack_years, parsed.text) == (key, None, text)
    assert warnings == []


@pytest.mark.parametrize(("text", "key", "pack_years", "comparator"), [
    ("former, 30 pack-years", "former", 30, None), ("current (40 PY)", "current", 40, None),
    ("ex-smoker 20 pack years", "former", 20, None), ("Former, >20 pack-years", "former", 20, ">"),
    ("12.5 pack-years, current", "current", 12.5, None),
])
def test_pack_years_beside_a_status(text: str, key: str, pack_years: float,
                                    comparator: str | None) -> None:
    warnings = Warnings()
    parsed = parse_smoking(text, None, warnings)
    assert (parsed.key, parsed.pack_years, parsed.pack_years_comparator) == \
        (key, pack_years, comparator)
    assert warnings == []


@pytest.mark.parametrize(("text", "key"), [  # TCGA / GDC-style spellings (no GDC list in ../shared)
    ("Lifelong Non-Smoker", "never"), ("Current Smoker", "current"),
    ("Current Reformed Smoker for > 15 yrs", "former"),
    ("Current Reformed Smoker for < or = 15 yrs", "former"),
    ("Current Reformed Smoker, Duration Not Specified", "former"),
    ("Smoker at Diagnosis", "current"), ("Smoking history not documented", "unknown"),
])
def test_gdc_values(text: str, key: str) -> None:
    warnings = Warnings()
    assert parse_smoking(text, None, warnings).key == key
    assert warnings == []


def test_pack_years_alone_keep_the_status_as_text() -> None:
    warnings = Warnings()
    parsed = parse_smoking("30 pack-years", None, warnings)
    assert (parsed.key, parsed.pack_years) == (None, 30)
    assert len(warnings) == 1 and "no smoking status" in warnings[0]


@pytest.mark.parametrize(("text", "why"), [
    ("yes", "current or former"), ("Y", "current or former"), ("ever smoker", "current or former"),
    ("no", "never or former"), ("non-smoker", "never or former"), ("Nonsmoker", "never or former"),
])
def test_words_that_do_not_say_which_status_stay_text(text: str, why: str) -> None:
    warnings = Warnings()
    parsed = parse_smoking(text, None, warnings)
    assert parsed.key is None and parsed.text == text
    assert len(warnings) == 1 and why in warnings[0]


def test_unknown_words_warn() -> None:
    warnings = Warnings()
    assert parse_smoking("pipe, weekends", None, warnings).key is None
    assert "not a known smoking status" in warnings[0]


def test_a_bare_number_is_pack_years_only_under_a_pack_years_header() -> None:
    assert parse_smoking("30", PACK_YEARS, Warnings()).pack_years == 30
    with pytest.raises(InvalidValue, match="bare number"):
        parse_smoking("30", None, Warnings())


@pytest.mark.parametrize("header", ["Smoking", "Smoking status", "Smoker", "Tobacco",
                                    "Smoking history", "SMOKING_HISTORY"])
def test_headers(header: str) -> None:
    record, problems = build({"Case": "1", header: "never"})
    assert record is not None and record.smoking.key == "never", problems


@pytest.mark.parametrize("header", ["Pack-years", "Smoking (pack-years)", "SMOKING_PACK_YEARS"])
def test_pack_years_headers_read_bare_numbers(header: str) -> None:
    record, problems = build({"Case": "1", header: "45"})
    assert record is not None and record.smoking.pack_years == 45, problems


def test_a_bare_number_elsewhere_is_an_error_naming_the_cell() -> None:
    record, problems = build({"Case": "1", "Smoking": "30"})
    assert record is None
    [problem] = problems
    assert problem.location.column == "Smoking" and problem.location.row == 2
    assert "bare number" in problem.message
