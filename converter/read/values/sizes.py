"""Tumour sizes: `5.4 cm`, `75 x 48 mm`, `42x37mm`, `8.2*7.7*8.9-cm`, `30-mm`, with the unit
from the value or the header. `±2.8x3.1x4.7 cm` / `~3 cm` / `approximately 3 cm` is a size as
written, with a warning that it is approximate (the note keeps the cell's words; FHIR's Quantity
has no comparator for "about"). `4/6 cm` does not say whether it is 4 or 6 cm or 4 x 6 cm: it is
left out with a warning, never read as a number it may not be.
"""

from __future__ import annotations

import re

from converter.problems import shorten
from converter.read.schema import SIZE_METHODS, Size, plain_number
from converter.read.values.imaging import modalities_named
from converter.read.values.text import NUMBER, InvalidValue, Warn, number

MAX_SIZE_CM = 100.0


_SIZE = re.compile(
    r"^" + NUMBER + r"\s*(mm|cm)?((?:\s*(?:x|\*|by)\s*" + NUMBER + r"\s*(?:mm|cm)?){0,2})\s*(mm|cm)?$")


# the note of a size ("6 x 4 cm (FDG-PET)", "3 cm on CT", "5 cm, specimen") and what it names
_NOTE = re.compile(r"\s*(?:\((?P<bracketed>[^)]*)\)|[,;]\s*(?P<after>[a-z][\w /-]*)|"
                   r"\s+(?:on|by|at|in)\s+(?P<on>[a-z][\w /-]*))\s*$", re.IGNORECASE)
# the words of a method that is no imaging modality
_METHOD_WORDS = (("pathology", r"patholog|specimen|gross|macroscop|resect"),
                 ("clinical", r"clinical|palpat|physical exam"))


# "±2.8x3.1x4.7 cm", "~3 cm", "approx. 3 cm": a size said to be about so much
_APPROXIMATE = re.compile(r"^(?:\u00b1|~|\u2248|\u223c|approx(?:imately|\.)?|about|around|"
                          r"circa|ca\.|c\.)\s*(?=\d)", re.IGNORECASE)
# "4/6 cm": either or both, the cell does not say
_SLASHED = re.compile(r"^" + NUMBER + r"\s*(mm|cm)?\s*/\s*" + NUMBER + r"\s*(mm|cm)?$", re.IGNORECASE)


def size_method(words: str) -> str | None:
    """How a size's note or its column's header says it was measured (a key of SIZE_METHODS):
    the one modality or method the words name, None when they name none or several."""
    found = modalities_named(words)
    found += [key for key, pattern in _METHOD_WORDS if re.search(pattern, words, re.IGNORECASE)]
    return found[0] if len(found) == 1 else None


# how a size's words say a method its header gave (a bracketed note size_method reads back)
HEADER_METHOD_WORDS = {"pathology": "specimen", "clinical": "clinical"}


def parse_size(text: str, hint: str | None, warn: Warn) -> Size | None:
    """A size; `hint` is the header's unit ("cm"), method ("ct", a key of SIZE_METHODS) or both
    ("cm ct"): the cell's own unit and method win."""
    words = (hint or "").split()
    unit_hint = next((word for word in words if word in ("mm", "cm")), None)
    header_method = next((word for word in words if word in SIZE_METHODS), None)
    size = _parse_size(text, unit_hint, warn)
    if size is not None and size.method is None and header_method is not None:
        # the header's words join the cell's, so the size reads the same from its text alone
        said = HEADER_METHOD_WORDS.get(header_method, SIZE_METHODS[header_method])
        return Size(size.dimensions, size.unit, f"{size.text} ({said})", header_method)
    return size


def _parse_size(text: str, hint: str | None, warn: Warn) -> Size | None:
    raw = text.strip()
    method = None
    note = _NOTE.search(raw)
    if note and re.search(r"\d", raw[:note.start()]):  # the size comes before its note
        words = next(g for g in note.groups() if g is not None)
        method = size_method(words)
        if method is None:
            warn(f"{shorten(words, 60)!r} after the size names no way of measuring it; kept as "
                 "text")
        size = _parse_size(raw[:note.start()], hint, warn)
        return Size(size.dimensions, size.unit, raw, method) if size is not None else None
    slashed = _SLASHED.match(raw)
    if slashed:
        first, first_unit, second, second_unit = slashed.groups()
        unit = second_unit or first_unit or ""
        for each in (f"{first} {first_unit or unit}", f"{second} {unit}"):
            _parse_size(each.strip(), hint, warn)  # each would be a size: else the error says why
        warn(f"{shorten(raw, 60)!r} may be {first} or {second}, or {first} x {second}: the cell "
             "does not say, so no size is recorded (write e.g. '4 x 6 cm' or '4 cm')")
        return None
    approximate = _APPROXIMATE.match(raw)
    if approximate:
        warn(f"{approximate.group().strip()!r} before the size read as 'approximately': the "
             "dimensions are kept as written, and the size's note keeps the cell's words")
    n = raw[approximate.end() if approximate else 0:].casefold().replace("\u00d7", "x")
    n = n.replace(",", ".")
    n = re.sub(r"(?<=\d)\s*-\s*(?=(?:mm|cm)\b)", " ", n)  # "30-mm", "8.0 x 5.0-cm"
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
