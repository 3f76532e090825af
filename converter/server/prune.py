"""Pruning a series on a server: delete the resources of the series that no longer come from the
input (`casefhir load --prune`).

The series' resources are found by the series tag (meta.tag
https://casefhir.org/fhir/sid/series|<series>, on every resource casefhir makes), one search per
resource type the mappings produce; nothing else on the server is ever looked at. A tag finds
candidates but proves nothing (HAPI merges tags across updates, so a resource another series
overwrote carries both tags): a resource is deleted only when its own identity proves it is the
series' (server/ownership.proves_series: its id parses as one of the series' ids, it is about
that series' Patient of the same case, a Patient names the series and case in its identifier,
and it carries no other series' tag). Tagged resources that do not prove it are listed and left
alone. Resources at casefhir 0.1 ids (`<series>-<case>-<role>`) are listed apart and deleted only
with `include_legacy` (`--prune-legacy-ids`), for moving a series to the new ids.

Deletes go case by case, one transaction per case (all-or-nothing), with each resource after the
resources that refer to it, so the server's referential integrity on delete holds without
`_cascade` (which would also delete referrers outside the series). A resource something outside
the series still refers to cannot be deleted: the server refuses that case, which is reported with
the server's words; cases refused because of a reference from another case of the prune are tried
once more when every other case is done.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from converter.credentials import body_text, redact
from converter.problems import counted
from converter.server.client import NOT_CARRIED_OUT, FhirClient, outcome_text, search_all
from converter.server.concurrency import run_bounded
from converter.server.ownership import SERIES, is_legacy, proves_series
from mappings.case import RESOURCE_TYPES, patient_of, references_first
from mappings.common import Resource

FETCH_IDS = 50  # ids per `_id=` search when reading the resources to delete
NOT_RETRIED_ON_DELETE = frozenset({409})  # a reference blocks the delete: final (tried once more)


def _key(resource: Resource) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def _q(value: str) -> str:
    return quote(value, safe=":/")


def series_keys(client: FhirClient, series: str, concurrency: int = 4) -> set[str]:
    """Type/id of every resource of the series on the server (ids only are fetched), one search
    per resource type, `concurrency` at a time."""
    tag = _q(f"{SERIES}|{series}")

    def tagged(kind: str) -> set[str]:
        return {f"{kind}/{r['id']}" for r in search_all(client, f"{kind}?_tag={tag}&_elements=id")}

    with ThreadPoolExecutor(max(1, concurrency)) as pool:
        return set().union(*pool.map(tagged, RESOURCE_TYPES))


def fetch(client: FhirClient, keys: Iterable[str]) -> list[Resource]:
    """The current versions of these resources (those still there), by `_id` searches."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for key in sorted(keys):
        kind, _, rid = key.partition("/")
        by_type[kind].append(rid)
    resources: list[Resource] = []
    for kind, ids in sorted(by_type.items()):
        for start in range(0, len(ids), FETCH_IDS):
            chunk = ",".join(ids[start:start + FETCH_IDS])
            resources += search_all(client, f"{kind}?_id={_q(chunk)}")
    return resources


@dataclass
class PruneGroup:
    """The resources of one case to delete, referrers before what they refer to."""

    case: str | None  # the Patient id, None for resources of no Patient
    resources: list[Resource]
    whole_case: bool  # the Patient itself goes

    def counts(self) -> Counter[str]:
        return Counter(str(r.get("resourceType")) for r in self.resources)

    @property
    def label(self) -> str:
        return f"case Patient/{self.case}" if self.case is not None else "resources of no case"


@dataclass
class PrunePlan:
    series: str
    on_server: int  # resources of the series found on the server
    groups: list[PruneGroup]
    unproven: list[str] = field(default_factory=list)  # tagged, but not provably the series'
    legacy: list[str] = field(default_factory=list)  # casefhir 0.1 ids, left (not asked)

    @property
    def total(self) -> int:
        return sum(len(g.resources) for g in self.groups)

    def counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for group in self.groups:
            total.update(group.counts())
        return total

    def notes(self) -> list[str]:
        """What the prune leaves alone although it carries the series tag."""
        lines = []
        if self.unproven:
            lines.append(f"prune: left alone: {counted(len(self.unproven), 'resource')} carry the tag of "
                         f"series {self.series} but their ids do not prove they are its own "
                         f"(another series', or not made by casefhir): "
                         f"{', '.join(self.unproven[:5])}{' ...' if len(self.unproven) > 5 else ''}")
        if self.legacy:
            lines.append(f"prune: left alone: {counted(len(self.legacy), 'resource')} of series "
                         f"{self.series} at casefhir 0.1 ids (e.g. {self.legacy[0]}); "
                         "--prune-legacy-ids deletes them once the series is loaded under the "
                         "new ids (see docs/mapping.md)")
        return lines

    def render(self) -> list[str]:
        """What will be deleted: type/id grouped by case, with counts."""
        if not self.groups:
            return [*self.notes(), f"prune: nothing to delete: every resource of series "
                    f"{self.series} on the server ({self.on_server}) comes from the input"
                    + (" or is left alone" if self.unproven or self.legacy else "")]
        whole = sum(g.whole_case for g in self.groups)
        parts = [counted(whole, "whole case") if whole else "",
                 f"part of {counted(len(self.groups) - whole, 'case')}"
                 if len(self.groups) > whole else ""]
        lines = [*self.notes(), f"prune: {self.total:,} of the "
                 f"{counted(self.on_server, 'resource')} of series {self.series} on the server "
                 "no longer come from the input "
                 f"({', '.join(p for p in parts if p)}):"]
        for group in self.groups:
            counts = ", ".join(f"{k} {n:,}" for k, n in sorted(group.counts().items()))
            size = len(group.resources)
            what = "the whole case" if group.whole_case else counted(size, "resource")
            lines.append(f"  {group.label}: {what} ({counts})")
            lines += [f"    {_key(r)}" for r in group.resources]
        lines.append("  total: " + ", ".join(f"{k} {n}" for k, n in
                                                sorted(self.counts().items())))
        return lines

    def to_json(self) -> dict[str, Any]:
        return {"series": self.series, "on_server": self.on_server, "to_delete": self.total,
                "by_type": dict(sorted(self.counts().items())),
                "left_alone": {"unproven": self.unproven, "legacy_ids": self.legacy},
                "cases": [{"patient": g.case, "whole_case": g.whole_case,
                           "resources": [_key(r) for r in g.resources]} for g in self.groups]}


