"""Body sites: the region, side and depth named in a site cell (`left thigh, deep`, `Rt
forearm`, `uterine cervix`). Regions, sides and depths are the "region", "laterality" and "depth"
vocabularies (mappings/terminology/vocabularies.toml); a site they do not name keeps its text.
"""

from __future__ import annotations

import re

from converter.problems import shorten
from converter.read.schema import Site
from converter.read.values.terms import keyword_hits
from converter.read.values.text import Warn

# phrases whose region word names another part ("the femoral neck" is the femur's, not the
# neck): replaced by the part they name before the regions are looked for
_OTHER_PARTS = re.compile(r"\b(femoral|humeral|bladder|pancreatic|tooth|rib|talar|radial)\s+neck\b"
                          r"|\bneck\s+of\s+(?:the\s+)?(femur|humerus|bladder|pancreas|rib|"
                          r"talus|radius)\b", re.IGNORECASE)
_PART_NOUNS = {"femoral": "femur", "humeral": "humerus", "pancreatic": "pancreas",
               "talar": "talus", "radial": "radius"}

# "left-hand side of the abdomen" names a side, not the hand
_HAND_SIDE = re.compile(r"\b(left|right)[\s-]+hand(?:ed)?\s+side\b", re.IGNORECASE)
# "the back of the (left) hand" is the hand's, not the back (trunk)
_BACK_OF = re.compile(r"\b(?:back|dorsum)\s+of\s+(?:the\s+)?((?:(?:left|right)\s+)?(?:hand|foot))\b",
                      re.IGNORECASE)


# "in front of the maxillary sinus", "adjacent to the kidney": the part named after such words
# is the tumour's neighbour, not its site (up to the next comma, ";" or bracket)
_NEIGHBOUR = re.compile(r"\b(?:in\s+front\s+of|anterior\s+to|posterior\s+to|behind|adjacent\s+to|"
                        r"next\s+to|beside|close\s+to|near)\b[^,;(]*", re.IGNORECASE)

# lung lobes as chest tables abbreviate them: the side is part of the abbreviation
_LOBES = {"rul": "right upper lobe", "rml": "right middle lobe", "rll": "right lower lobe",
          "lul": "left upper lobe", "lll": "left lower lobe"}
_LOBE_ABBREVIATION = re.compile(r"\b(rul|rml|rll|lul|lll)\b", re.IGNORECASE)


def _owning_part(match: re.Match[str]) -> str:
    word = (match.group(1) or match.group(2)).lower()
    return f" {_PART_NOUNS.get(word, word)} "


def parse_site(text: str, hint: str | None, warn: Warn) -> Site:
    # "Lung; liver metastases": the primary site is the part before the first ";"
    primary = _OTHER_PARTS.sub(_owning_part, text.split(";", 1)[0])
    primary = _HAND_SIDE.sub(lambda match: f" {match.group(1)} ", primary)
    primary = _BACK_OF.sub(lambda match: f" {match.group(1)} ", primary)
    primary = _NEIGHBOUR.sub(" ", primary)
    primary = _LOBE_ABBREVIATION.sub(lambda match: _LOBES[match.group(1).lower()], primary)
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
