"""Validation of FHIR output: each resource against the fhir.resources R4B models (the FHIR R4
4.0.1 structure), and the integrity of a set of resources (ids well formed and unique, every
reference resolving inside the set)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from converter.fhir.files import expand, iter_resources
from converter.fhir.references import references
from converter.fhir.semantics import SemanticCheck, located
from converter.problems import Location, error
from converter.report import Report

ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
LITERAL_REFERENCE = re.compile(r"^([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")

Where = TypeVar("Where")


@cache
def model_class(resource_type: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(resource_type)


def structure_errors(resource: dict[str, Any]) -> list[str]:
    """Why `resource` is not valid FHIR R4 structure (empty list: valid)."""
    resource_type = resource.get("resourceType")
    if not isinstance(resource_type, str):
        return ["resourceType is missing"]
    try:
        cls = model_class(resource_type)
    except (KeyError, ValueError, AttributeError, ImportError):
        return [f"unknown resourceType {resource_type!r}"]
    try:
        cls.model_validate(resource)
    except ValidationError as exc:
        return [_render(err) for err in exc.errors()]
    except (TypeError, ValueError) as exc:
        return [str(exc)]
    return []


def _render(err: Any) -> str:
    path = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
    message = str(err.get("msg", "invalid"))
    return f"{path}: {message}" if path else message


class Integrity(Generic[Where]):
    """Ids well formed and unique; every literal reference names a resource of the set.
    Resources are added one by one; references are checked at the end."""

    def __init__(self) -> None:
        self.present: set[str] = set()
        self.pending: list[tuple[Where, str, str]] = []

    def add(self, resource: dict[str, Any], where: Where) -> list[str]:
        key = f"{resource.get('resourceType')}/{resource.get('id')}"
        rid = resource.get("id")
        problems = []
        if not isinstance(rid, str) or not ID.match(rid):
            problems.append(f"{key}: id {rid!r} is not a valid FHIR id")
        elif key in self.present:
            problems.append(f"{key}: the id is used twice")
        self.present.add(key)
        self.pending += [(where, key, ref) for ref in references(resource)]
        return problems

    def unresolved(self) -> list[tuple[Where, str]]:
        problems = []
        for where, owner, reference in self.pending:
            if reference.startswith("#"):
                continue
            if not LITERAL_REFERENCE.match(reference):
                problems.append((where, f"{owner}: reference {reference!r} is not of the form "
                                        "Type/id"))
            elif reference not in self.present:
                problems.append((where, f"{owner}: reference {reference!r} does not resolve"))
        return problems


def integrity_errors(resources: Iterable[dict[str, Any]]) -> list[str]:
    check: Integrity[None] = Integrity()
    messages = [m for r in resources for m in check.add(r, None)]
    return messages + [m for _, m in check.unresolved()]


def validate_files(paths: list[str], on_resource: Callable[[int], None] | None = None
                   ) -> Report:
    """`casefhir validate`: every resource in the files, and their integrity as one set;
    `on_resource` is given the number of resources checked so far, after each."""
    started = time.perf_counter()
    report = Report("validate", inputs=expand(paths))
    check: Integrity[Location] = Integrity()
    meaning: SemanticCheck[Location] = SemanticCheck()
    for found in iter_resources(paths):
        if found.resource is None:
            report.problems.append(error(found.problem or "unreadable", found.location))
            continue
        resource = found.resource
        key = f"{resource.get('resourceType')}/{resource.get('id')}"
        report.resources[str(resource.get("resourceType"))] += 1
        messages = [f"{key}: {m}" for m in structure_errors(resource)]
        messages += check.add(resource, found.location)
        request = (found.entry or {}).get("request")
        if isinstance(request, dict) and request.get("method") == "PUT" \
                and request.get("url") != key:
            messages.append(f"{key}: the entry's request.url {request.get('url')!r} does not "
                            "match the resource")
        report.problems += [error(m, found.location) for m in messages]
        report.problems += [located(severity, m, found.location)
                            for severity, m in meaning.add(resource, found.location)]
        if on_resource is not None:
            on_resource(report.resources.total())
    report.problems += [error(m, where) for where, m in check.unresolved()]
    report.problems += [located(severity, m, where) for where, severity, m in meaning.finish()]
    report.seconds = time.perf_counter() - started
    return report
