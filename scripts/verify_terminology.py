#!/usr/bin/env python3
"""Verify every standard code casefhir can write against an official file, and write the result
as package data (mappings/terminology/verified.tsv) that `casefhir terminology --markdown` lists.

A code of concepts.toml is verified by, in this order:
1. an official FHIR package: a CodeSystem's concept, or a ValueSet's enumerated concept
   (compose.include.concept) or expansion, in ../shared/fhir-packages/*.tgz (mCODE 4.0.0,
   US Core 6.1.0, Genomics Reporting 3.0.0, IPS 2.0.0, HL7 Terminology 7.0.1) or in R4 core
   4.0.1 (the valuesets / v3 / v2 Bundles of HAPI's hapi-fhir-validation-resources-r4 jar, the
   version fhir-server/pom.xml names, from the local Maven repository);
2. the NCIt release in ../shared/data/terminology/ncit (an NCIt code and its preferred name);
3. a VERIFIED row of the project's modeling guide (../shared/reference/fhir-modeling.md): the
   code must appear on a guide line that says VERIFIED (RadLex, DICOM code meanings).
A code none of them verifies is an error: it must be dropped from concepts.toml.

The official display is the display of the CodeSystem that defines the code when a package holds
it, else the display the most enumerating ValueSets give (ties: the first file in the order
above); a code verified only by NCIt takes NCIt's preferred name, one verified only by the
guide the guide's label. Codes from the shipped code tables (HGNC, Sequence Ontology, OncoTree
and its NCIt codes, NCIt drugs) are verified by those tables (scripts/derive_terminology.py);
casefhir's own codes by its CodeSystem.

Deterministic; `--check` verifies the shipped file instead of writing it (the tests run it).

    python scripts/verify_terminology.py [--shared ../shared] [--m2 ~/.m2] [--check]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import tarfile
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TERMINOLOGY = ROOT / "mappings" / "terminology"
OUT = TERMINOLOGY / "verified.tsv"
PACKAGES = ("hl7.fhir.us.mcode-4.0.0.tgz", "hl7.fhir.us.core-6.1.0.tgz",
            "hl7.fhir.uv.genomics-reporting-3.0.0.tgz", "hl7.fhir.uv.ips-2.0.0.tgz",
            "hl7.terminology.r4-7.0.1.tgz")
R4_BUNDLES = ("valuesets.xml", "v3-codesystems.xml", "v2-tables.xml")
R4_JAR = "hapi-fhir-validation-resources-r4"
GUIDE = "reference/fhir-modeling.md"
NCIT = "data/terminology/ncit/ncit_25.12e.txt"
NCIT_SYSTEM = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
# systems that are identifiers or expressions, not code systems with a list of codes
NOT_CODE_SYSTEMS = ("casefhir", "casefhir-case", "casefhir-series", "casefhir-source-row",
                    "casefhir-source-row-sha256", "casefhir-software", "doi", "pubmed",
                    "hgvs", "refseq", "ucum")
FHIR = "{http://hl7.org/fhir}"
HEADER = ("key", "system", "code", "display", "verified_by")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One official file that lists a code."""

    file: str
    kind: str  # "CodeSystem", "ValueSet" or "StructureDefinition" (a code the profile fixes)
    url: str
    display: str | None


# ---------------------------------------------------------------- reading the official files

