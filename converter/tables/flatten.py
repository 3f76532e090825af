"""`casefhir flatten`: FHIR made by casefhir (Bundles, NDJSON, or a series on a server) back into
the canonical table, through the inverse of each mapping module (`mappings.table_row`).

Resources are grouped into cases by the Patient they are about; each case's Provenance, when
present, gives the source row (cases come out in the table's order) and the order the resources
were made in (treatments keep the table's order). Resources of other series, and resources
casefhir does not make, are counted and left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from converter.fhir.files import iter_resources
from converter.fhir.ids import role_in_case
from converter.problems import InputError, error
from converter.server.client import search_all
from converter.tables.template import TEMPLATE_COLUMNS
from mappings.case import RESOURCE_TYPES, patient_of, table_row
from mappings.common import CaseResources, Cells, Resource, series_of
from mappings.genomics import finding_rows
from mappings.provenance import from_fhir_provenance
from mappings.terminology import system_url

COLUMNS = tuple(c.name for c in TEMPLATE_COLUMNS)


@dataclass
class Flattened:
    series: list[str]
    rows: list[Cells]
    findings: list[Cells] = field(default_factory=list)  # one row per molecular finding
    resources: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # why → how many resources


def _case(patient_id: str, resources: list[Resource]) -> CaseResources:
    """A case's resources by role, in the order the converter made them."""
    by_id = {f"{r['resourceType']}/{r['id']}": r for r in resources}
    provenance = next((r for r in resources if r["resourceType"] == "Provenance"), None)
    order = [t.get("reference") for t in (provenance or {}).get("target", [])]
    ordered = [by_id[o] for o in order if o in by_id]
    ordered += [r for r in resources if r not in ordered]
    case: CaseResources = {}
    for resource in ordered:
        case[role_in_case(str(resource["id"]), patient_id)] = resource
    return case


def flatten(resources: Iterable[Resource], series: str | None = None) -> Flattened:
    """The canonical rows of every case of one series."""
    found_series: set[str] = set()
    cases: dict[str, list[Resource]] = {}
    skipped: Counter[str] = Counter()
    total = 0
    for resource in resources:
        total += 1
        tag = series_of(resource)
        if tag is None:
            skipped["not made by casefhir (no series tag)"] += 1
            continue
        found_series.add(tag)
        if series is not None and tag != series:
            skipped[f"of another series ({tag})"] += 1
            continue
        patient = patient_of(resource)
        if patient is None:
            skipped["not about a patient"] += 1
            continue
        cases.setdefault(patient, []).append(resource)
    if series is None and len(found_series) > 1:
        raise InputError(error("the input holds several series (" + ", ".join(
            sorted(found_series)) + "); choose one with --series-id"))
    rows: list[tuple[tuple[int, str, int], Cells, list[Cells]]] = []
    for position, (patient_id, found) in enumerate(cases.items()):
        if not any(r["resourceType"] == "Patient" for r in found):
            skipped["about a Patient missing from the input"] += len(found)
            continue
        case = _case(patient_id, found)
        source = from_fhir_provenance(case["provenance"]) if "provenance" in case else {}
        row = source.get("source_row")
        key = (0, str(source.get("source_file")), row) if row is not None else (1, "", position)
        cells = table_row(case)
        _bare_size(cells, case)
        rows.append((key, cells, finding_rows(case, cells.get("case_id", ""))))
    rows.sort(key=lambda item: item[0])
    table = [cells for _, cells, _ in rows]
    _size_header(table)
    return Flattened(sorted(found_series) if series is None else [series], table,
                     [finding for _, _, found in rows for finding in found], total, skipped)


# A size the table wrote as a bare number (its unit in the header or --columns: GBSG2's `tsize`,
# mm) is kept as written in the size's note, so the cell alone ("21") would not read back. The
# flattened table says the unit in the header, "size (mm)", which reads the bare cells as the
# source did and gives the same FHIR (the note keeps "21"); cells that say their unit keep it
# (it wins over the header's). Bare sizes in two units (two sources in one series) get the unit
# in the cell instead ("21 mm": the size reads back, its note then says "21 mm").
_UNIT_IN_SIZE = re.compile(r"\d\s*-?\s*(?:mm|cm)\b", re.IGNORECASE)  # "5 cm", "30-mm"
_BARE_UNIT = "__size_unit"  # a row's key while flattening: the unit of a bare size


def _bare_size(cells: Cells, case: CaseResources) -> None:
    size = cells.get("size")
    if size is None or _UNIT_IN_SIZE.search(size):
        return
    for component in (case.get("tumour-size") or {}).get("component", []):
        code = (component.get("valueQuantity") or {}).get("code")
        if code in ("mm", "cm"):
            cells[_BARE_UNIT] = str(code)
            return


def _size_header(rows: list[Cells]) -> None:
    units = {row[_BARE_UNIT] for row in rows if _BARE_UNIT in row}
    for row in rows:
        unit = row.pop(_BARE_UNIT, None)
        if len(units) == 1 and "size" in row:
            row[size_header(next(iter(units)))] = row.pop("size")
        elif unit is not None:
            row["size"] = f"{row['size']} {unit}"


def size_header(unit: str) -> str:
    return f"size ({unit})"


def file_resources(paths: list[str]) -> Iterator[Resource]:
    """The resources of Bundle and NDJSON files; an unreadable item stops with its location."""
    for found in iter_resources(paths):
        if found.resource is None:
            raise InputError(error(found.problem or "unreadable", found.location))
        yield found.resource


def server_resources(client: Any, series: str) -> Iterator[Resource]:
    """Every resource of a series on a server: each resource type searched by the series tag."""
    tag = quote(f"{system_url('casefhir-series')}|{series}", safe=":/")
    for resource_type in RESOURCE_TYPES:
        yield from search_all(client, f"{resource_type}?_tag={tag}")


def used_columns(rows: list[Cells], every: bool = False) -> list[str]:
    """The canonical columns, in dictionary order, that at least one row fills (case_id always;
    every: all of them), the size as "size (mm)" where the rows give it so (see _size_header)."""
    filled = {name for row in rows for name in row}
    sized = sorted(name for name in filled if name.startswith("size ("))
    return [sized[0] if c == "size" and sized else c for c in COLUMNS
            if every or c == "case_id" or c in filled or (c == "size" and sized)]


__all__ = ["Flattened", "file_resources", "flatten", "server_resources",
           "used_columns"]
