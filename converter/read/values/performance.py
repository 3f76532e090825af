"""Performance status cells: ECOG ("0" to "5", "ECOG 1", "PS 2", "ECOG PS 0-1" is refused as a
range) and Karnofsky ("80", "KPS 80", "80%", "Karnofsky 70"). A score outside its scale, or a
value that is not one score, is an error naming the cell: a wrong performance status would be a
false clinical statement, so it is never guessed or kept as text.
"""

from __future__ import annotations

import re

from converter.read.schema import PerformanceStatus
from converter.read.values.text import InvalidValue, Warn, number

_ECOG = re.compile(r"(?:(?:ecog|who|zubrod)\s*)?(?:(?:performance\s+status|ps)\s*)?[:=]?\s*"
                   r"(?:grade\s*)?(?P<score>\d+(?:[.,]\d+)?)", re.I)
_KARNOFSKY = re.compile(r"(?:(?:karnofsky|kps|kpi)\s*)?(?:(?:performance\s+(?:status|score|scale)"
                        r"|ps|score)\s*)?[:=]?\s*(?P<score>\d+(?:[.,]\d+)?)\s*%?", re.I)


_KARNOFSKY_WORDS = re.compile(r"\b(?:karnofsky|kps)\b", re.I)


def _score(text: str, pattern: re.Pattern[str], scale: str, top: int, step: int) -> int:
    words = " ".join(text.split()).strip(".")
    found = pattern.fullmatch(words)
    if found is None and scale == "ECOG" and _KARNOFSKY_WORDS.search(words):
        raise InvalidValue("a Karnofsky score in an ECOG column; map the column to karnofsky "
                           "with --columns (or name it 'KPS')")
    if found is None:
        article = "an" if scale == "ECOG" else "a"
        raise InvalidValue(f"not {article} {scale} performance status score; write one score from 0 to "
                           f"{top}, e.g. {'1, ECOG 1, PS 2' if top == 5 else '80, KPS 80'}")
    value = number(found.group("score"))  # "2.0": a spreadsheet's number
    if not value.is_integer():
        raise InvalidValue(f"{found.group('score')} is not a whole {scale} score (0 to {top})")
    score = int(value)
    if score > top or score % step:
        steps = f" in steps of {step}" if step > 1 else ""
        raise InvalidValue(f"{score} is outside the {scale} scale (0 to {top}{steps})")
    return score


def parse_ecog(text: str, hint: str | None, warn: Warn) -> PerformanceStatus:
    """An ECOG performance status, 0 (fully active) to 5 (dead)."""
    return PerformanceStatus(score=_score(text, _ECOG, "ECOG", 5, 1), text=" ".join(text.split()))


def parse_karnofsky(text: str, hint: str | None, warn: Warn) -> PerformanceStatus:
    """A Karnofsky performance status, 0 to 100 in steps of 10."""
    return PerformanceStatus(score=_score(text, _KARNOFSKY, "Karnofsky", 100, 10),
                             text=" ".join(text.split()))
