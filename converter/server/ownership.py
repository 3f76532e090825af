"""Whose is a resource? The rules that keep one series from touching another's resources, or
resources casefhir did not make, on a FHIR server.

- **Before writing** (`load`, `load --bulk`): the server is asked which of the ids about to be
  written it already holds *without* the series tag of the resource to be written there
  (`_tag:not`), one search per resource type in one batch request per group of cases. Such a
  resource belongs to another series or to nobody casefhir knows, and its case is not sent
  (`foreign_occupants`). With injective ids (converter/fhir/ids.py) another casefhir series can no
  longer make the same id, so this guards against everything else at that id.
- **Before deleting** (`load --prune`): a resource is the series' only when its own identity
  proves it (`proves_series`): its id parses as an id of that series, what it is about is that
  series' Patient of the same case, a Patient's case identifier names the series and the case,
  and it carries that series' tag and no other series' tag. A tag alone proves nothing: HAPI
  merges tags across updates, so a resource overwritten by another series carries both.
- Resources at casefhir 0.1 ids (`<series>-<case>-<role>`, not injective) cannot prove their
  series by their id; `is_legacy` tells them apart for the move to the new ids (prune deletes
  them only when asked, see docs/mapping.md).

May import converter.credentials, converter.server.client, converter.fhir.ids, mappings; nothing imports
it but load, bulk, prune and the CLI.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import quote

from converter.credentials import body_text, clip
from converter.fhir.ids import case_part, legacy_prefix, parse_id
from converter.server.client import FhirClient, ServerError, outcome_text
from mappings.case import patient_of
from mappings.common import Resource
from mappings.terminology import system_url

SERIES = system_url("casefhir-series")
CASE = system_url("casefhir-case")
IDS_PER_SEARCH = 100  # ids in one `_id=` search (keeps the URL well under 8 kB)


def series_tags(resource: Resource) -> set[str]:
    """The casefhir series a resource is tagged with (HAPI keeps every tag it ever had)."""
    return {str(tag.get("code")) for tag in (resource.get("meta") or {}).get("tag") or []
            if isinstance(tag, dict) and tag.get("system") == SERIES}


def series_of_resource(resource: Resource) -> str | None:
    """The one series a resource to be written is tagged with (None: none, or several)."""
    tags = series_tags(resource)
    return next(iter(tags)) if len(tags) == 1 else None


def _key(resource: Resource) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def proves_series(resource: Resource, series: str) -> bool:
    """Whether the resource's own identity proves it is this series' (see the module doc)."""
    parsed = parse_id(str(resource.get("id", "")))
    if parsed is None or parsed.series != series or series_tags(resource) != {series}:
        return False
    is_patient = resource.get("resourceType") == "Patient"
    if is_patient != (parsed.role is None):
        return False
    if patient_of(resource) not in (None, parsed.patient_id):
        return False
    if not is_patient:
        return True
    prefix = f"{series}#"
    return any(isinstance(i, dict) and i.get("system") == CASE
               and str(i.get("value", "")).startswith(prefix)
               and case_part(series, str(i["value"])[len(prefix):]) == parsed.case_part
               for i in resource.get("identifier") or [])


def is_legacy(resource: Resource, series: str) -> bool:
    """A resource casefhir 0.1 made for this series, as far as can be told: an id of the old
    shape (no dot) starting with the series, and this series' tag and no other series' tag."""
    rid = str(resource.get("id", ""))
    return ("." not in rid and rid.startswith(legacy_prefix(series))
            and series_tags(resource) == {series})


def describe_occupant(resource: Resource) -> str:
    tags = sorted(series_tags(resource))
    owner = (f"tagged with series {', '.join(tags)}" if tags
             else "with no casefhir series tag")
    return (f"{_key(resource)}: the server already holds a resource at this id that is not of "
            f"this series ({owner}); it was not overwritten, and the case was not sent")


def foreign_occupants(client: FhirClient, resources: Iterable[Resource]) -> dict[str, str]:
    """Type/id → why, for each of `resources` (to be written) whose id the server holds
    without the series tag the resource carries. Resources without exactly one series tag
    (FHIR casefhir did not make) are not checked. One batch request per call."""
    wanted: dict[tuple[str, str], list[str]] = defaultdict(list)  # (type, series) → ids
    for resource in resources:
        series = series_of_resource(resource)
        if series is not None:
            wanted[(str(resource["resourceType"]), series)].append(str(resource["id"]))
    if not wanted:
        return {}
    entries = []
    for (kind, series), ids in sorted(wanted.items()):
        for start in range(0, len(ids), IDS_PER_SEARCH):
            chunk = ids[start:start + IDS_PER_SEARCH]
            tag = quote(f"{SERIES}|{series}", safe=":/")
            entries.append({"request": {"method": "GET", "url": (
                f"{kind}?_id={quote(','.join(chunk), safe=',')}&_tag:not={tag}"
                f"&_elements=id&_count={len(chunk)}")}})
    response = client.request("POST", "", {"resourceType": "Bundle", "type": "batch",
                                           "entry": entries})
    data = response.json()
    answers = data.get("entry") if isinstance(data, dict) else None
    if response.status != 200 or not isinstance(answers, list) or len(answers) != len(entries):
        text = clip(outcome_text(data)) or body_text(response.body)
        raise ServerError(f"the server did not answer the check of which ids it already holds "
                          f"({response.status}): {text}")
    found: dict[str, str] = {}
    for answer in answers:
        status = str((answer.get("response") or {}).get("status", ""))
        if not status.startswith("200"):
            raise ServerError(f"the server refused a search for the ids it already holds "
                              f"({status}): {clip(outcome_text(answer.get('resource')))}")
        for hit in (answer.get("resource") or {}).get("entry") or []:
            occupant = hit.get("resource") or {}
            found[_key(occupant)] = describe_occupant(occupant)
    return found
