"""Reference cells (converter/read/values/references.py): the citation as written, with the DOI,
PMID and web address it gives."""

from __future__ import annotations

import pytest

from converter.read.values.references import PMID_HINT, parse_reference
from tests.conftest import build


def ignore(message: str) -> None:
    raise AssertionError(f"unexpected warning {message!r}")


@pytest.mark.parametrize(("text", "doi", "pmid", "url"), [
    ("Smith et al. (2019)", None, None, None),
    ("Smith 2019 [12]", None, None, None),
    ("10.1000/xyz", "10.1000/xyz", None, None),
    ("doi:10.1186/s13256-019-2075-y", "10.1186/s13256-019-2075-y", None, None),
    ("https://doi.org/10.1016/j.lungcan.2017.08.019.", "10.1016/j.lungcan.2017.08.019", None, None),
    ("PMID: 31234567", None, "31234567", None),
    ("PMID:30133144; doi:10.1111/1759-7714.12834", "10.1111/1759-7714.12834", "30133144", None),
    ("Park et al. (https://example.net/a/b).", None, None, "https://example.net/a/b"),
])
def test_citations(text: str, doi: str | None, pmid: str | None, url: str | None) -> None:
    parsed = parse_reference(text, None, ignore)
    assert (parsed.text, parsed.doi, parsed.pmid, parsed.url) == (text, doi, pmid, url)


def test_a_bare_number_is_a_pmid_only_under_a_pmid_header() -> None:
    assert parse_reference("31234567", PMID_HINT, ignore).pmid == "31234567"
    assert parse_reference("12", None, ignore).pmid is None


@pytest.mark.parametrize("header", ["Reference", "Ref", "Author (year)", "Author, year",
                                    "Citation", "Source", "DOI", "Study", "First author"])
def test_headers(header: str) -> None:
    record, problems = build({"Case": "1", header: "Smith et al. (2019)"})
    assert record is not None and record.reference.text == "Smith et al. (2019)", problems
    assert record.notes is None


def test_pmid_header() -> None:
    record, _ = build({"Case": "1", "PMID": "31234567"})
    assert record is not None and record.reference.pmid == "31234567"
