"""ECOG and Karnofsky cells (converter/read/values/performance.py): scores as papers write them,
and an out-of-scale value an error naming its cell."""

from __future__ import annotations

from typing import Any

import pytest

from converter.read.values.performance import parse_ecog, parse_karnofsky
from converter.read.values.text import InvalidValue
from tests.conftest import build, run


def ignore(message: str) -> None:
    raise AssertionError(f"unexpected warning {message!r}")


@pytest.mark.parametrize(("text", "score"), [
    ("0", 0), ("1", 1), ("ECOG 1", 1), ("PS 2", 2), ("ECOG PS 3", 3), ("ecog: 4", 4),
    ("5", 5), ("WHO PS 1", 1), ("2.0", 2),
])
def test_ecog(text: str, score: int) -> None:
    parsed = parse_ecog(text, None, ignore)
    assert (parsed.score, parsed.text) == (score, text)


@pytest.mark.parametrize(("text", "score"), [
    ("80", 80), ("KPS 80", 80), ("80%", 80), ("Karnofsky 70", 70), ("KPS: 100", 100), ("0", 0),
])
def test_karnofsky(text: str, score: int) -> None:
    assert parse_karnofsky(text, None, ignore).score == score


@pytest.mark.parametrize(("text", "message"), [
    ("6", "outside the ECOG scale"), ("ECOG 7", "outside the ECOG scale"),
    ("1.5", "not a whole ECOG score"), ("0-1", "not an ECOG performance status"),
    ("good", "not an ECOG performance status"), ("KPS 80", "a Karnofsky score in an ECOG column"),
])
def test_ecog_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        parse_ecog(text, None, ignore)


@pytest.mark.parametrize(("text", "message"), [
    ("110", "outside the Karnofsky scale"), ("85", "in steps of 10"),
    ("KPS 60-70", "not a Karnofsky performance status"),
])
def test_karnofsky_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        parse_karnofsky(text, None, ignore)


@pytest.mark.parametrize(("header", "field"), [
    ("ECOG", "ecog"), ("ph.ecog", "ecog"), ("ECOG PS", "ecog"), ("Performance status", "ecog"),
    ("KARNOFSKY_PERFORMANCE_SCORE", "karnofsky"), ("ph.karno", "karnofsky"), ("KPS", "karnofsky"),
])
def test_headers(header: str, field: str) -> None:
    record, problems = build({"Case": "1", header: "0"})
    assert record is not None and getattr(record, field).score == 0, problems


def test_out_of_range_is_an_error_naming_the_cell() -> None:
    record, problems = build({"Case": "7", "ECOG": "1", "KPS": "120"})
    assert record is None
    [problem] = problems
    assert (problem.location.row, problem.location.column) == (2, "KPS")
    assert problem.value == "120" and "outside the Karnofsky scale (0 to 100" in problem.message


def test_convert_refuses_the_table_naming_file_row_and_column(tmp_path: Any,
                                                              write_csv: Any) -> None:
    table = write_csv([["Case", "ECOG", "Karnofsky"], ["1", "1", "80"], ["2", "ECOG 6", "70"]])
    out = tmp_path / "out.json"
    result = run("convert", table, "--series-id", "s1", "-o", out)
    assert result.exit_code == 1 and not out.exists()
    assert "cases.csv, row 3, column B (ECOG)" in result.stderr
    assert "6 is outside the ECOG scale (0 to 5)" in result.stderr
    assert "Traceback" not in result.stderr
