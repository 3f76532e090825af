"""Diagnoses: a cell's words → a tumour entity. The curated `diagnosis` vocabulary first
(mappings/terminology/vocabularies.toml: the seed's entities, with their verified codes), then
OncoTree's tumour types (mappings/terminology/tumours.py) by name, NCIt preferred name, OncoTree
code written alone ("SYNS", "LUAD", "GIST") and the spellings papers use ("Ewing's",
"leukaemia", "oesophageal"). A name found inside longer words ("Stage IV lung adenocarcinoma")
is taken with a warning saying what it was read as; anything else keeps its text with a
warning.
"""

from __future__ import annotations

import re
from functools import cache

from converter.problems import shorten
from converter.read.schema import Term
from converter.read.values.terms import lookup
from converter.read.values.text import Warn, norm
from mappings.terminology.tumours import KEY_PREFIX, TumourType, tumour_types

# British spellings and other variants, read as OncoTree writes them (after `norm`)
_SPELLINGS = {"leukaemia": "leukemia", "leukaemias": "leukemias", "oesophageal": "esophageal",
              "oesophagus": "esophagus", "haemangioma": "hemangioma",
              "haemangioendothelioma": "hemangioendothelioma", "oestrogen": "estrogen",
              "ewing s": "ewing", "ewings": "ewing", "paediatric": "pediatric",
              "haematological": "hematological", "myeloma s": "myeloma", "tumours": "tumors"}
# words around an entity that do not change which entity it is
_AROUND = re.compile(r"\b(metastatic|recurrent|primary|locally advanced|advanced|relapsed|"
                     r"refractory|stage [0iv]+[abc]?|suspected|de novo|adult|pediatric|"
                     r"childhood|nos)\b")


# words that make a named entity another one (WHO classes "anaplastic pilocytic astrocytoma" or
# "dedifferentiated chondrosarcoma" apart from their stems): a name found inside words that
# also hold one of these is not taken
_CHANGES_ENTITY = re.compile(r"\b(anaplastic|dedifferentiated|undifferentiated|atypical|"
                             r"high grade|low grade|well differentiated|poorly differentiated|"
                             r"epithelioid|pleomorphic|sclerosing|combined|mixed|collision|"
                             r"benign|borderline|in situ|juvenile|congenital)\b")


def _spelled(text: str) -> str:
    words = norm(text)
    for british, american in _SPELLINGS.items():
        words = re.sub(rf"\b{british}\b", american, words)
    return " ".join(words.split())


@cache
def _names(parts: bool) -> dict[str, str]:
    """Normalised OncoTree and NCIt names → OncoTree code (a name two types share is left out:
    it does not say which). With `parts`, also each side of a name with '/' ("Solitary Fibrous
    Tumor/Hemangiopericytoma"), for whole cells only: a side alone may be no entity
    ("Spindle Cell/Sclerosing Rhabdomyosarcoma")."""
    found: dict[str, set[str]] = {}
    for code, tumour in tumour_types().items():
        names = {tumour.name, tumour.ncit_name}
        if parts:
            names |= set(tumour.name.split("/"))
        for name in filter(None, names):
            found.setdefault(_spelled(name), set()).add(code)
    return {name: next(iter(codes)) for name, codes in found.items() if len(codes) == 1}


def find_tumour(text: str) -> tuple[TumourType, bool] | None:
    """The tumour type `text` names and whether it named it whole (False: found inside longer
    words), or None."""
    types = tumour_types()
    written = text.strip()
    if written in types and written.isupper():  # an OncoTree code alone: "SYNS", "LUAD"
        return types[written], True
    whole = _names(parts=True)
    spelled = _spelled(written)
    if spelled in whole:
        return types[whole[spelled]], True
    trimmed = " ".join(_AROUND.sub(" ", re.sub(r"\(.*?\)", " ", spelled)).split())
    if trimmed in whole:
        return types[whole[trimmed]], True
    names = _names(parts=False)
    padded = f" {spelled} "
    inside = [name for name in names if len(name) >= 6 and f" {name} " in padded]
    # only the largest names: "synovial sarcoma" holds "sarcoma"
    largest = [name for name in inside if not any(name != other and f" {name} " in f" {other} "
                                                  for other in inside)]
    if len(largest) != 1:  # none, or two entities ("combined synovial sarcoma and ...")
        return None
    rest = padded.replace(f" {largest[0]} ", " ")
    if _CHANGES_ENTITY.search(rest):  # "anaplastic pilocytic astrocytoma" is another entity
        return None
    return types[names[largest[0]]], False


def parse_diagnosis(text: str, hint: str | None, warn: Warn) -> Term:
    key = lookup("diagnosis", text)
    if key is not None:
        return Term(text, key)
    found = find_tumour(text)
    if found is None:
        warn(f"{shorten(text, 80)!r} is not a known tumour entity; kept as text without a code")
        return Term(text)
    tumour, whole = found
    if not whole:
        warn(f"{shorten(text, 80)!r} read as {tumour.name} (OncoTree {tumour.code}), the tumour "
             "type its words name; the rest is kept as text")
    return Term(text, KEY_PREFIX + tumour.code)
