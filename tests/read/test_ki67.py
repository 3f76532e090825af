"""Ki-67 cells (converter/read/values/ki67.py): read as the IHC reader reads a Ki-67, so the
column and a panel give the same Marker."""

from __future__ import annotations

import pytest

from converter.read.values.ihc import parse_ihc_panel
from converter.read.values.ki67 import parse_ki67
from converter.read.values.text import InvalidValue
from tests.conftest import build


class Warnings(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


@pytest.mark.parametrize(("text", "percent", "comparator"), [
    ("15%", 15, None), ("15", 15, None), ("<5%", 5, "<"), ("Ki-67 15%", 15, None),
    ("MIB-1 5%", 5, None), ("Ki67: 30%", 30, None), ("2.5%", 2.5, None),
])
def test_percentages(text: str, percent: float, comparator: str | None) -> None:
    warnings = Warnings()
    marker = parse_ki67(text, None, warnings)
    assert (marker.key, marker.percent, marker.comparator) == ("ki67", percent, comparator)
    assert warnings == []


@pytest.mark.parametrize("text", ["15%", "<5%", "high", "10-20%"])
def test_same_marker_as_in_a_panel(text: str) -> None:
    [in_panel] = parse_ihc_panel(f"Ki-67 {text}", None, Warnings())
    assert parse_ki67(text, None, Warnings()) == in_panel


def test_a_range_is_read_as_one() -> None:
    warnings = Warnings()
    marker = parse_ki67("10-20%", None, warnings)
    assert (marker.percent, marker.percent_high, marker.canonical) == (10, 20, "Ki-67 10-20%")
    assert warnings == []


def test_words_are_text_with_a_warning() -> None:
    warnings = Warnings()
    marker = parse_ki67("high", None, warnings)
    assert (marker.percent, marker.rest) == (None, "high")
    assert len(warnings) == 1 and "no Ki-67 percentage" in warnings[0]


def test_another_marker_is_an_error() -> None:
    with pytest.raises(InvalidValue, match="names CD34, not Ki-67"):
        parse_ki67("CD34+", None, Warnings())


@pytest.mark.parametrize("header", ["Ki-67", "Ki67 (%)", "Ki-67 index", "MIB-1",
                                    "Ki-67 labeling index", "Proliferation index"])
def test_headers(header: str) -> None:
    record, problems = build({"Case": "1", header: "20%"})
    assert record is not None and record.ki67.percent == 20, problems


def test_ki67_in_both_columns_keeps_the_first() -> None:
    record, problems = build({"Case": "1", "Ki-67": "20%", "IHC": "CD34+, Ki-67 5%"})
    assert record is not None
    assert record.ki67.percent == 20 and [m.key for m in record.ihc] == ["cd34"]
    assert any("Ki-67 is also given" in p.message and p.location.column == "IHC"
               for p in problems)
