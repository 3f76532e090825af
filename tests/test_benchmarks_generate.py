"""The synthetic tables (benchmarks/generate.py, benchmarks/sample.py) are clinically coherent:
every row's age, sex words, diagnosis, operation, treatment and course agree. The checks parse
the cells back on their own (not with the generators' writers); the diagnosis age ranges are the
data of benchmarks/coherence.py, plus the one fact the issue names outright (infantile
fibrosarcoma under two years)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import orjson
import pytest

from benchmarks import sample
from benchmarks.coherence import DIAGNOSES, diagnosis_of
from benchmarks.generate import main as generate
from tests.conftest import run

ROWS = 5000
Y = 12

FEMALE = {"F", "female", "woman", "girl"}
MALE = {"M", "male", "man", "boy"}


def age_interval(text: str) -> tuple[int, int]:
    """The ages (months, inclusive) an age cell can mean."""
    words = {"at birth": (0, 0), "newborn": (0, 0), "infant": (1, 11),
             "young girl": (3 * Y, 12 * Y - 1), "young boy": (3 * Y, 12 * Y - 1),
             "adolescent": (12 * Y, 18 * Y - 1)}
    if text.lower() in words:
        return words[text.lower()]
    if m := re.fullmatch(r"(\d+) (?:months|mo)", text):
        return int(m[1]), int(m[1])
    if m := re.fullmatch(r"1 y (\d+) mo", text):
        return Y + int(m[1]), Y + int(m[1])
    m = re.fullmatch(r"(\d+)(?: y| years|-year-old|-yr-old)?", text)
    assert m, f"unreadable age {text!r}"
    return int(m[1]) * Y, int(m[1]) * Y + 11


def sex_of(word: str) -> str:
    assert word in FEMALE | MALE, word
    return "female" if word in FEMALE else "male"


def check_person(row: dict[str, str]) -> None:
    """Age, sex words and diagnosis agree."""
    low, high = age_interval(row["Age"])
    sex = sex_of(row["Sex"])
    if row["Sex"] in ("girl", "boy"):
        assert high < 18 * Y, row
    if row["Sex"] in ("woman", "man"):
        assert low >= 18 * Y, row
    if row["Age"].lower().startswith("young "):
        assert row["Age"].lower().endswith("girl" if sex == "female" else "boy"), row
    family = diagnosis_of(row["Diagnosis"])
    assert family, row["Diagnosis"]
    diagnosis = DIAGNOSES[family]
    assert diagnosis.youngest <= low and high <= diagnosis.oldest + 11, row
    if family == "infantile fibrosarcoma":
        assert high < 2 * Y, row


LIMBS = {"above-knee amputation": {"thigh"}, "below-knee amputation": {"lower leg", "calf"},
         "amputation": {"upper arm", "forearm"}}


def check_course(row: dict[str, str]) -> None:
    """Operation, margin, treatment, response and outcome agree with each other and the site."""
    region = re.sub(r"^(left|right|Left|Rt|L) ", "", row["Site"])
    if "amputation" in row["Surgery"]:
        assert region in LIMBS[row["Surgery"]], row
    if row["Surgery"] == "marginal resection":
        assert row["Margin"] in ("marginal", "R1", "involved"), row
    if row["Surgery"] in ("wide excision", *LIMBS):
        assert row["Margin"] in ("R0", "wide", "free", "wide (R0)"), row
    negative = row["Gene fusion"] in ("negative", "none detected")
    if negative:
        assert diagnosis_of(row["Diagnosis"]) == "infantile fibrosarcoma", row
        assert row["Treatment"] not in ("larotrectinib", "entrectinib"), row
    if row["Treatment"] in ("", "none"):
        assert row["Response"] == "", row
    if "RT" in row["Treatment"] or "radiotherapy" in row["Treatment"]:
        assert age_interval(row["Age"])[0] >= 3 * Y, row
    follow_up = int(row["Follow-up (months)"])
    recurred = row["Local recurrence"] in ("yes", "Y") or row["Local recurrence"].startswith("yes (")
    assert recurred or row["Local recurrence"] in ("no", "N", "-"), row
    if m := re.fullmatch(r"yes \((\d+) mo\)", row["Local recurrence"]):
        assert int(m[1]) < follow_up, row
    spread = row["Metastasis"] != "no"
    assert recurred or not spread, row
    status = row["Status"]
    if "NED" in status or "no recurrence" in status:
        assert not recurred and not spread, row
    if status == "DOD" or status.startswith("AWD"):
        assert recurred or spread, row
    if m := re.search(r"at (\d+) mo", status):
        assert int(m[1]) == follow_up, row


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_benchmark_row_is_coherent(tmp_path: Path) -> None:
    table = tmp_path / "cases.csv"
    generate(["--rows", str(ROWS), "--seed", "1", "-o", str(table)])
    rows = read(table)
    assert len(rows) == ROWS
    for row in rows:
        check_person(row)
        check_course(row)
    # still the free-text variety: several notations of each kind
    ages = {re.sub(r"\d+", "N", row["Age"]) for row in rows}
    assert {"N", "N y", "N-year-old", "N-yr-old", "N years", "N months", "N mo", "at birth",
            "N y N mo", "Young girl", "Young boy", "infant", "adolescent"} <= ages
    assert {row["Sex"] for row in rows} == FEMALE | MALE
    assert len({diagnosis_of(row["Diagnosis"]) for row in rows}) == 3
    assert len({row["Diagnosis"] for row in rows}) >= 7
    assert len({row["Status"] for row in rows}) > 100  # months in the free-text statuses


@pytest.mark.parametrize("seed", [2, 7])
def test_other_seeds_are_coherent_too(seed: int, tmp_path: Path) -> None:
    table = tmp_path / "cases.csv"
    generate(["--rows", "2000", "--seed", str(seed), "-o", str(table)])
    for row in read(table):
        check_person(row)
        check_course(row)


def test_the_validation_sample_ages_fit_its_diagnoses() -> None:
    for cells in sample.rows(sample.CASES, sample.SEED):
        row = dict(zip(sample.HEADERS, cells, strict=True))
        check_person(row)


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    def table(name: str, seed: int) -> bytes:
        generate(["--rows", str(ROWS), "--seed", str(seed), "-o", str(tmp_path / name)])
        return (tmp_path / name).read_bytes()

    first = table("a.csv", 1)
    assert first == table("b.csv", 1)
    assert first != table("c.csv", 2)


def test_a_generated_table_converts(tmp_path: Path) -> None:
    table, out = tmp_path / "cases.csv", tmp_path / "bundle.json"
    generate(["--rows", "200", "--seed", "5", "-o", str(table)])
    result = run("convert", str(table), "--series-id", "bench", "-q", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "error" not in result.stderr.lower()
    resources = [e["resource"] for e in orjson.loads(out.read_bytes())["entry"]]
    assert sum(r["resourceType"] == "Patient" for r in resources) == 200