def _concepts(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from _concepts(item.get("concept", []))


def _contains(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        if "code" in item:
            yield item
        yield from _contains(item.get("contains", []))


def resource_codes(resource: dict[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    """(system, code, display) of every concept a CodeSystem defines or a ValueSet enumerates."""
    if resource.get("resourceType") == "CodeSystem":
        for item in _concepts(resource.get("concept", [])):
            yield resource.get("url", ""), item["code"], item.get("display")
    elif resource.get("resourceType") == "ValueSet":
        for include in resource.get("compose", {}).get("include", []):
            for item in include.get("concept", []):
                yield include.get("system", ""), item["code"], item.get("display")
            for rule in include.get("filter", []):
                # "is-a X" includes X itself (descendent-of would not); no display given
                if rule.get("property") == "concept" and rule.get("op") == "is-a":
                    yield include.get("system", ""), rule["value"], None
        for item in _contains(resource.get("expansion", {}).get("contains", [])):
            yield item.get("system", ""), item["code"], item.get("display")
    elif resource.get("resourceType") == "StructureDefinition":
        # a code the profile fixes (pattern[x] / fixed[x] of a Coding or CodeableConcept)
        for element in resource.get("snapshot", {}).get("element", []):
            for name, value in element.items():
                if name.startswith(("pattern", "fixed")):
                    for coding in _pattern_codings(value):
                        yield coding["system"], coding["code"], coding.get("display")


def _pattern_codings(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "code" in value and "system" in value:
            yield value
        yield from value.get("coding", [])


def _all_codings(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if isinstance(value.get("code"), str) and isinstance(value.get("system"), str) \
                and "value" not in value:
            yield value
        for item in value.values():
            yield from _all_codings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _all_codings(item)


def example_codes(resource: dict[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    """(system, code, display) of every Coding of an official example instance."""
    for coding in _all_codings(resource):
        yield coding["system"], coding["code"], coding.get("display")


def _value(element: ET.Element, name: str) -> str | None:
    child = element.find(FHIR + name)
    return None if child is None else child.get("value")


def _xml_concepts(element: ET.Element) -> list[dict[str, Any]]:
    return [{"code": _value(c, "code"), "display": _value(c, "display"),
             "concept": _xml_concepts(c)} for c in element.findall(FHIR + "concept")]


def _xml_resource(element: ET.Element) -> dict[str, Any]:
    """The parts of an R4 XML CodeSystem / ValueSet that resource_codes reads, as JSON."""
    kind = element.tag.removeprefix(FHIR)
    resource: dict[str, Any] = {"resourceType": kind, "url": _value(element, "url")}
    if kind == "CodeSystem":
        resource["concept"] = _xml_concepts(element)
    compose = element.find(FHIR + "compose")
    if compose is not None:
        resource["compose"] = {"include": [
            {"system": _value(inc, "system"), "concept": _xml_concepts(inc)}
            for inc in compose.findall(FHIR + "include")]}
    return resource


def r4_core_jar(m2: Path) -> Path:
    """HAPI's R4 core resources jar of the version the project's HAPI server is built with."""
    pom = (ROOT / "fhir-server" / "pom.xml").read_text(encoding="utf-8")
    match = re.search(r"<hapi\.version>([^<]+)</hapi\.version>", pom)
    if match is None:
        raise SystemExit("fhir-server/pom.xml names no <hapi.version>")
    version = match.group(1)
    jar = m2 / "repository/ca/uhn/hapi/fhir" / R4_JAR / version / f"{R4_JAR}-{version}.jar"
    if not jar.is_file():
        raise SystemExit(f"{jar} is missing: run fhir-server/hapi build first (it fetches R4 core)")
    return jar


def official_resources(shared: Path, m2: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(file label, resource) of every CodeSystem and ValueSet of the official packages."""
    for name in PACKAGES:
        with tarfile.open(shared / "fhir-packages" / name) as archive:
            members = sorted((m for m in archive.getmembers() if m.isfile()
                              and re.fullmatch(r"package/((CodeSystem|ValueSet|StructureDefinition)"
                                               r"-[^/]+|example/[^/]+)\.json", m.name)),
                             key=lambda m: m.name)
            for member in members:
                handle = archive.extractfile(member)
                assert handle is not None
                yield f"{name} {member.name.removeprefix('package/')}", json.load(handle)
    jar = r4_core_jar(m2)
    with zipfile.ZipFile(jar) as archive:
        for bundle in R4_BUNDLES:
            root = ET.fromstring(archive.read(f"org/hl7/fhir/r4/model/valueset/{bundle}"))
            for resource in root.iter():
                if resource.tag in (FHIR + "CodeSystem", FHIR + "ValueSet"):
                    data = _xml_resource(resource)
                    label = f"R4 core 4.0.1 ({jar.name}) {bundle} {data['resourceType']} {data['url']}"
                    yield label, data


def index(shared: Path, m2: Path) -> dict[tuple[str, str], list[Evidence]]:
    found: dict[tuple[str, str], list[Evidence]] = {}
    for label, resource in official_resources(shared, m2):
        if " example/" in label:
            for system, code, display in example_codes(resource):
                found.setdefault((system, code), []).append(Evidence(label, "example", "", display))
            continue
        for system, code, display in resource_codes(resource):
            found.setdefault((system, code), []).append(
                Evidence(label, resource["resourceType"], resource.get("url") or "", display))
    return found


@cache
def valuesets(shared: Path, m2: Path) -> dict[str, dict[tuple[str, str], str | None]]:
    """Every ValueSet of the official files by canonical URL: its enumerated members with their
    displays (of a filter only an is-a root, which it includes; what a filter selects beyond
    that no offline file enumerates)."""
    found: dict[str, dict[tuple[str, str], str | None]] = {}
    for label, resource in official_resources(shared, m2):
        if " example/" not in label and resource.get("resourceType") == "ValueSet":
            members = found.setdefault(resource.get("url") or "", {})
            for system, code, display in resource_codes(resource):
                members[(system, code)] = display
    return found


def valueset_members(shared: Path, m2: Path, url: str) -> dict[tuple[str, str], str | None]:
    """The enumerated members of one ValueSet (by canonical URL) with their displays."""
    try:
        return valuesets(shared, m2)[url]
    except KeyError:
        raise KeyError(f"no official package holds ValueSet {url}") from None


def ncit_names(shared: Path, codes: set[str]) -> dict[str, str]:
    """NCIt 25.12e preferred names (code|name lines) of the codes asked for."""
    names: dict[str, str] = {}
    for line in (shared / NCIT).read_text(encoding="utf-8").splitlines():
        code, _, name = line.partition("|")
        if code in codes:
            names[code] = name.strip()
    return names


def guide_lines(shared: Path) -> list[str]:
    return (shared / GUIDE).read_text(encoding="utf-8").splitlines()


def guide_verifies(lines: list[str], code: str) -> bool:
    """The code sits on a guide line that calls something VERIFIED, next to the word VERIFIED
    rather than UNVERIFIED (the guide puts several codes on one line)."""
    pattern = re.compile(rf"(?<![\w.-]){re.escape(code)}(?![\w.-])")
    for line in lines:
        for match in pattern.finditer(line):
            after = line[match.end():]
            verdict = re.search(r"\b(UN)?VERIFIED\b", after)
            if verdict and verdict.group(1) is None:
                return True
    return False


# ---------------------------------------------------------------- choosing the official display

def named_file(source: str | None) -> str | None:
    """The file a concept's `source` names ("enumerated in mCODE 4.0.0 ValueSet <id>"): the
    ValueSet the element's binding names, whose display is the one to write."""
    match = re.match(r"enumerated in .* (ValueSet|CodeSystem) (\S+)", source or "")
    return f"{match.group(1)}-{match.group(2)}.json" if match else None


def official_display(system: str, evidence: list[Evidence], named: str | None = None) -> Evidence:
    """The file and display that count as official for one code: the file its concept names,
    else the CodeSystem that defines it,
    else the display most enumerating ValueSets give, else a profile's fixed coding, else the
    official example instances, which count only for a code no definition lists (ties: the
    first file in the order of the module docstring).
    A code no file gives a display for is verified by its first defining file."""
    chosen = [e for e in evidence if named and e.file.endswith(" " + named) and e.display]
    if chosen:
        return chosen[0]
    if any(e.kind != "example" for e in evidence):
        evidence = [e for e in evidence if e.kind != "example"]
    tiers = (
        [e for e in evidence if e.kind == "CodeSystem" and e.url == system],
        [e for e in evidence if e.kind == "ValueSet"],
        [e for e in evidence if e.kind == "StructureDefinition"],
        [e for e in evidence if e.kind == "example"],
    )
    for tier in tiers:
        with_display = [e for e in tier if e.display]
        if with_display:
            votes = Counter(e.display for e in with_display)
            best = max(votes.values())
            return next(e for e in with_display if votes[e.display] == best)
    return next(e for tier in tiers for e in tier)


def rows(shared: Path, m2: Path) -> list[tuple[str, ...]]:
    data = tomllib.loads((TERMINOLOGY / "concepts.toml").read_text(encoding="utf-8"))
    systems: dict[str, str] = data["systems"]
    found = index(shared, m2)
    lines = guide_lines(shared)
    pending = {key: item for key, item in data["concepts"].items()
               if item["system"] not in NOT_CODE_SYSTEMS}
    ncit = ncit_names(shared, {item["code"] for item in pending.values()
                               if systems[item["system"]] == NCIT_SYSTEM})
    result: list[tuple[str, ...]] = []
    missing: list[str] = []
    for key, item in pending.items():
        system, code = systems[item["system"]], item["code"]
        evidence = found.get((system, code))
        if evidence:
            chosen = official_display(system, evidence, named_file(item.get("source")))
            display, verified_by = chosen.display or "", chosen.file
        elif system == NCIT_SYSTEM and code in ncit:
            display, verified_by = ncit[code], f"NCIt ({NCIT})"
        elif guide_verifies(lines, code):
            display, verified_by = item.get("display", ""), f"modeling guide ({GUIDE}), VERIFIED"
        else:
            missing.append(f"{key} ({item['system']} {code})")
            continue
        result.append((key, system, code, display, verified_by))
    if missing:
        raise SystemExit("no official file verifies these concepts of concepts.toml: "
                         + ", ".join(missing))
    return result


def render(table: list[tuple[str, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(table)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--m2", type=Path, default=Path.home() / ".m2")
    parser.add_argument("--check", action="store_true",
                        help="verify mappings/terminology/verified.tsv instead of writing it")
    args = parser.parse_args()
    text = render(rows(args.shared, args.m2))
    if args.check:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is not what the official files give: "
                  "run python scripts/verify_terminology.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(text.splitlines()) - 1} codes verified")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
