"""A row's literature reference → DocumentReference (mappings/reference.py): subject the Patient,
the citation as description, DOI / PMID identifiers and URL; the cell back."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.documentreference import DocumentReference

from converter.fhir.ids import resource_id
from converter.tables.flatten import flatten
from mappings.case import RESOURCE_TYPES, map_record
from mappings.reference import to_fhir_reference
from tests.conftest import codes, record


def document(text: str) -> dict[str, Any]:
    [made] = to_fhir_reference(record(reference=text))
    DocumentReference.model_validate(made)
    assert made["id"] == resource_id("test-series", "1", "reference")
    assert made["subject"] == {"reference": f"Patient/{resource_id('test-series', '1')}"}
    assert made["description"] == text
    assert made["status"] == "current"
    assert codes(made["type"]) == ["literature-reference"]
    assert "profile" not in made["meta"]
    return made


def test_author_year_is_the_description_and_title() -> None:
    made = document("Smith et al. (2019)")
    assert "identifier" not in made
    assert made["content"] == [{"attachment": {"title": "Smith et al. (2019)"}}]


def test_doi_and_pmid_are_identifiers_and_the_doi_the_url() -> None:
    made = document("Smith J, et al. PMID: 31234567; doi:10.1000/xyz")
    assert made["identifier"] == [{"system": "https://doi.org", "value": "10.1000/xyz"},
                                  {"system": "https://pubmed.ncbi.nlm.nih.gov",
                                   "value": "31234567"}]
    assert made["content"][0]["attachment"]["url"] == "https://doi.org/10.1000/xyz"


def test_pmid_alone_links_pubmed() -> None:
    made = document("PMID 26339441")
    assert made["content"][0]["attachment"]["url"] == "https://pubmed.ncbi.nlm.nih.gov/26339441/"


def test_document_reference_is_a_mapped_type_and_flattens_back() -> None:
    assert "DocumentReference" in RESOURCE_TYPES
    [row] = flatten(map_record(record(reference="Smith 2019 [12]"))).rows
    assert row["reference"] == "Smith 2019 [12]"
