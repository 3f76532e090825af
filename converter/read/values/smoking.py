"""Smoking cells as papers write them: a status ("never", "former", "ex-smoker", "current",
"light smoker", "daily smoker") and pack-years ("30 pack-years", "40 PY", ">20 pack-years"), in
either order or alone.

The status is looked up in the "smoking" vocabulary (mappings/terminology/vocabularies.toml),
whose entries are the verified smoking-status codes. Words that do not say which status —
"yes" (current or former?), "no" and "non-smoker" (never or former?), "ever smoker" — keep their
text with a warning: a code must mean what the cell says. A bare number is pack-years only when
the header says so ("Pack-years", "Smoking (pack-years)"); otherwise it is an error, since it
could count anything.
"""

from __future__ import annotations

import re

from converter.problems import shorten
from converter.read.schema import Smoking, plain_number
from converter.read.values.terms import lookup
from converter.read.values.text import InvalidValue, Warn, norm, number

PACK_YEARS = "pack-years"  # the unit hint of a pack-years header

_PACK_YEARS = re.compile(
    r"(?P<comparator><=|>=|\u2264|\u2265|<|>)?\s*(?P<number>\d+(?:[.,]\d+)?)\s*"
    r"(?:pack[\s-]*(?:years?|yrs?|y)\b|py\b|pky\b|p/y\b)", re.I)
_BARE = re.compile(r"(?P<comparator><=|>=|\u2264|\u2265|<|>)?\s*(?P<number>\d+(?:[.,]\d+)?)")
_COMPARATORS = {"\u2264": "<=", "\u2265": ">="}
# words that answer "smoker?" without saying which status
_UNSAID = {"yes": "does not say whether current or former smoking",
           "y": "does not say whether current or former smoking",
           "ever": "does not say whether current or former smoking",
           "ever smoker": "does not say whether current or former smoking",
           "ever smoked": "does not say whether current or former smoking",
           "no": "does not say whether never or former smoker",
           "n": "does not say whether never or former smoker",
           "non smoker": "does not say whether never or former smoker",
           "nonsmoker": "does not say whether never or former smoker",
           "non smokers": "does not say whether never or former smoker"}


def parse_smoking(text: str, hint: str | None, warn: Warn) -> Smoking:
    """The smoking status and pack-years of a cell (see the module docstring)."""
    words = " ".join(text.split())
    pack_years: int | float | None = None
    comparator: str | None = None
    rest = words
    found = _PACK_YEARS.search(words)
    bare = _BARE.fullmatch(words)
    if found is None and bare is not None:
        if hint != PACK_YEARS:
            raise InvalidValue(
                "a bare number does not say a smoking status; write never, former or current "
                "smoker, or pack-years as '30 pack-years' (or name the column 'Pack-years')")
        found = bare
    if found is not None:
        pack_years = plain_number(number(found.group("number")))
        written = found.group("comparator")
        comparator = _COMPARATORS.get(written, written) if written else None
        rest = words[:found.start()] + " " + words[found.end():]
    rest = re.sub(r"\(\s*\)|\[\s*\]", " ", rest)
    rest = " ".join(rest.split()).strip(" ,;:/-")
    key = lookup("smoking", rest) if rest else None
    if rest and key is None:
        why = _UNSAID.get(norm(rest))
        if why:
            warn(f"{shorten(rest, 60)!r} {why}; kept as text without a smoking status code")
        else:
            warn(f"{shorten(rest, 80)!r} is not a known smoking status (never, former, current, "
                 "daily, occasional smoker); kept as text without a code")
    elif not rest:
        warn(f"{shorten(words, 60)!r} gives pack-years but no smoking status (never, former, "
             "current); the status is kept as text without a code")
    return Smoking(text=words, key=key, pack_years=pack_years, pack_years_comparator=comparator)
