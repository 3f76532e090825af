"""The literature reference of a row, as reviews print it: "Smith et al. (2019)", "Smith 2019
[12]", "Smith J, et al. J Clin Oncol 2019", a DOI ("10.1000/xyz", "doi:10.1000/xyz",
"https://doi.org/10.1000/xyz") or a PubMed id ("PMID: 31234567", "PMID 31234567", a bare
number of up to 8 digits under a PMID header), a web address. The citation is kept as written;
the DOI, PMID and address are taken out of it so the case can be found by them.
"""

from __future__ import annotations

import re

from converter.read.schema import Reference
from converter.read.values.text import InvalidValue, Warn

PMID_HINT = "pmid"  # the unit hint of a PMID header

# a DOI: "10." registrant "/" suffix (Crossref's recommended pattern, suffix up to a space)
_DOI = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(?P<doi>10\.\d{4,9}/[^\s\"<>]+)", re.I)
_URL = re.compile(r"https?://[^\s\"<>]+", re.I)
_PMID = re.compile(r"(?:pmid|pubmed(?:\s+id)?)\s*:?\s*(?P<pmid>\d{1,8})\b", re.I)


def parse_reference(text: str, hint: str | None, warn: Warn) -> Reference:
    words = " ".join(text.split())
    if len(words) > 1_000:
        raise InvalidValue("too long for a reference (over 1,000 characters)")
    doi_found = _DOI.search(words)
    doi = doi_found.group("doi").rstrip(".,;)]") if doi_found else None
    pmid_found = _PMID.search(words)
    pmid = pmid_found.group("pmid") if pmid_found else None
    if pmid is None and hint == PMID_HINT and re.fullmatch(r"\d{1,8}", words):
        pmid = words
    url = None
    for found in _URL.finditer(words):
        if not re.match(r"https?://(?:dx\.)?doi\.org/", found.group(), re.I):
            url = found.group().rstrip(".,;)]")
            break
    return Reference(text=words, doi=doi, pmid=pmid, url=url)
