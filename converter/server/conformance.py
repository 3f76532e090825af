"""Installing conformance resources into a FHIR server, so that it can validate casefhir's output
against the profiles the resources claim (`casefhir install-profiles`).

Sources: an npm package (`.tgz`, e.g. hl7.fhir.us.core-6.1.0.tgz: the StructureDefinitions,
ValueSets and CodeSystems of its `package/` folder, never its examples), a folder of resource JSON
files (e.g. the mCODE STU4 StructureDefinitions), or single JSON resources or Bundles of them.
casefhir's own CodeSystem is always installed too.

Each resource is sent as `PUT Type/id`, which any FHIR server understands; installing again
changes nothing. Everything is read (and every source checked) before anything is sent.
"""

from __future__ import annotations

import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from converter.credentials import body_text
from converter.problems import InputError, Location, Problem, Severity, counted, error
from converter.report import ServerReport
from converter.server.client import FhirClient, Response, outcome_text

CONFORMANCE_TYPES = ("CodeSystem", "ValueSet", "StructureDefinition")
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Conformance:
    resource: dict[str, Any]
    where: Location  # the file (and package member) it came from

    @property
    def key(self) -> str:
        return f"{self.resource['resourceType']}/{self.resource['id']}"


@dataclass
class InstallReport(ServerReport):
    skipped: int = 0  # resources of other types (examples, SearchParameters...) left out

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["skipped"] = self.skipped
        return data

    def render_summary(self) -> str:
        lines = [f"server: {self.server}", *self.outcome_table()]
        if self.skipped:
            lines.append(f"left out: {counted(self.skipped, 'resource')} that are not CodeSystem, ValueSet "
                         "or StructureDefinition")
        lines.append(self.problem_counts())
        lines.append(f"time: {self.seconds:.2f} s")
        return "\n".join(lines)


# ------------------------------------------------------------------------------------ reading
def _parse(data: bytes, where: Location) -> Any:
    try:
        return orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        raise InputError(error(f"not valid JSON: {exc}", where)) from None


def _resources(item: Any, where: Location) -> Iterator[tuple[dict[str, Any], Location]]:
    """The resource, or the resources of a Bundle (entries numbered from 1)."""
    if not isinstance(item, dict) or not isinstance(item.get("resourceType"), str):
        raise InputError(error("not a FHIR resource (no resourceType)", where))
    if item["resourceType"] != "Bundle":
        yield item, where
        return
    for index, entry in enumerate(item.get("entry") or [], start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict):
            yield resource, Location(where.file, index, where.column, "entry")


def _package(path: Path) -> Iterator[tuple[dict[str, Any], Location]]:
    """The resources directly in an npm package's `package/` folder (not `package/example/`,
    `package/other/`...); package.json and the .index.json are not resources."""
    try:
        archive = tarfile.open(path, "r:*")  # noqa: SIM115 (closed below)
    except (tarfile.TarError, OSError) as exc:
        raise InputError(error(f"not a readable npm package (.tgz): {exc}",
                               Location(str(path)))) from None
    with archive:
        for member in archive:
            parts = member.name.removeprefix("./").split("/")
            if (not member.isfile() or len(parts) != 2 or parts[0] != "package"
                    or not parts[1].endswith(".json") or parts[1] in ("package.json",
                                                                      ".index.json")):
                continue
            where = Location(f"{path}:{member.name}")
            handle = archive.extractfile(member)
            if handle is None or member.size > MAX_FILE_BYTES:
                raise InputError(error("package member cannot be read", where))
            yield from _resources(_parse(handle.read(), where), where)


def _file(path: Path) -> Iterator[tuple[dict[str, Any], Location]]:
    where = Location(str(path))
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(error("file too large for a conformance resource", where))
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(error(f"cannot read: {exc.strerror}", where)) from None
    yield from _resources(_parse(data, where), where)


