"""Tumour sizes as the literature corpus writes them (converter/read/values/sizes.py): a hyphen
before the unit, `*` between dimensions, "±"/"~" for "about", and "4/6 cm", which says no one
size — each read into the mCODE TumorSize it means, or none, never rejecting the row."""

from __future__ import annotations

from typing import Any

import pytest

from converter.read.values.sizes import parse_size
from converter.read.values.text import InvalidValue
from mappings.imaging import SIZE_NOTE, to_fhir_imaging
from tests.conftest import build, by_id


def dimensions(size: dict[str, Any]) -> list[tuple[float, str]]:
    return [(c["valueQuantity"]["value"], c["valueQuantity"]["code"]) for c in size["component"]]


@pytest.mark.parametrize(("cell", "expected"), [
    ("8.2*7.7*8.9-cm", [(8.9, "cm"), (8.2, "cm"), (7.7, "cm")]),  # synovial-lit case 3
    ("8.0 x 5.0-cm", [(8, "cm"), (5, "cm")]),  # gist-lit case 2
    ("30-mm", [(30, "mm")]),  # gist-lit case 10
    ("44 * 39 mm", [(44, "mm"), (39, "mm")]),  # imt-lit case 4
    ("61\u00d759mm", [(61, "mm"), (59, "mm")]),  # gist-lit case 1
])
def test_literature_sizes_become_their_dimensions(cell: str, expected: list[tuple[float, str]]
                                                  ) -> None:
    made, problems = build({"case_id": "1", "size": cell})
    assert made is not None and problems == []
    size = by_id(to_fhir_imaging(made))["tumour-size"]
    assert dimensions(size) == expected
    assert size["note"] == [{"text": SIZE_NOTE + cell}]


def test_an_approximate_size_keeps_its_numbers_and_says_it_is_approximate() -> None:
    # ifs-lit case 8 (Irsan 2023: "with size ±2.8x3.1x4.7 cm, with the multiplication sign")
    cell = "\u00b12.8\u00d73.1\u00d74.7 cm"
    made, problems = build({"case_id": "1", "size": cell})
    assert made is not None
    assert [p.severity.name for p in problems] == ["WARNING"]
    assert "'\u00b1' before the size read as 'approximately'" in problems[0].message
    size = by_id(to_fhir_imaging(made))["tumour-size"]
    assert dimensions(size) == [(4.7, "cm"), (3.1, "cm"), (2.8, "cm")]
    # no comparator: FHIR's (<, <=, >=, >) would each say something else than "about"
    assert all("comparator" not in c["valueQuantity"] for c in size["component"])
    assert size["note"] == [{"text": SIZE_NOTE + cell}]


@pytest.mark.parametrize("cell", ["~3 cm", "approx. 3 cm", "about 3 cm", "\u22483 cm"])
def test_about_words_are_read_as_approximate(cell: str) -> None:
    warnings: list[str] = []
    size = parse_size(cell, None, warnings.append)
    assert size is not None and (size.dimensions, size.unit, size.text) == ((3,), "cm", cell)
    assert len(warnings) == 1 and "approximately" in warnings[0]


@pytest.mark.parametrize("cell", ["4/6 cm", "4 / 6 cm", "4/6 cm (CT)", "4 cm/6 cm"])
def test_a_slashed_size_is_no_number_but_does_not_reject_the_row(cell: str) -> None:
    # synovial-lit case 11 ("4/6 cm"): 4 or 6 cm, or 4 x 6 cm? Never a number it may not be.
    made, problems = build({"case_id": "1", "size": cell, "diagnosis": "synovial sarcoma"})
    assert made is not None and made.size is None
    assert not any(r["id"].endswith("tumour-size") for r in to_fhir_imaging(made))
    messages = [p.message for p in problems]
    assert any("may be 4 or 6, or 4 x 6" in m and "no size is recorded" in m for m in messages)
    assert all(p.severity.name == "WARNING" for p in problems)


@pytest.mark.parametrize(("cell", "message"), [
    ("1/0 cm", "greater than zero"), ("4/600 cm", "implausible"), ("4/6", "needs a unit"),
    ("3 cm 12/2019", "not a size"),
    ("4-6 cm", "not a size"), ("-3 cm", "negative"), ("30-", "not a size"), ("\u00b1 cm", "not a size"),
    ("-cm", "negative"),
])
def test_what_is_still_no_size(cell: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        parse_size(cell, None, lambda _: None)

