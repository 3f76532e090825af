"""The cross-field facts the synthetic tables keep (benchmarks/generate.py, benchmarks/sample.py):
the ages each diagnosis is drawn at, the sex words an age allows, and an age writer that keeps to
both. One place, as data, so the two generators and their tests agree.

The age ranges are conservative: inside the ages the sources below report, never wider, so a
generated case is one the literature would not find odd. Ranges are in months (an infant's age is
written in months); a range's ends are inclusive.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

YEAR = 12  # months


@dataclass(frozen=True)
class Diagnosis:
    """A tumour family: the wordings its cells use, and the ages (months) it is drawn at."""

    wordings: tuple[str, ...]
    youngest: int
    oldest: int


# Sources of the ranges:
#   seed  = /work/shared/data/seed-case-series.md (Kobayashi 2023: NTRK-RSCN, ages 2-43 years)
#   ifs   = tests/corpus/ifs-lit (published IFS case reports: antenatal, at birth, newborn,
#           neonatal, 11 months, 2 y; the 4-9-year-old rows are relapses and a giant
#           multinodular tumour, not the usual presentation, so left out)
#   syn   = tests/corpus/synovial-lit (published synovial sarcomas: 12-70 years, "adolescent")
#   gist  = tests/corpus/gist-lit (adult GISTs 42-74 years; its infant and "young girl" rows are
#           the separately worded paediatric / SDH-deficient GIST, not drawn here)
#   adult = tests/corpus gbsg2 (breast, 32-80 years), ncctg-lung (lung, 48-74 years)
# Lipofibromatosis-like neural tumour: a tumour of children and young adults (issue 15), drawn
# inside the seed series' 2-43 years and capped at 30.
DIAGNOSES: dict[str, Diagnosis] = {
    "infantile fibrosarcoma": Diagnosis(  # ifs: congenital or in the first two years
        ("infantile fibrosarcoma", "Infantile fibrosarcoma", "IFS"), 0, 2 * YEAR - 1),
    "ntrk-rscn": Diagnosis(  # seed: 2-43 years
        ("NTRK-rearranged spindle cell neoplasm", "NTRK-RSCN",
         "NTRK-rearranged spindle cell tumour"), 2 * YEAR, 43 * YEAR + 11),
    "lpf-nt": Diagnosis(  # children and young adults, within seed's range
        ("lipofibromatosis-like neural tumour", "Lipofibromatosis-like neural tumor"),
        2 * YEAR, 30 * YEAR + 11),
    # the validation sample's adult families (benchmarks/sample.py draws the years uniformly)
    "synovial sarcoma": Diagnosis(  # syn: 12-70 years
        ("Synovial sarcoma", "synovial sarcoma, monophasic", "Synovial sarcoma (biphasic)"),
        12 * YEAR, 70 * YEAR + 11),
    "gist": Diagnosis(  # gist: adults (sample draws 35-85)
        ("GIST", "gastrointestinal stromal tumour",
         "Gastrointestinal stromal tumor, spindle cell type"), 35 * YEAR, 85 * YEAR + 11),
    "lung adenocarcinoma": Diagnosis(  # adult: ncctg-lung 48-74; a carcinoma of adults
        ("Lung adenocarcinoma", "NSCLC, adenocarcinoma", "adenocarcinoma of the lung"),
        42 * YEAR, 84 * YEAR + 11),
    "breast carcinoma": Diagnosis(  # adult: gbsg2 32-80
        ("Invasive ductal carcinoma of breast", "breast carcinoma, NST",
         "invasive lobular carcinoma"), 28 * YEAR, 80 * YEAR + 11),
    "colorectal carcinoma": Diagnosis(  # a carcinoma of adults
        ("Colorectal adenocarcinoma", "adenocarcinoma of the sigmoid colon",
         "rectal adenocarcinoma"), 40 * YEAR, 88 * YEAR + 11),
}

ADULT = 18 * YEAR
# sex words by who they can describe: the neutral ones fit anyone
NEUTRAL_SEX = {"F": "female", "M": "male", "female": "female", "male": "male"}
CHILD_SEX = {"girl": "female", "boy": "male"}  # under 18
ADULT_SEX = {"woman": "female", "man": "male"}  # 18 and over
# an age cell that is a stage of life, not a number (read as text with a warning), with the ages
# (months, inclusive) it fits; "Young girl" / "Young boy" name the sex as well, so only the
# patient's own
LIFE_STAGES: tuple[tuple[str, int, int], ...] = (
    ("newborn", 0, 0), ("infant", 1, YEAR - 1), ("Young {sex}", 3 * YEAR, 12 * YEAR - 1),
    ("adolescent", 12 * YEAR, ADULT - 1))


def life_stage(months: int, female: bool) -> str | None:
    """A stage-of-life word that fits this age and sex; None where none does (1-2 years, and
    from 18)."""
    for word, youngest, oldest in LIFE_STAGES:
        if youngest <= months <= oldest:
            return word.format(sex="girl" if female else "boy")
    return None


def diagnosis_of(text: str) -> str | None:
    """The family a diagnosis wording belongs to."""
    for family, diagnosis in DIAGNOSES.items():
        if text in diagnosis.wordings:
            return family
    return None


def span(family: str) -> tuple[int, int]:
    """The ages (months, inclusive) a family is drawn at."""
    diagnosis = DIAGNOSES[family]
    return diagnosis.youngest, diagnosis.oldest


def years(family: str) -> tuple[int, int]:
    """The whole years a family is drawn at (for `random.randint`)."""
    diagnosis = DIAGNOSES[family]
    return diagnosis.youngest // YEAR, diagnosis.oldest // YEAR


def sex_word(r: random.Random, months: int, female: bool) -> str:
    """A sex word that fits a patient of this age: girl / boy only under 18, woman / man only
    from 18."""
    special = CHILD_SEX if months < ADULT else ADULT_SEX
    words = [w for w, s in (*NEUTRAL_SEX.items(), *special.items())
             if (s == "female") == female]
    return r.choice(words)


# the draw of a wide age (0-79 years, infants more often); sample.py's random stream depends on
# its shape, so a range only folds the drawn age, never draws differently
WIDE_YEARS = [0, 0, 1, 2, 3, *range(4, 80)]


def fold(months: int, youngest: int, oldest: int) -> int:
    """`months` brought into [youngest, oldest]: unchanged inside, wrapped round outside."""
    if youngest <= months <= oldest:
        return months
    return youngest + (months - youngest) % (oldest - youngest + 1)


def write_age(months: int, style: int) -> str:
    """An age as case-series tables write it: months for infants, years from two on."""
    if months == 0:
        return "at birth"
    n, rest = divmod(months, YEAR)
    if n == 0:
        return [f"{months} months", f"{months} mo", f"{months} months"][style % 3]
    if n == 1:
        return [f"{months} months", f"{months} mo", f"1 y {rest} mo" if rest else "1 y"][style % 3]
    return [str(n), f"{n} y", f"{n}-year-old", f"{n}-yr-old", f"{n} years"][style % 5]


def age(r: random.Random, youngest: int = 0, oldest: int = 79 * YEAR + 11) -> tuple[str, int]:
    """An age cell inside [youngest, oldest] months, and the age in months it says. The calls on
    `r` are the same whatever the range: a wide age, then (unless a newborn) its notation."""
    drawn = r.choice(WIDE_YEARS)
    if drawn == 0:
        months = r.randint(0, 11)
        style = r.randrange(3) if months else 0
    else:
        months = drawn * YEAR + drawn * 7 % YEAR  # a spread of months, so a fold varies them
        style = r.randrange(5)
    months = fold(months, youngest, oldest)
    text = write_age(months, style)
    return text, (months // YEAR * YEAR if months >= 2 * YEAR else months)
