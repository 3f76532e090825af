"""The literature reference of a case (a review's row cites the paper that reported the case):
one FHIR R4 DocumentReference per case, no profile claimed (US Core DocumentReference is for
clinical notes: its type and category bindings name clinical documents, not a publication).

- `subject` the Patient, so `DocumentReference?subject=Patient/<id>` lists a case's source;
- `description` the citation as written ("Smith et al. (2019)"), searchable with
  `DocumentReference?description:contains=Smith`;
- `identifier` the DOI (system https://doi.org) and PubMed id (system
  https://pubmed.ncbi.nlm.nih.gov) the cell gives, so `DocumentReference?identifier=
  https://doi.org|10.1000/xyz` finds every case a paper reported;
- `type` casefhir#literature-reference, `status` current;
- `content.attachment`: `title` the citation, `url` https://doi.org/<doi> (else the PubMed page,
  else the web address the cell gives) when given (content is required by R4).
This is the row's own source; the series' publication (--doi, --citation) stays in every
resource's `meta.source` and series tag (mappings/common.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from converter.read.schema import CaseRecord
from mappings.common import CaseResources, Cells, Resource, patient_ref, resource
from mappings.terminology import codeable, system_url

ROLE = "reference"


def to_fhir_reference(record: CaseRecord) -> list[Resource]:
    reference = record.reference
    if reference is None:
        return []
    identifiers = []
    if reference.doi:
        identifiers.append({"system": system_url("doi"), "value": reference.doi})
    if reference.pmid:
        identifiers.append({"system": system_url("pubmed"), "value": reference.pmid})
    attachment: dict[str, Any] = {}
    if reference.doi:
        attachment["url"] = f"{system_url('doi')}/{quote(reference.doi, safe='/:;()')}"
    elif reference.pmid:
        attachment["url"] = f"{system_url('pubmed')}/{reference.pmid}/"
    elif reference.url:
        attachment["url"] = reference.url
    attachment["title"] = reference.text
    return [resource(
        "DocumentReference", record, ROLE,
        identifier=identifiers or None,
        status="current",
        type=codeable("literature-reference"),
        subject=patient_ref(record),
        description=reference.text,
        content=[{"attachment": attachment}],
    )]


def from_fhir_reference(case: CaseResources) -> Cells:
    """The reference cell back: the citation as written."""
    document = case.get(ROLE)
    return {"reference": document["description"]} if document is not None else {}
