"""Body sites: the region, side and depth named in a site cell (`left thigh, deep`).
"""

from __future__ import annotations

import re

from converter.problems import shorten
from converter.read.schema import Site
from converter.read.values.terms import keyword_hits
from converter.read.values.text import Warn

# phrases whose region word names another part ("the femoral neck" is the femur's, not the
# neck): left out before the regions are looked for
_OTHER_PARTS = re.compile(r"\b(femoral|humeral|bladder|pancreatic|tooth|rib|talar|radial)\s+neck\b"
                          r"|\bneck\s+of\s+(the\s+)?(femur|humerus|bladder|pancreas|rib|"
                          r"talus|radius)\b", re.IGNORECASE)


def parse_site(text: str, hint: str | None, warn: Warn) -> Site:
    # "Lung; liver metastases": the primary site is the part before the first ";"
    primary = _OTHER_PARTS.sub(" ", text.split(";", 1)[0])
    regions = keyword_hits("region", primary)
    lateralities = keyword_hits("laterality", primary)
    depths = keyword_hits("depth", primary)
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
