"""Mitotic count cells (converter/read/values/mitoses.py): count, comparator and the area as the
cell or the header states it."""

from __future__ import annotations

import pytest

from converter.read.values.mitoses import parse_mitotic_count
from converter.read.values.text import InvalidValue
from tests.conftest import build


class Warnings(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


@pytest.mark.parametrize(("text", "count", "comparator", "per", "area"), [
    ("5/10 HPF", 5, None, 10, "HPF"), ("3 per 10 HPF", 3, None, 10, "HPF"),
    ("12/50 HPF", 12, None, 50, "HPF"), ("<1/10HPF", 1, "<", 10, "HPF"),
    ("5 per 2 mm2", 5, None, 2, "mm2"), ("8 mitoses/10 HPF", 8, None, 10, "HPF"),
    ("4/mm\u00b2", 4, None, 1, "mm2"), ("2 per HPF", 2, None, 1, "HPF"),
    ("20 mitoses per 10 high-power fields", 20, None, 10, "HPF"), (">10/10 HPFs", 10, ">", 10, "HPF"),
    # gist-lit (Uccini 2014)
    ("5 mitotic cells per 50 high-power fields", 5, None, 50, "HPF"),
])
def test_counts_with_their_area(text: str, count: float, comparator: str | None, per: float,
                                area: str) -> None:
    warnings = Warnings()
    parsed = parse_mitotic_count(text, None, warnings)
    assert (parsed.count, parsed.comparator, parsed.per, parsed.area) == \
        (count, comparator, per, area)
    assert warnings == []


def test_a_count_without_its_area_warns() -> None:
    warnings = Warnings()
    parsed = parse_mitotic_count("7", None, warnings)
    assert (parsed.count, parsed.per, parsed.area) == (7, None, None)
    assert "does not say the area" in warnings[0]


@pytest.mark.parametrize(("header", "per", "area"), [
    ("Mitoses/10 HPF", 10, "HPF"), ("Mitotic count (per 10 HPF)", 10, "HPF"),
    ("Mitoses per 50 HPF", 50, "HPF"), ("Mitoses per mm\u00b2", 1, "mm2"),
    ("Mitotic rate (per mm2)", 1, "mm2"), ("Mitoses/10HPF", 10, "HPF"),
    ("Mitoses (per 10 HPFs)", 10, "HPF"), ("Mitotic index/50 HPF", 50, "HPF"),
    ("Mitotic figures in 2 mm2", 2, "mm2"),
])
def test_the_header_gives_the_area_of_bare_numbers(header: str, per: float, area: str) -> None:
    record, problems = build({"Case": "1", header: "6"})
    assert record is not None, problems
    assert (record.mitotic_count.count, record.mitotic_count.per, record.mitotic_count.area) == \
        (6, per, area)
    assert problems == []


def test_the_cell_wins_over_the_header() -> None:
    record, _ = build({"Case": "1", "Mitoses/10 HPF": "3/50 HPF"})
    assert record is not None and record.mitotic_count.per == 50


@pytest.mark.parametrize("text", ["many", "5-10/10 HPF", "brisk"])
def test_not_a_count_is_an_error(text: str) -> None:
    with pytest.raises(InvalidValue, match="not a mitotic count"):
        parse_mitotic_count(text, None, Warnings())


def test_error_names_the_cell() -> None:
    record, problems = build({"Case": "1", "Mitotic count": "numerous"})
    assert record is None
    [problem] = problems
    assert (problem.location.row, problem.location.column) == (2, "Mitotic count")