def plan_prune(client: FhirClient, series: str, produced: set[str], concurrency: int = 4,
               include_legacy: bool = False) -> PrunePlan:
    """Every resource of the series on the server that is not among `produced` (Type/id) and
    whose identity proves it is the series' (plus, with `include_legacy`, the series' resources
    at casefhir 0.1 ids)."""
    on_server = series_keys(client, series, concurrency)
    candidates = [r for r in fetch(client, on_server - produced) if _key(r) not in produced]
    stale = [r for r in candidates if proves_series(r, series)
             or (include_legacy and is_legacy(r, series))]
    going = {_key(r) for r in stale}
    left = [r for r in candidates if _key(r) not in going]
    legacy = sorted(_key(r) for r in left if is_legacy(r, series))
    unproven = sorted(_key(r) for r in left if not is_legacy(r, series))
    cases: dict[str | None, list[Resource]] = defaultdict(list)
    for resource in stale:
        cases[patient_of(resource)].append(resource)
    groups = []
    for case in sorted(cases, key=lambda c: (c is None, c or "")):
        members = sorted(cases[case], key=_key)
        ordered = list(reversed(references_first(members)))  # referrers first
        whole = any(r.get("resourceType") == "Patient" and r.get("id") == case for r in members)
        groups.append(PruneGroup(case, ordered, whole))
    return PrunePlan(series, len(on_server), groups, unproven, legacy)


@dataclass
class PruneResult:
    deleted: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[PruneGroup, int, str]] = field(default_factory=list)  # status, message
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def failed(self) -> int:
        return sum(len(group.resources) for group, _, _ in self.failures)

    def to_json(self) -> dict[str, Any]:
        return {"deleted": dict(sorted(self.deleted.items())),
                "deleted_total": sum(self.deleted.values()), "failed": self.failed,
                "failures": [{"patient": g.case, "status": status, "message": message,
                              "resources": [_key(r) for r in g.resources]}
                             for g, status, message in self.failures]}

    def render(self) -> list[str]:
        lines = [f"error: prune: could not delete the {counted(len(g.resources), 'resource')} of {g.label} "
                 f"({status}): {redact(message)}" for g, status, message in self.failures]
        by_type = ", ".join(f"{k} {n:,}" for k, n in sorted(self.deleted.items()))
        lines.append(f"pruned: {counted(sum(self.deleted.values()), 'resource')} deleted"
                     + (f" ({by_type})" if by_type else "")
                     + (f"; {self.failed} could not be deleted" if self.failures else ""))
        return lines


def _delete_group(client: FhirClient, group: PruneGroup, result: PruneResult) -> None:
    body = {"resourceType": "Bundle", "type": "transaction",
            "entry": [{"request": {"method": "DELETE", "url": _key(r)}}
                      for r in group.resources]}
    # a DELETE transaction is idempotent: deleting what is already gone changes nothing
    response = client.request("POST", "", body,
                              retry_statuses=client.config.retry_statuses - NOT_RETRIED_ON_DELETE)
    data = response.json()
    gone = False
    if response.status != 200 and (response.doubt or (
            response.status >= 500 and response.status not in NOT_CARRIED_OUT)):
        # the server may have deleted them before it failed to answer: ask what is left
        gone = not fetch(client, [_key(r) for r in group.resources])
    with result.lock:
        result.requests += 1
        if (response.status == 200 and isinstance(data, dict)) or gone:
            result.deleted.update(group.counts())
        else:  # the server's words, redacted before they are cut
            text = outcome_text(data) or body_text(response.body)
            result.failures.append((group, response.status, text))


def execute(client: FhirClient, plan: PrunePlan, concurrency: int = 4,
            on_done: Callable[[int], None] | None = None) -> PruneResult:
    """Delete what the plan lists, case by case; cases the server refused for a reference are
    tried once more, one at a time, when the others are done (the referrer may be gone then).
    `on_done` is given the number of the plan's resources whose delete has been answered (of
    plan.total), after each case's first try."""
    result = PruneResult()
    answered = [0]

    def delete(group: PruneGroup) -> None:
        _delete_group(client, group, result)
        if on_done is not None:
            with result.lock:  # one call at a time, counts in order
                answered[0] += len(group.resources)
                on_done(answered[0])

    run_bounded(plan.groups, delete, concurrency)
    again = [group for group, status, _ in result.failures if status == 409]
    if again and len(again) < len(plan.groups):
        result.failures = [f for f in result.failures if f[1] != 409]
        for group in again:
            _delete_group(client, group, result)
    return result
