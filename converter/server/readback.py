"""What became of resources whose server answer cannot be trusted, read back from the server.

An answer is lost when the connection dropped after the request was sent, the deadline passed
or the body was cut short; it is in doubt when a success came only after a retry (an earlier
attempt may have been carried out, so the server's "no change" may be the echo of that attempt)
or when the server answered 5xx, which it may do after storing the data. Then each resource's
current version is read (`Type?_id=...`) and compared with what was sent, without the meta the
server manages (versionId, lastUpdated, the request id HAPI FHIR appends to meta.source):

- not on the server, or other content: failed (the server does not hold it as sent);
- as sent, last written before this run: unchanged;
- as sent and written by this run: created when no version from before this run is there (no
  earlier version, or a deleted one: its history says), else updated;
- the read-back itself fails: unknown (run the same command again: the load is idempotent).

"Written by this run" is read from meta.source's request id when the server keeps one (HAPI FHIR
stores the X-Request-ID header casefhir sends, and every one of a run starts with the run's id),
otherwise from lastUpdated against the server's clock when the run began (its Date header, to
the second).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from converter.server.client import AccessRefused, FhirClient, ServerError, search_all
from mappings.common import Resource

IDS_PER_SEARCH = 50
HISTORY_PAGE = 20


@dataclass(frozen=True, slots=True)
class Held:
    """What the server holds of one resource: `outcome` created, updated, unchanged, failed or
    unknown; `version` its versionId there; `detail` what the read-back found."""

    outcome: str
    version: str | None
    detail: str


def _key(resource: Resource) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def _source(resource: Resource) -> str:
    return str((resource.get("meta") or {}).get("source") or "")


def request_id(held: Resource, sent: Resource) -> str | None:
    """The request id the server appended to meta.source ("<source>#<id>"), if it keeps one."""
    prefix = _source(sent) + "#"
    source = _source(held)
    return (source[len(prefix):] or None) if source.startswith(prefix) else None


def as_sent(held: Resource, sent: Resource) -> bool:
    """Whether the server holds exactly what was sent, apart from the meta it manages."""
    def content(resource: Resource, source: str) -> dict[str, Any]:
        copy = dict(resource)
        meta = {k: v for k, v in (copy.pop("meta", None) or {}).items()
                if k not in ("versionId", "lastUpdated", "source")}
        if source:
            meta["source"] = source
        if meta:
            copy["meta"] = meta
        return copy

    held_source = _source(held)
    if request_id(held, sent) is not None:
        held_source = _source(sent)
    return content(held, held_source) == content(sent, _source(sent))


def _updated(resource: Resource) -> float | None:
    value = (resource.get("meta") or {}).get("lastUpdated")
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class ReadBack:
    def __init__(self, client: FhirClient, since: float) -> None:
        self.client = client
        self.since = since  # the server's clock when this run began

    def by_this_run(self, held: Resource, sent: Resource) -> bool:
        rid = request_id(held, sent)
        if rid is not None:
            return rid.startswith(self.client.run_id)
        updated = _updated(held)
        return updated is not None and updated >= self.since

    def _current(self, resources: list[Resource]) -> tuple[dict[str, Resource], dict[str, str]]:
        """The current version of each resource found, and why a resource could not be read."""
        by_type: dict[str, list[str]] = defaultdict(list)
        for resource in resources:
            by_type[str(resource.get("resourceType"))].append(str(resource.get("id")))
        found: dict[str, Resource] = {}
        failed: dict[str, str] = {}
        for kind, ids in by_type.items():
            for start in range(0, len(ids), IDS_PER_SEARCH):
                chunk = sorted(set(ids[start:start + IDS_PER_SEARCH]))
                try:
                    for resource in search_all(self.client,
                                               f"{kind}?_id={quote(','.join(chunk), safe='')}"):
                        found[_key(resource)] = resource
                except AccessRefused:
                    raise
                except ServerError as exc:
                    failed.update({f"{kind}/{rid}": str(exc) for rid in chunk})
        return found, failed

    def _created(self, held: Resource, sent: Resource) -> bool:
        """Whether this run's version is the first live one: no earlier version, or a deleted
        one, before it in the resource's history."""
        if str((held.get("meta") or {}).get("versionId")) == "1":
            return True
        try:
            response = self.client.request("GET", f"{_key(held)}/_history?_count={HISTORY_PAGE}",
                                           headers={"Cache-Control": "no-cache"})
        except AccessRefused:
            raise
        except ServerError:
            return False
        page = response.json()
        if response.status != 200 or not isinstance(page, dict):
            return False
        for entry in page.get("entry") or []:
            version = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(version, dict):  # a deletion
                return True
            if not self.by_this_run(version, sent):
                return False
        return len(page.get("entry") or []) < HISTORY_PAGE

    def resources(self, resources: list[Resource]) -> list[Held]:
        """What the server holds of each resource, in order."""
        found, failed = self._current(resources)
        results = []
        for sent in resources:
            key = _key(sent)
            held = found.get(key)
            if key in failed:
                results.append(Held("unknown", None, f"reading it back failed: {failed[key]}"))
            elif held is None:
                results.append(Held("failed", None, "the server does not hold it"))
            else:
                version = (held.get("meta") or {}).get("versionId")
                version = str(version) if version is not None else None
                if not as_sent(held, sent):
                    results.append(Held("failed", version, "the server holds other content "
                                                           f"(version {version})"))
                elif not self.by_this_run(held, sent):
                    results.append(Held("unchanged", version, "the server held it as sent "
                                                              "before this load"))
                elif self._created(held, sent):
                    results.append(Held("created", version, "stored by this load"))
                else:
                    results.append(Held("updated", version, "stored by this load"))
        return results
