"""The shared basics of the value parsers: a value's bracketed note (split_note, read_noted)."""

from typing import Any

import pytest

from converter.read.values.text import InvalidValue, read_noted, split_note
from mappings.case import map_record
from tests.conftest import build, by_id, codes


@pytest.mark.parametrize(("text", "value", "note"), [
    ("45 (at recurrence)", "45", "at recurrence"),
    ("NED (36 mo)", "NED", "36 mo"),
    ("R1 (focal) ", "R1", "focal"),
    ("45", "45", None),
    ("(45)", "(45)", None),  # only a bracket: no value before the note
    ("45 ()", "45 ()", None),
    ("5 (a) b", "5 (a) b", None),  # the note must end the value
])
def test_split_note(text: str, value: str, note: str | None) -> None:
    assert split_note(text) == (value, note)


def _number(text: str) -> int:
    if not text.isdigit():
        raise InvalidValue(f"{text!r} is not a number")
    return int(text)


def test_read_noted_reads_past_a_note_only_when_the_whole_fails() -> None:
    assert read_noted(_number, "24") == (24, None)
    assert read_noted(_number, "24 (lost to follow-up)") == (24, "lost to follow-up")
    with pytest.raises(InvalidValue, match="'x \\(y\\)' is not a number"):
        read_noted(_number, "x (y)")  # the whole text's error, not the value's


def _problems(**cells: str) -> tuple[dict[str, dict[str, Any]], list[str]]:
    built, problems = build({"case_id": "1", **cells})
    assert built is not None, [p.render() for p in problems]
    return by_id(map_record(built)), [p.message for p in problems]


def test_notes_never_reject_a_row_and_stay_where_fhir_can_carry_them() -> None:
    resources, warnings = _problems(
        age="45 (at recurrence)", sex="F (per report)", surgery="resection (R0)",
        margin="R1 (focal)", status="NED (36 mo)")
    assert resources["primary"]["onsetAge"]["value"] == 45
    assert resources["patient"]["gender"] == "female"
    margin = resources["margin"]["valueCodeableConcept"]
    assert codes(margin) == ["442479004"] and margin["text"] == "R1 (focal)"
    assert resources["surgery"]["code"]["text"] == "resection (R0)"
    # an age and a gender carry no words: each note is a warning naming it
    assert "the note (at recurrence) is left out: the age (Condition.onsetAge) has no place for " \
           "it" in warnings
    assert "the note (per report) is left out: Patient.gender has no place for it" in warnings


def test_a_time_with_a_note_is_read_with_a_warning() -> None:
    resources, warnings = _problems(surgery="excision", status="alive",
                                    follow_up_months="24 (lost to follow-up)")
    timing = resources["last-follow-up"]["_effectiveDateTime"]["extension"][0]["extension"]
    [offset] = [part["valueDuration"] for part in timing if part["url"] == "offset"]
    assert (offset["value"], offset["code"]) == (24, "mo")
    assert "the note (lost to follow-up) is left out: a time has no place for it" in warnings


def test_an_age_in_words_keeps_its_note() -> None:
    from converter.read.values.times import parse_age

    warnings: list[str] = []
    assert parse_age("in utero (32 wk)", None, warnings.append) == "in utero (32 wk)"
    assert warnings == []
    age = parse_age("3 months (corrected)", None, warnings.append)
    assert not isinstance(age, str) and (age.value, age.unit) == (3, "mo")
    assert warnings == ["the note (corrected) is left out: the age (Condition.onsetAge) has no "
                        "place for it"]
