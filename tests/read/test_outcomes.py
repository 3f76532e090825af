"""A recurrence/metastasis column (converter/read/values/outcomes.py parse_recurrence_metastasis):
each item read as what it names, never a recurrence taken for a metastasis or the reverse."""

from __future__ import annotations

import pytest

from converter.read.values.outcomes import parse_recurrence_metastasis
from tests.conftest import build


def read(text: str) -> tuple[list[tuple[bool, str, float | None, list[str | None]] | None],
                             list[str]]:
    warnings: list[str] = []
    events = parse_recurrence_metastasis(text, None, warnings.append)
    return [(e.occurred, e.text, e.months, [s.key for s in e.sites]) if e else None
            for e in events], warnings


@pytest.mark.parametrize(("text", "recurrence", "metastasis"), [
    # synovial-lit (tests/corpus/synovial-lit): the two cells of its Recurrence/metastasis column
    ("Recurrence ten months later", (True, "Recurrence ten months later", None, []), None),
    ("Local recurrence; lung metastasis", (True, "Local recurrence", None, []),
     (True, "lung metastasis", None, ["lung"])),
    ("Lung and liver metastases", None, (True, "Lung and liver metastases", None,
                                         ["lung", "liver"])),
    ("Local recurrence and lung metastasis", (True, "Local recurrence", None, []),
     (True, "lung metastasis", None, ["lung"])),
    ("Local recurrence at 14 mo, lung metastasis (24 mo)",
     (True, "Local recurrence at 14 mo", 14, []), (True, "lung metastasis (24 mo)", 24, ["lung"])),
    ("No recurrence", (False, "No recurrence", None, []), None),  # says nothing of metastasis
    ("none", (False, "none", None, []), (False, "none", None, [])),
    ("No recurrence or metastasis", (False, "No recurrence or metastasis", None, []),
     (False, "No recurrence or metastasis", None, [])),
])
def test_each_item_is_read_as_what_it_names(
        text: str, recurrence: tuple[object, ...] | None,
        metastasis: tuple[object, ...] | None) -> None:
    events, warnings = read(text)
    assert events == [recurrence, metastasis]
    assert warnings == []


@pytest.mark.parametrize("text", ["yes", "progression", "Lung metastasis after recurrence"])
def test_an_item_naming_neither_or_both_is_left_out_with_a_warning(text: str) -> None:
    events, warnings = read(text)
    assert events == [None, None]
    assert "does not say whether it was a recurrence or a metastasis" in warnings[0]


def test_the_column_gives_the_record_its_recurrence_and_metastasis() -> None:
    record, problems = build({"case_id": "1",
                              "Recurrence/metastasis": "Local recurrence; lung metastasis"})
    assert record.recurrence is not None and record.recurrence.occurred
    assert record.metastasis is not None and [s.key for s in record.metastasis.sites] == ["lung"]
    assert problems == []
