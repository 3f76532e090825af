"""Header matching against the canonical data dictionary, and the generated docs."""

from __future__ import annotations

import pytest

from converter.read.dictionary import ALIASES, COLUMNS
from converter.read.headers import match_header
from converter.tables.template import dictionary_markdown
from tests.conftest import ROOT


@pytest.mark.parametrize(("header", "column", "unit"), [
    ("Age (y)", "age", "a"), ("age_years", "age", "a"), ("AGE", "age", None), ("Age", "age", None),
    ("Age (months)", "age", "mo"), ("age in months", "age", "mo"), ("Sex", "sex", None),
    ("Gene fusion", "fusion", None), ("Pre-op Dx", "preop_diagnosis", None),
    ("Follow-up (months)", "follow_up_months", "mo"), ("Follow-up (years)", "follow_up_months", "a"),
    ("FU (mo)", "follow_up_months", "mo"), ("Size (mm)", "size", "mm"), ("Size (cm)", "size", "cm"),
    ("Case #", "case_id", None), ("pan-TRK IHC", "pan_trk_ihc", None),
    ("Flow voids", "mri_flow_voids", None), ("Age/Sex", "age_sex", None),
    ("Depth (superficial/deep)", "depth", None), ("Follow-up, months", "follow_up_months", "mo"),
    ("IHC", "ihc", None), ("Immunohistochemistry", "ihc", None), ("Immunoprofile", "ihc", None),
    ("Immunophenotype", "ihc", None), ("IHC findings", "ihc", None), ("IHC results", "ihc", None),
    ("Immunohistochemical staining", "ihc", None), ("Immunostains", "ihc", None),
    ("pan-TRK", "pan_trk_ihc", None), ("TRK IHC", "pan_trk_ihc", None),
])
def test_headers_match_ignoring_case_space_and_punctuation(header: str, column: str,
                                                           unit: str | None) -> None:
    binding = match_header(header)
    assert binding is not None and binding.column is not None
    assert (binding.column.name, binding.unit) == (column, unit)


@pytest.mark.parametrize("header", ["Favourite colour", "Size (kg)", ""])
def test_unknown_headers_do_not_match(header: str) -> None:
    assert match_header(header) is None


def test_every_alias_names_one_column() -> None:
    names = {c.name for c in COLUMNS}
    assert {c.name for c in ALIASES.values()} == names


def test_data_dictionary_doc_is_current() -> None:
    doc = (ROOT / "docs" / "data-dictionary.md").read_text()
    assert doc == dictionary_markdown(), "regenerate: casefhir template --dictionary-markdown"


# Headers met in the literature tables of tests/corpus/ (sources in each folder's README.md).
@pytest.mark.parametrize(("header", "column"), [
    ("Initial treatment", "treatment"), ("Neoadjuvant therapy", "treatment"),
    ("Adjuvant/other therapy", "treatment"), ("Size at diagnosis", "size"),
])
def test_corpus_header_spellings_bind(header: str, column: str) -> None:
    binding = match_header(header)
    assert binding is not None and binding.column is not None
    assert binding.column.name == column
