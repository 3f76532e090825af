"""Validation on a FHIR server (`casefhir validate --server URL`): every resource is sent to
`POST [base]/{Type}/$validate`, and each error and warning of the OperationOutcome becomes a
problem located at its source (the table's file, row and columns, or the FHIR file's entry or
line), with the FHIRPath the server names.

The server validates a resource against the profiles it claims in `meta.profile` by itself (HAPI
FHIR and the HL7 validator do), so the profiles are not repeated as `?profile=` parameters (the
operation takes only one). A claimed profile the server does not have would only be a warning
there, so every claimed profile is looked up first: a missing one is an error that says to run
`casefhir install-profiles`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from converter.credentials import body_text, redact
from converter.problems import Location, Problem, Severity, counted
from converter.report import Report
from converter.server.caseunits import CaseUnit
from converter.server.client import FhirClient
from converter.server.concurrency import run_bounded
from mappings.common import Resource

SEVERITIES = {"fatal": Severity.ERROR, "error": Severity.ERROR, "warning": Severity.WARNING}


@dataclass
class ServerValidationReport(Report):
    server: str | None = None
    validated: int = 0  # resources the server validated
    information: int = 0  # information-level issues (not reported one by one)
    profiles: Counter[str] = field(default_factory=Counter)  # claimed profile → resources

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data.update({"server": self.server, "validated_on_server": self.validated,
                     "information_issues": self.information,
                     "profiles": dict(sorted(self.profiles.items()))})
        return data

    def render_summary(self) -> str:
        summary = super().render_summary()
        if self.server:
            summary = (f"server: {counted(self.validated, 'resource')} validated by {self.server} "
                       f"against {counted(len(self.profiles), 'claimed profile')}\n" + summary)
        return summary


def claimed_profiles(resource: Resource) -> list[str]:
    profiles = (resource.get("meta") or {}).get("profile") or []
    return [p for p in profiles if isinstance(p, str)]


def issue_problems(outcome: Any, key: str, where: Location | None,
                   case_id: str | None) -> tuple[list[Problem], int]:
    """The errors and warnings of an OperationOutcome as problems; plus the number of
    information issues."""
    problems: list[Problem] = []
    information = 0
    issues = outcome.get("issue") if isinstance(outcome, dict) else None
    for issue in issues or []:
        severity = SEVERITIES.get(str(issue.get("severity")))
        if severity is None:
            information += 1
            continue
        text = redact(str(issue.get("diagnostics") or (issue.get("details") or {}).get("text")
                          or issue.get("code") or "invalid"))
        paths = issue.get("expression") or [p for p in issue.get("location") or []
                                            if not str(p).startswith("Line[")]
        at = f" (at {', '.join(paths)})" if paths else ""
        problems.append(Problem(severity, f"{key}: {text}{at}", where, case_id=case_id))
    return problems, information


def missing_profiles(client: FhirClient, urls: Iterable[str]) -> list[str]:
    """The profiles (canonical URLs, optionally |version) the server has no StructureDefinition
    for."""
    missing = []
    for url in sorted(set(urls)):
        canonical, _, version = url.partition("|")
        search = f"StructureDefinition?url={quote(canonical, safe='')}&_summary=count"
        if version:
            search += f"&version={quote(version, safe='')}"
        response = client.request("GET", search, headers={"Cache-Control": "no-cache"})
        body = response.json()
        if response.status != 200 or not isinstance(body, dict) or not body.get("total"):
            missing.append(url)
    return missing


class ServerValidator:
    def __init__(self, client: FhirClient, report: ServerValidationReport,
                 concurrency: int = 4, on_done: Callable[[int], None] | None = None) -> None:
        self.client = client
        self.report = report
        self.concurrency = max(1, concurrency)
        self.on_done = on_done
        self.lock = threading.Lock()

    def validate_one(self, unit: CaseUnit, resource: Resource) -> None:
        key = f"{resource.get('resourceType')}/{resource.get('id')}"
        where = unit.where(key)
        case_id = unit.key if unit.source is not None else None
        response = self.client.request("POST", f"{resource.get('resourceType')}/$validate",
                                       resource)
        body = response.json()
        if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
            problems, information = issue_problems(body, key, where, case_id)
        else:
            said = body_text(response.body)
            problems, information = [Problem(
                Severity.ERROR, f"{key}: $validate answered HTTP {response.status} without an "
                "OperationOutcome" + (f": {said}" if said else ""), where, case_id=case_id)], 0
        with self.lock:
            self.report.problems += problems
            self.report.information += information
            self.report.validated += 1
            if self.on_done is not None:
                self.on_done(self.report.validated)

    def run(self, units: Iterable[CaseUnit]) -> None:
        """Validate every resource, at most `concurrency` requests in flight (and a bounded
        number of resources waiting, so a large input is never held whole)."""
        def items() -> Iterator[tuple[CaseUnit, Resource]]:
            for unit in units:
                for resource in unit.resources:
                    yield unit, resource

        run_bounded(items(), lambda item: self.validate_one(*item), self.concurrency)


def validate_on_server(units: Iterable[CaseUnit], client: FhirClient,
                       report: ServerValidationReport, concurrency: int = 4,
                       on_done: Callable[[int], None] | None = None) -> None:
    """Validate every resource of `units` on the server into `report`. `units` is gone through
    twice (a list, or converter.server.caseindex.StoredUnits, which reads them back from disk
    each time)."""
    started = time.perf_counter()
    client.capability()
    report.server = client.base
    for unit in units:
        for resource in unit.resources:
            report.profiles.update(claimed_profiles(resource))
    for url in missing_profiles(client, report.profiles):
        report.problems.append(Problem(
            Severity.ERROR, f"the server has no StructureDefinition for the claimed profile {url} "
            f"({report.profiles[url]} resources claim it); install it first: casefhir "
            "install-profiles --server URL PACKAGE..."))
    ServerValidator(client, report, concurrency, on_done).run(units)
    report.seconds += time.perf_counter() - started
