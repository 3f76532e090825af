"""Mitotic counts as papers write them: "5/10 HPF", "3 per 10 HPF", "12/50 HPF", "<1/10HPF",
"8 mitoses/10 HPF", "5 per 2 mm2", "4/mm²", "2 per HPF", or a bare number under a header that
states the area ("Mitoses/10 HPF", "Mitotic count (per mm2)").

The area is kept as written: 10 HPF is not turned into mm², because the field area depends on
the microscope. A count whose area neither the cell nor the header states is read with a
warning (a count without its area cannot be compared).
"""

from __future__ import annotations

import re

from converter.problems import shorten
from converter.read.schema import MitoticCount, plain_number
from converter.read.values.text import InvalidValue, Warn, number

_AREA = (r"(?:(?:per|/|in|x)\s*)(?P<per>\d+(?:[.,]\d+)?)?\s*"
         r"(?P<area>hpfs?|high[\s-]*power[\s-]*fields?|mm2|mm\u00b2|mm\^2|sq\.?\s*mm|square\s+mm)")
_COUNT = re.compile(
    r"(?P<comparator><=|>=|\u2264|\u2265|<|>)?\s*(?P<count>\d+(?:[.,]\d+)?)\s*"
    r"(?:mitos[ie]s|mitotic\s+(?:figures?|cells?)|mitoses?|mf)?\s*" + f"(?:{_AREA})?", re.I)
_COMPARATORS = {"\u2264": "<=", "\u2265": ">="}
def area_hint(per: str, area: str) -> str:
    unit = "HPF" if area.casefold().startswith(("hpf", "high")) else "mm2"
    return f"{plain_number(number(per))} {unit}"


def parse_mitotic_count(text: str, hint: str | None, warn: Warn) -> MitoticCount:
    words = " ".join(text.split())
    found = _COUNT.fullmatch(words.strip("."))
    if found is None:
        raise InvalidValue("not a mitotic count; write the count and the area it was counted "
                           "in, e.g. 5/10 HPF, 3 per 10 HPF, 5 per 2 mm2")
    count = plain_number(number(found.group("count")))
    written = found.group("comparator")
    comparator = _COMPARATORS.get(written, written) if written else None
    stated = area_hint(found.group("per") or "1", found.group("area")) if found.group("area") \
        else hint
    if stated is None:
        warn(f"{shorten(words, 60)!r} does not say the area the mitoses were counted in (per "
             "10 HPF, per mm2); read as a count without its area")
        return MitoticCount(text=words, count=count, comparator=comparator)
    per_text, area = stated.split(" ")
    per = plain_number(number(per_text))
    if per <= 0:
        raise InvalidValue("the area a mitotic count is counted in must be more than 0")
    return MitoticCount(text=words, count=count, comparator=comparator, per=per, area=area)
