"""Stage and grade cells (converter/read/values/stages.py) in the notations case-series tables
use (those named in issue 13), and a stage column's extent words never becoming a metastasis."""

from __future__ import annotations

import pytest

from converter.read.schema import Grade, Stage
from converter.read.values.stages import parse_grade, parse_stage
from mappings import profiles
from mappings.case import map_record
from tests.conftest import build, record


class Warnings(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


def stage(text: str) -> tuple[Stage, list[str]]:
    warnings = Warnings()
    return parse_stage(text, None, warnings), warnings


@pytest.mark.parametrize(("text", "group", "system"), [
    ("Stage III", "III", None), ("IIIA", "IIIA", None), ("stage IV", "IV", None),
    ("stage 3", "III", None), ("AJCC stage IIB", "IIB", "tnm"), ("FIGO IIIC", "IIIC", "figo"),
    ("FIGO stage IA1", "IA1", "figo"),
])
def test_stage_groups(text: str, group: str, system: str | None) -> None:
    parsed, warnings = stage(text)
    assert (parsed.group, parsed.system, parsed.extent) == (group, system, None)
    assert warnings == []


@pytest.mark.parametrize(("text", "prefix", "tnm"), [
    ("pT2N0M0", "p", ("T2", "N0", "M0")), ("T2bN1M0", None, ("T2b", "N1", "M0")),
    ("cT3N1M0", "c", ("T3", "N1", "M0")), ("pT2 N0 M0", "p", ("T2", "N0", "M0")),
    ("T1N0", None, ("T1", "N0", None)), ("TXN1M1", None, ("TX", "N1", "M1")),
])
def test_tnm_categories(text: str, prefix: str | None, tnm: tuple[str, ...]) -> None:
    parsed, warnings = stage(text)
    assert (parsed.prefix, (parsed.t, parsed.n, parsed.m), parsed.system) == (prefix, tnm, "tnm")
    assert parsed.group is None and warnings == []


@pytest.mark.parametrize(("text", "prefixes", "tnm"), [
    ("ypT2N0", ("yp", None, None), ("T2", "N0", None)),
    ("ycT3N1M0", ("yc", None, None), ("T3", "N1", "M0")),
    ("rpT1", ("rp", None, None), ("T1", None, None)),
    ("cT2N0M0", ("c", None, None), ("T2", "N0", "M0")),
    ("pT1a pN0 cM0", ("p", None, "c"), ("T1a", "N0", "M0")),
    ("cT2 cN0 cM0", ("c", None, None), ("T2", "N0", "M0")),
    ("pTis", ("p", None, None), ("Tis", None, None)),
    ("pTX", ("p", None, None), ("TX", None, None)),
    ("pN1mi", ("p", None, None), (None, "N1mi", None)),
    ("aT2N0", ("a", None, None), ("T2", "N0", None)),
    ("Stage IIA (ypT2N0M0)", ("yp", None, None), ("T2", "N0", "M0")),
    ("pT2a, pN0, M0", ("p", None, None), ("T2a", "N0", "M0")),
    ("pT1c N0(sn) M0", ("p", None, None), ("T1c", "N0(sn)", "M0")),
    ("pT2(m)N0", ("p", None, None), ("T2(m)", "N0", None)),
    ("pT1 pN0(i+)(sn) cM0", ("p", None, "c"), ("T1", "N0(i+)(sn)", "M0")),
])
def test_tnm_prefixes_as_staging_writes_them(
        text: str, prefixes: tuple[str | None, ...], tnm: tuple[str | None, ...]) -> None:
    """c / p classification, y (post-therapy), r (recurrence), a (autopsy): kept, never dropped."""
    parsed, warnings = stage(text)
    assert (parsed.prefix, parsed.n_prefix, parsed.m_prefix) == prefixes
    assert (parsed.t, parsed.n, parsed.m) == tnm
    assert parsed.system == "tnm" and parsed.extent is None and warnings == []


@pytest.mark.parametrize("text", ["T2", "T1-weighted", "N0"])
def test_a_single_category_without_a_prefix_is_no_stage(text: str) -> None:
    """"T2" alone may be an MRI weighting: it stays text with a warning."""
    parsed, warnings = stage(text)
    assert (parsed.t, parsed.n, parsed.m, parsed.extent) == (None, None, None, text)
    assert len(warnings) == 1


def test_group_with_its_categories() -> None:
    parsed, _ = stage("Stage IIIA (pT2N1M0)")
    assert (parsed.group, parsed.prefix, parsed.t, parsed.n, parsed.m, parsed.extent) == \
        ("IIIA", "p", "T2", "N1", "M0", None)


@pytest.mark.parametrize("text", ["Inoperable", "unresectable", "locally advanced",
                                  "Recurrent after resection", "localized", "metastatic"])
def test_extent_words_are_kept_as_text(text: str) -> None:
    parsed, warnings = stage(text)
    assert parsed == Stage(text=text, extent=text)
    assert warnings == []


def test_a_range_of_stages_is_text_with_a_warning() -> None:
    parsed, warnings = stage("Stage III/IV")
    assert parsed.group is None and parsed.extent == "Stage III/IV"
    assert "range" in warnings[0]


@pytest.mark.parametrize("text", ["Inferior vena cava (IVC) invasion", "IVC thrombus",
                                  "Type II pneumocytes", "Grade III"])
def test_a_roman_looking_word_among_other_words_is_no_stage(text: str) -> None:
    """ewing-lit row 15's extent: "IVC" is the vena cava, not stage IVC; the text is kept whole."""
    parsed, warnings = stage(text)
    assert parsed.group is None and parsed.extent == text
    assert "not a known stage" in warnings[0]


@pytest.mark.parametrize(("text", "group"), [("IV", "IV"), ("IV, metastatic", "IV"),
                                             ("Locally advanced (III)", "III"),
                                             ("T1N0M0 (IA)", "IA"), ("AJCC IIB", "IIB")])
def test_a_bare_numeral_alone_or_with_extent_words_is_a_stage(text: str, group: str) -> None:
    assert stage(text)[0].group == group


def test_punctuation_beside_nothing_else_is_kept_whole() -> None:
    """A found random round trip: "+'" lost its "+" (stripped as a separator)."""
    parsed, warnings = stage("+'")
    assert parsed.extent == "+'" and warnings


def test_unknown_words_warn() -> None:
    parsed, warnings = stage("Stage II, bulky")
    assert parsed.group == "II" and parsed.extent == "bulky"
    assert "not a known stage" in warnings[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("FNCLCC 2", Grade("FNCLCC 2", number=2, system="FNCLCC")),
    ("FNCLCC grade 3", Grade("FNCLCC grade 3", number=3, system="FNCLCC")),
    ("grade 3", Grade("grade 3", number=3)), ("G2", Grade("G2", number=2)),
    ("Grade II", Grade("Grade II", number=2)),
    ("low grade", Grade("low grade", level="low")),
    ("high grade", Grade("high grade", level="high")),
    ("intermediate-grade", Grade("intermediate-grade", level="intermediate")),
])
def test_grades(text: str, expected: Grade) -> None:
    warnings = Warnings()
    assert parse_grade(text, None, warnings) == expected
    assert warnings == []