def _source(path_text: str) -> Iterator[tuple[dict[str, Any], Location]]:
    path = Path(path_text)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix == ".json")
        if not files:
            raise InputError(error("the folder has no .json files", Location(path_text)))
        for file in files:
            yield from _file(file)
    elif path.is_file() and (path.name.endswith((".tgz", ".tar.gz"))):
        yield from _package(path)
    elif path.is_file():
        yield from _file(path)
    else:
        raise InputError(error("no such file or folder", Location(path_text)))


def read_conformance(paths: list[str], report: InstallReport) -> list[Conformance]:
    """Every CodeSystem, ValueSet and StructureDefinition of the sources, then casefhir's own
    CodeSystem; CodeSystems first, then ValueSets, then StructureDefinitions. A later source
    overrides an earlier one with the same Type/id (with a warning). Raises InputError for a
    source that cannot be read, or a conformance resource without an id."""
    from mappings.terminology.codesystem import casefhir_codesystem

    found: dict[str, Conformance] = {}
    for path in paths:
        for resource, where in _source(path):
            if resource.get("resourceType") not in CONFORMANCE_TYPES:
                report.skipped += 1
                continue
            rid = resource.get("id")
            if not isinstance(rid, str) or not rid:
                raise InputError(error(f"{resource['resourceType']} without an id (needed to "
                                       "install it with PUT Type/id)", where))
            item = Conformance(resource, where)
            if item.key in found:
                report.problems.append(Problem(
                    Severity.WARNING, f"{item.key} also comes from {found[item.key].where.render()}"
                    "; this one is installed", where))
            found[item.key] = item
    own = Conformance(casefhir_codesystem(), Location("casefhir terminology"))
    found[own.key] = own
    order = {kind: i for i, kind in enumerate(CONFORMANCE_TYPES)}
    return sorted(found.values(), key=lambda c: order[c.resource["resourceType"]])


# ------------------------------------------------------------------------------------ sending
def _outcome(response: Response, started: float) -> str:
    """created (201), unchanged (the server kept the version it had: lastUpdated before this
    run), updated, or failed."""
    if response.status == 201:
        return "created"
    if response.status != 200:
        return "failed"
    body = response.json()
    updated = ((body or {}).get("meta") or {}).get("lastUpdated") if isinstance(body, dict) else None
    if isinstance(updated, str):
        try:
            if datetime.fromisoformat(updated.replace("Z", "+00:00")).timestamp() < started:
                return "unchanged"
        except ValueError:
            pass
    return "updated"


def install(paths: list[str], client: FhirClient, concurrency: int = 4,
            on_done: Callable[[int], None] | None = None,
            on_total: Callable[[int], None] | None = None) -> InstallReport:
    """`casefhir install-profiles`: read every source, then PUT each resource by id.
    `on_total` is told how many resources there are once every source is read, `on_done`
    how many have been answered after each."""
    started = time.time()
    clock = time.perf_counter()
    report = InstallReport("install-profiles", inputs=list(paths), server=client.base)
    items = read_conformance(paths, report)
    if on_total is not None:
        on_total(len(items))
    client.capability()  # a FHIR R4 server, reachable with these credentials
    lock = threading.Lock()
    done = 0

    def put(item: Conformance) -> None:
        nonlocal done
        resource = item.resource
        response = client.request("PUT", item.key, resource)
        outcome = _outcome(response, started)
        with lock:
            report.resources[resource["resourceType"]] += 1
            report.outcomes[resource["resourceType"]][outcome] += 1
            if outcome == "failed":
                detail = outcome_text(response.json()) or body_text(response.body) \
                    or f"HTTP {response.status}"
                report.problems.append(Problem(
                    Severity.ERROR, f"{item.key}: the server refused it ({response.status}): "
                    f"{detail}", item.where))
            done += 1
            if on_done is not None:
                on_done(done)

    # CodeSystems and ValueSets before the profiles that bind to them
    for kind in CONFORMANCE_TYPES:
        batch = [i for i in items if i.resource["resourceType"] == kind]
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            list(pool.map(put, batch))
    report.written = not report.errors
    report.seconds = time.perf_counter() - clock
    return report
