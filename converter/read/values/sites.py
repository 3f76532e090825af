"""Body sites: the region, side and depth named in a site cell (`left thigh, deep`).
"""

from __future__ import annotations

from converter.problems import shorten
from converter.read.schema import Site
from converter.read.values.terms import keyword_hits
from converter.read.values.text import Warn


def parse_site(text: str, hint: str | None, warn: Warn) -> Site:
    regions = keyword_hits("region", text)
    lateralities = keyword_hits("laterality", text)
    depths = keyword_hits("depth", text)
    if not regions:
        warn(f"{shorten(text, 80)!r} names no known body region; kept as text without a code")
    elif len(regions) > 1:
        warn(f"{shorten(text, 80)!r} names several regions; coded as the first, {regions[0]!r}")
    if len(lateralities) > 1:
        warn(f"{shorten(text, 80)!r} names several sides; laterality left uncoded")
    if len(depths) > 1:
        warn(f"{shorten(text, 80)!r} names several depths; depth left uncoded")
    return Site(
        text=text,
        region=regions[0] if regions else None,
        laterality=lateralities[0] if len(lateralities) == 1 else None,
        depth=depths[0] if len(depths) == 1 else None,
    )
