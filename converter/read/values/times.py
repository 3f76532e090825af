"""Ages and times: ages as papers write them (`22`, `2 y`, `3 months`, `12-year-old`,
`1 y 6 mo`, `at birth`), age with sex in one cell (`22/F`), durations in months, and a duration
written inside a longer text (`alive at 36 mo`).
"""

from __future__ import annotations

import re

from converter.read.schema import TIME_ORIGINS, Age, Term, plain_number
from converter.read.values.terms import lookup, parse_sex
from converter.read.values.text import (
    NUMBER,
    InvalidValue,
    Warn,
    norm,
    note_left_out,
    number,
    read_noted,
)

MAX_AGE_YEARS = 120.0


MAX_MONTHS = 1_200.0


AGE_UNIT_WORDS = {
    "a": ("y", "yr", "yrs", "year", "years", "yo", "y o", "a", "years old", "year old", "yr old",
          "yrs old", "y old", "yoa"),
    "mo": ("m", "mo", "mos", "month", "months", "month old", "months old", "mo old", "m old", "mths",
           "mth"),
    "wk": ("w", "wk", "wks", "week", "weeks", "week old", "weeks old", "wk old"),
    "d": ("d", "day", "days", "day old", "days old"),
}


_AGE_UNIT = {word: unit for unit, words in AGE_UNIT_WORDS.items() for word in words}


_AGE_PART = re.compile(NUMBER + r"\s*(" + "|".join(
    sorted((re.escape(w) for w in _AGE_UNIT), key=len, reverse=True)) + r")\b")


AT_BIRTH = {"at birth", "birth", "newborn", "neonate", "neonatal", "congenital", "0", "0 d",
            "born at term", "at term birth", "newborn baby", "at delivery"}

# before birth: no Age can say it (an Age is at least 0), so it is kept as text (Condition.onsetString)
BEFORE_BIRTH = {"in utero", "antenatal", "antenatally", "prenatal", "prenatally", "fetal", "foetal",
                "intrauterine", "before birth", "prior to birth"}

# words that name a stage of life, not an age ("adolescent", "Young boy", "Neonatal period"):
# kept as text, with a warning; a stage is one of these nouns with qualifiers around it
LIFE_STAGES = {"infant", "infancy", "child", "childhood", "adult", "adolescent", "teenager",
               "toddler", "elderly", "adolescence", "pediatric", "paediatric", "baby", "teen",
               "neonatal", "neonate", "newborn", "boy", "girl", "man", "woman", "kid",
               "preschooler", "schoolchild"}
_STAGE_QUALIFIERS = {"young", "little", "small", "early", "late", "older", "old", "middle",
                     "aged", "elderly", "adult", "period", "age", "stage", "a", "an", "in",
                     "during", "the", "of", "school", "preschool"}
# the sex a stage of life states (a "boy" is male); the others state none
STAGE_SEX = {"boy": "male", "man": "male", "girl": "female", "woman": "female"}


def life_stage(text: str) -> tuple[str, ...] | None:
    """The words of `text` if they name a stage of life ("young boy", "neonatal period",
    "adolescent"), else None. A stage alone at birth ("newborn", "neonatal") is an age of 0
    (AT_BIRTH), read before this."""
    words = tuple(norm(text.replace("-", " ")).split())
    if not words or not any(w in LIFE_STAGES for w in words):
        return None
    if all(w in LIFE_STAGES or w in _STAGE_QUALIFIERS for w in words):
        return words
    return None


def stage_sex(text: str) -> str | None:
    """The sex a stage of life states: "Young girl" → "female"; None when it states none."""
    words = life_stage(text) or ()
    said = {STAGE_SEX[w] for w in words if w in STAGE_SEX}
    return next(iter(said)) if len(said) == 1 else None


def parse_age(text: str, hint: str | None, warn: Warn) -> Age | str:
    """An Age, or the words as written (a str) for an age before birth or a stage of life. A
    note in brackets ("45 (at recurrence)") is read past, with a warning: an Age carries none
    (words keep theirs: "in utero (32 wk)")."""
    age, note = read_noted(lambda value: _parse_age(value, hint, warn), text)
    if note is not None and isinstance(age, str):  # words: kept whole (Condition.onsetString)
        return text.strip()
    if note is not None:
        note_left_out(note, "the age (Condition.onsetAge)", warn)
    return age