def test_unknown_grade_keeps_its_text_with_a_warning() -> None:
    warnings = Warnings()
    assert parse_grade("moderately differentiated", None, warnings).number is None
    assert len(warnings) == 1


@pytest.mark.parametrize("header", ["Stage", "Extent", "Disease extent", "Resectability",
                                    "TNM stage", "Tumour stage"])
@pytest.mark.parametrize("text", ["Inoperable", "Recurrent after resection", "Stage III/IV",
                                  "metastatic"])
def test_extent_in_a_stage_column_is_never_a_metastasis(header: str, text: str) -> None:
    built, problems = build({"case_id": "1", header: text})
    assert built is not None, [p.render() for p in problems]
    assert built.metastasis is None
    assert built.stage is not None and built.stage.extent == text
    made = map_record(built)
    claimed = {profile for r in made for profile in r["meta"].get("profile", [])}
    assert not claimed & {profiles.SECONDARY_CANCER_CONDITION,
                          profiles.HISTORY_OF_METASTATIC_CANCER}
    assert [r["valueCodeableConcept"]["text"] for r in made
            if r["id"].endswith("disease-extent")] == [text]


def test_stage_and_grade_headers() -> None:
    built = record(**{"AJCC stage": "IIIA", "FNCLCC grade": "2"})
    assert built.stage.group == "IIIA" and built.grade.number == 2
