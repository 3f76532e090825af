"""A Ki-67 column ("15%", "15", "10-20%", "<5%", "~30%", "high", "Ki-67 15%", "MIB-1 5%"): read by the
immunohistochemistry reader as the cell "Ki-67 <cell>", so a Ki-67 column and a Ki-67 in an IHC
panel give the same Marker, and so the same FHIR (mappings/immunohistochemistry.py).
"""

from __future__ import annotations

import re

from converter.problems import shorten
from converter.read.schema import Marker
from converter.read.values.ihc import parse_ihc_panel
from converter.read.values.text import InvalidValue, Warn

KI67 = "ki67"  # the markers.toml key


def parse_ki67(text: str, hint: str | None, warn: Warn) -> Marker:
    words = " ".join(text.split())
    if re.fullmatch(r"(?:<=|>=|<|>|~|\u2264|\u2265)?\s*\d+(?:[.,]\d+)?", words):
        words += "%"  # a Ki-67 index is a percentage ("15" under "Ki-67 (%)")
    try:  # the cell may name the marker itself ("Ki-67 15%", "MIB-1 5%")
        markers = parse_ihc_panel(words, hint, lambda message: None)
    except InvalidValue:
        markers = ()
    others = [marker.name for marker in markers if marker.key not in (None, KI67)]
    if others:
        raise InvalidValue(f"names {', '.join(others)}, not Ki-67; other markers belong in the "
                           "IHC column")
    if not (len(markers) == 1 and markers[0].key == KI67):
        markers = parse_ihc_panel(f"Ki-67 {words}", hint, warn)
    if len(markers) != 1 or markers[0].key != KI67:
        raise InvalidValue("not one Ki-67 result; write a percentage (15%, <5%, 10-20%) or "
                           "words (high, low); other markers belong in the IHC column")
    marker = markers[0]
    if marker.percent is None and marker.result is None:
        warn(f"{shorten(words, 60)!r} gives no Ki-67 percentage; kept as text without a value")
    return marker