def _parse_age(text: str, hint: str | None, warn: Warn) -> Age | str:
    raw = text.strip()
    if re.match(r"^\s*[-\u2212]\s*\d", raw):
        raise InvalidValue("an age cannot be negative")
    n = norm(raw.replace("-", " "))
    n = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", n)
    if n in AT_BIRTH:
        return Age(0, "d", raw)
    if n in BEFORE_BIRTH:
        return raw
    if life_stage(raw) is not None:
        warn(f"{raw!r} names a stage of life, not an age; kept as text (Condition.onsetString)")
        return raw
    if re.fullmatch(NUMBER, raw):
        value = number(raw)
        unit = hint or "a"
    else:
        n = n.removeprefix("aged ").removeprefix("age ")
        parts = list(_AGE_PART.finditer(n))
        leftover = _AGE_PART.sub(" ", n).replace("old", " ").replace(" and ", " ")
        if not parts or leftover.strip():
            raise InvalidValue(
                "not an age; write e.g. 22, 2 y, 3 months, 12-year-old, 1 y 6 mo or 'at birth'")
        units = [_AGE_UNIT[m.group(2)] for m in parts]
        values = [number(m.group(1)) for m in parts]
        if len(parts) == 1:
            value, unit = values[0], units[0]
        else:  # "1 y 6 mo" → months; "2 mo 10 d" → days
            finest = min(units, key=lambda u: {"a": 3, "mo": 2, "wk": 1, "d": 0}[u])
            per_year = {"a": 1.0, "mo": 12.0, "wk": 52.0, "d": 365.0}
            value = sum(v * per_year[finest] / per_year[u] for v, u in zip(values, units, strict=True))
            value, unit = round(value, 2), finest
    age = Age(plain_number(value), unit, raw)
    if age.years > MAX_AGE_YEARS:
        raise InvalidValue(f"an age of {age.years:.0f} years is impossible")
    return age


# a month is a twelfth of the Julian year (365.25 days): days / 30.4375
DAYS_PER_MONTH = 365.25 / 12
MONTHS_PER_UNIT = {"a": 12.0, "mo": 1.0, "wk": 7 / DAYS_PER_MONTH, "d": 1 / DAYS_PER_MONTH}
# months are kept to 2 decimals: within 0.005 months (0.15 days) of the value, so a number of
# days converts back to the same whole number of days
MONTH_DECIMALS = 2


def to_months(value: float, unit: str) -> int | float:
    """A duration in a unit of MONTHS_PER_UNIT, in months (rounded to MONTH_DECIMALS)."""
    months = value * MONTHS_PER_UNIT[unit]
    if months > MAX_MONTHS:
        raise InvalidValue(f"a duration of {plain_number(round(months))} months is impossible")
    return plain_number(round(months, MONTH_DECIMALS))


# Where a survival or follow-up time counts from (its origin): --columns gives it ("from"), or
# the cell ("36 mo from study entry", as `flatten` writes a time whose origin is not the
# default). A closed list: each is a different clock, and a guess would move every time.
ORIGIN_WORDS: dict[str, str] = {
    "diagnosis": "diagnosis", "dx": "diagnosis", "initial diagnosis": "diagnosis",
    "study entry": "study entry", "entry": "study entry", "enrolment": "study entry",
    "enrollment": "study entry", "registration": "study entry",
    "inclusion": "study entry", "entry into the study": "study entry",
    "randomisation": "randomisation", "randomization": "randomisation",
    "start of treatment": "start of treatment", "treatment start": "start of treatment",
    "first treatment": "start of treatment", "start of therapy": "start of treatment",
    "surgery": "surgery", "operation": "surgery", "resection": "surgery",
    "remission": "remission", "start of remission": "remission",
    "not reported": "not reported", "origin not reported": "not reported",
    "an origin not reported": "not reported", "unknown": "not reported",
}
assert set(ORIGIN_WORDS.values()) == set(TIME_ORIGINS)


def origin_of(words: str) -> str | None:
    """The origin the words name (one of schema.TIME_ORIGINS), None: not an origin."""
    return ORIGIN_WORDS.get(norm(words).removeprefix("the "))


def origins_text() -> str:
    return ", ".join(TIME_ORIGINS)


_FROM = re.compile(r"\s+(?:from|after|since)\s+(?:the\s+)?([a-z][a-z ]*)$")


def parse_duration(text: str, hint: str | None) -> tuple[int | float, bool, str | None]:
    """A duration in months, whether it is censored and the origin the cell names (None: it
    names none): 14, 14 mo, 945 days, 1.5 years, 3 yr, 24 mo from study entry; a bare number
    is in the header's unit (`hint`: d, wk, mo or a), else months. "36+" is censored: at least
    36, the event (death, recurrence) not seen at the last contact."""
    raw = text.strip()
    if re.match(r"^\s*[-\u2212]\s*\d", raw):
        raise InvalidValue("a duration cannot be negative")
    n = norm(raw)
    origin = None
    stated = _FROM.search(n)
    if stated:
        origin = origin_of(stated.group(1))
        if origin is None:
            raise InvalidValue(f"{stated.group(1)!r} is not an origin casefhir knows for a time; "
                               f"write one of: {origins_text()}")
        n = n[: stated.start()]
    censored = bool(re.search(r"\d\s*\+|\+\s*$", n))
    n = n.replace("+", " ").strip()
    match = re.fullmatch(NUMBER + r"\s*([a-z ]*?)\s*", n)
    if not match:
        raise InvalidValue("not a duration; write e.g. 14, 14 mo, 945 days, 1.5 years or 36+")
    value, word = number(match.group(1)), match.group(2).strip()
    unit = _AGE_UNIT.get(word) if word else (hint or "mo")
    if unit not in MONTHS_PER_UNIT:
        raise InvalidValue(f"{word!r} is not a unit of time; write days, weeks, months or years "
                           "(e.g. 945 days, 3 yr), or give the column's unit with --columns")
    return to_months(value, unit), censored, origin


