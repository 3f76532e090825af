"""Bundles for exchange: transaction or batch (`PUT Type/id`, so loading twice changes nothing)
and collection.

Resources keep plain `Type/id` references, which keeps one output valid as transaction, batch,
collection, NDJSON and bulk import alike. Each entry's fullUrl is `FULL_URL_BASE/Type/id`, a
RESTful URL: by the Bundle rules (R4 Bundle "Resolving references in Bundles") a relative
reference `Type/id` in an entry resolves against its entry's base to another entry's fullUrl,
so every Bundle resolves its references inside itself. (A `urn:uuid` fullUrl has no base, and a
validator cannot match `Type/id` to it.)"""

from __future__ import annotations

from typing import Any

from converter.read.schema import Series
from mappings import profiles
from mappings.terminology import system_url

BUNDLE_TYPES = ("transaction", "batch", "collection")
# The base of every fullUrl: casefhir's own namespace, where its code and identifier systems
# live too. A server loading the Bundle keeps `request.url` (`Type/id`) and ignores this base.
FULL_URL_BASE = "https://casefhir.org/fhir"
PATIENT_BUNDLE_PROFILE = profiles.MCODE + "mcode-patient-bundle"


def full_url(resource: dict[str, Any]) -> str:
    return f"{FULL_URL_BASE}/{resource['resourceType']}/{resource['id']}"


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
