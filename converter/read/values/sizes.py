"""Tumour sizes: `5.4 cm`, `75 x 48 mm`, `42x37mm`, with the unit from the value or the header.
"""

from __future__ import annotations

import re

from converter.read.schema import Size, plain_number
from converter.read.values.text import NUMBER, InvalidValue, Warn, number

MAX_SIZE_CM = 100.0


_SIZE = re.compile(
    r"^" + NUMBER + r"\s*(mm|cm)?((?:\s*(?:x|\*|by)\s*" + NUMBER + r"\s*(?:mm|cm)?){0,2})\s*(mm|cm)?$")


def parse_size(text: str, hint: str | None, warn: Warn) -> Size:
    raw = text.strip()
    n = raw.casefold().replace("\u00d7", "x").replace(",", ".")
    n = re.sub(r"(?<=\d)\s*x\s*(?=\d)", " x ", n)
    n = " ".join(n.split())
    if n.startswith("-"):
        raise InvalidValue("a size cannot be negative")
    numbers = [number(v) for v in re.findall(r"\d+(?:\.\d+)?", n)]
    units = set(re.findall(r"(mm|cm)\b", n))
    if not _SIZE.match(n) or not numbers:
        raise InvalidValue("not a size; write e.g. 5.4 cm, 75 x 48 mm or 5 x 4 x 3 cm")
    if len(units) > 1:
        raise InvalidValue("mixes mm and cm; give all dimensions in one unit")
    unit = units.pop() if units else hint
    if unit is None:
        raise InvalidValue("a size needs a unit: write '5.4 cm', or name the column 'Size (cm)'")
    if any(v <= 0 for v in numbers):
        raise InvalidValue("a size must be greater than zero")
    if max(numbers) / (10 if unit == "mm" else 1) > MAX_SIZE_CM:
        raise InvalidValue(f"a tumour over {MAX_SIZE_CM:.0f} cm is implausible; check the unit")
    return Size(tuple(plain_number(v) for v in numbers), unit, raw)
