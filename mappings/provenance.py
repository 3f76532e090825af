"""Provenance of a case (FHIR R4 Provenance, no profile claimed: US Core Provenance needs an
author organisation that a published table does not name).

One Provenance per case targets every resource made from the row and names, as `source`
entities, the file and row the case was read from and the SHA-256 of the row's cells; the agent
is the converter and its version. `recorded` carries a data-absent-reason instead of the clock,
because the same input must give byte-identical output.
"""

from __future__ import annotations

from typing import Any

from converter import __version__
from converter.read.schema import CaseRecord
from mappings.common import Resource, data_absent, resource
from mappings.terminology import system_url

SOFTWARE = f"casefhir {__version__}"


def to_fhir_provenance(record: CaseRecord, targets: list[Resource]) -> list[Resource]:
    source = record.source
    if source is None:
        return []
    where = f"{source.file}, {source.row_kind} {source.row}"
    return [resource(
        "Provenance", record, "provenance",
        target=[{"reference": f"{r['resourceType']}/{r['id']}"} for r in targets],
        _recorded=data_absent(),
        agent=[{"who": {"identifier": {"system": system_url("casefhir-software"),
                                       "value": SOFTWARE},
                        "display": SOFTWARE}}],
        entity=[
            {"role": "source",
             "what": {"identifier": {"system": system_url("casefhir-source-row"),
                                     "value": f"{source.file}#{source.row_kind}-{source.row}"},
                      "display": where}},
            {"role": "source",
             "what": {"identifier": {"system": system_url("casefhir-source-row-sha256"),
                                     "value": source.sha256},
                      "display": f"SHA-256 of the cells of {where}"}},
        ],
    )]


def from_fhir_provenance(provenance: Resource) -> dict[str, Any]:
    """source_file, row_kind, source_row and row_sha256 back from the source entities (what
    is there of them: a Provenance edited by hand may lack some)."""
    found: dict[str, Any] = {}
    for entity in provenance.get("entity") or []:
        identifier = ((entity or {}).get("what") or {}).get("identifier") or {}
        value = identifier.get("value")
        if not isinstance(value, str):
            continue
        if identifier.get("system") == system_url("casefhir-source-row"):  # "cases.csv#row-12"
            file, _, where = value.rpartition("#")
            kind, _, number = where.rpartition("-")
            found["source_file"] = file
            found["row_kind"] = kind
            found["source_row"] = int(number) if number.isdigit() else None
        elif identifier.get("system") == system_url("casefhir-source-row-sha256"):
            found["row_sha256"] = value
    return found