def _noted_duration(text: str, hint: str | None,
                    warn: Warn) -> tuple[int | float, bool, str | None]:
    """parse_duration, reading past a note in brackets ("24 (lost to follow-up)") with a
    warning: a time carries none."""
    duration, note = read_noted(lambda value: parse_duration(value, hint), text)
    if note is not None:
        note_left_out(note, "a time", warn)
    return duration


def parse_months(text: str, hint: str | None, warn: Warn) -> int | float:
    """A duration in months (see parse_duration); a "+" is dropped. These times (recurrence,
    metastasis) count from the surgery (the data dictionary): another origin is refused."""
    months, _, origin = _noted_duration(text, hint, warn)
    if origin not in (None, "surgery"):
        raise InvalidValue(f"this time counts from the surgery, not from {origin}")
    return months


def parse_follow_up(text: str, hint: str | None, warn: Warn) -> tuple[int | float, bool,
                                                                      str | None]:
    """A follow-up or survival time in months, whether it is censored ("36+") and the origin
    its cell names ("24 mo from randomisation"; None: the column's)."""
    return _noted_duration(text, hint, warn)


_MONTHS_IN_TEXT = re.compile(
    r"(?:\bat\s+|\bafter\s+)?" + NUMBER +
    r"\s*\+?\s*(months|month|mos|mo|m|years|year|yrs|yr|y|weeks|week|wks|wk|days|day|d)\b"
    r"(?:\s+later\b)?")


def split_months(text: str) -> tuple[str, int | float | None]:
    """'alive, no recurrence at 36 mo' → ('alive, no recurrence', 36)."""
    match = _MONTHS_IN_TEXT.search(text.casefold())
    if not match:
        return text, None
    months = to_months(number(match.group(1)), _AGE_UNIT[match.group(2)])
    rest = (text[: match.start()] + text[match.end():]).strip(" ,;()")
    return rest, months


def parse_age_sex(text: str, hint: str | None, warn: Warn) -> tuple[Age | str | None,
                                                                   Term | None]:
    """'22/F', '2 y/M', '43F', 'F/22', '3 mo / male'; a cell with one of the two gives the other
    as not reported, with a warning ('24', 'F'); a stage of life ('Young girl', 'Neonatal
    period') is kept as text (see parse_age) with the sex it states, if any."""
    raw = text.strip()
    parts = [p.strip() for p in re.split(r"[/,;]", raw) if p.strip()]
    if len(parts) == 1 and life_stage(raw) is not None:
        age, sex = parse_age(raw, hint, warn), stage_sex(raw)
        if sex is None:
            warn(f"{raw!r} gives no sex; the sex not reported")
            return age, None
        return age, Term(raw, parse_sex(sex, hint, warn).key)
    if len(parts) == 1 and not re.search(r"[a-zA-Z]", raw):  # '24': the age only
        warn(f"{raw!r} gives an age and no sex; read as the age, the sex not reported")
        return parse_age(raw, hint, warn), None
    if len(parts) == 1 and not re.search(r"\d", raw) and lookup("sex", raw) is not None:
        warn(f"{raw!r} gives a sex and no age; read as the sex, the age not reported")
        return None, parse_sex(raw, hint, warn)  # 'F': the sex only
    if len(parts) == 1:
        match = re.fullmatch(r"(.*?\d[^a-zA-Z]*(?:[a-zA-Z]+\b(?=\s*[a-zA-Z]))?)\s*([a-zA-Z]+)", raw)
        if not match:
            raise InvalidValue("not age and sex; write e.g. 22/F, 2 y/M or 43F")
        parts = [match.group(1).strip(), match.group(2)]
    if len(parts) != 2:
        raise InvalidValue("not age and sex; write e.g. 22/F, 2 y/M or 43F")
    first, second = parts
    if re.search(r"\d", second) and not re.search(r"\d", first):
        first, second = second, first
    return parse_age(first, hint, warn), parse_sex(second, hint, warn)
