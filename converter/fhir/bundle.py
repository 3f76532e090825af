"""Bundles for exchange: transaction or batch (`PUT Type/id`, so loading twice changes nothing)
and collection. Entries carry deterministic `urn:uuid` fullUrls (UUIDv5 of Type/id) and the
resources keep plain `Type/id` references, which keeps one output valid as transaction, batch,
collection, NDJSON and bulk import alike."""

from __future__ import annotations

import uuid
from typing import Any

from converter.read.schema import Series
from mappings import profiles
from mappings.terminology import system_url

BUNDLE_TYPES = ("transaction", "batch", "collection")
# UUIDv5 namespace for fullUrls: uuid5(NAMESPACE_URL, "https://casefhir.org/fhir")
FULL_URL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://casefhir.org/fhir")
PATIENT_BUNDLE_PROFILE = profiles.MCODE + "mcode-patient-bundle"


def full_url(resource: dict[str, Any]) -> str:
    key = f"{resource['resourceType']}/{resource['id']}"
    return f"urn:uuid:{uuid.uuid5(FULL_URL_NAMESPACE, key)}"


def entry(resource: dict[str, Any], bundle_type: str) -> dict[str, Any]:
    item: dict[str, Any] = {"fullUrl": full_url(resource), "resource": resource}
    if bundle_type != "collection":
        item["request"] = {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"}
    return item


def envelope(bundle_id: str, bundle_type: str, series: Series,
             per_case: bool = False) -> dict[str, Any]:
    """A Bundle without its entries."""
    meta: dict[str, Any] = {}
    if per_case and bundle_type == "collection":
        meta["profile"] = [PATIENT_BUNDLE_PROFILE]
    meta["tag"] = [{"system": system_url("casefhir-series"), "code": series.id}]
    return {"resourceType": "Bundle", "id": bundle_id, "meta": meta, "type": bundle_type}


def bundle(resources: list[dict[str, Any]], bundle_id: str, bundle_type: str, series: Series,
           per_case: bool = False) -> dict[str, Any]:
    result = envelope(bundle_id, bundle_type, series, per_case)
    result["entry"] = [entry(r, bundle_type) for r in resources]
    return result
