"""Terminology as data: every code verified or project-owned, every reference resolvable."""

from __future__ import annotations

import json
import re
import tarfile
from functools import cache
from typing import Any

from mappings.terminology import concept, concepts, system_url, vocabularies
from mappings.terminology.codesystem import casefhir_codesystem, terminology_markdown
from tests.conftest import ROOT, SHARED

GUIDE = SHARED / "reference" / "fhir-modeling.md"
NCIT = SHARED / "data" / "terminology" / "ncit" / "ncit_25.12e.txt"
MCODE = SHARED / "fhir-packages" / "mcode-stu4"
# code systems whose codes FHIR R4 core itself defines (CodeSystem resources of the spec)
FHIR_CORE = {"condition-clinical", "condition-ver-status", "condition-category",
             "observation-category", "data-absent-reason", "resource-types"}


@cache
def package_text(name: str) -> str:
    """Every JSON file of an official package in ../shared/fhir-packages, as one text."""
    with tarfile.open(SHARED / "fhir-packages" / f"{name}.tgz") as package:
        return "\n".join(package.extractfile(member).read().decode("utf-8")  # type: ignore[union-attr]
                         for member in package.getmembers()
                         if member.isfile() and member.name.endswith(".json"))


# "enumerated in <package> <resource type> <id>": the official package file that lists the code
PACKAGES = {"mCODE 4.0.0": "hl7.fhir.us.mcode-4.0.0.tgz",
            "HL7 Terminology 7.0.1": "hl7.terminology.r4-7.0.1.tgz"}


@cache
def enumerated(package: str, resource_type: str, resource_id: str) -> dict[str, str]:
    """code → display of every concept a ValueSet's compose or a CodeSystem lists."""
    path = SHARED / "fhir-packages" / PACKAGES[package]
    with tarfile.open(path) as archive:
        member = archive.extractfile(f"package/{resource_type}-{resource_id}.json")
        assert member is not None
        data = json.load(member)
    found: dict[str, str] = {}

    def walk(concepts: list[dict[str, Any]]) -> None:
        for item in concepts:
            found[item["code"]] = item.get("display", "")
            walk(item.get("concept", []))

    if resource_type == "ValueSet":
        for include in data["compose"]["include"]:
            walk(include.get("concept", []))
    else:
        walk(data["concept"])
    return found


@cache
def ncit_lines() -> frozenset[str]:
    return frozenset(NCIT.read_text(encoding="utf-8").splitlines())


def guide_lines() -> list[str]:
    return GUIDE.read_text(encoding="utf-8").splitlines()


def contexts(code: str) -> list[str]:
    """The guide text that speaks about `code`: its table cell (plus the next one, where the
    status stands when the cell has none), or its ';'-separated part of a prose line."""
    found = []
    for line in guide_lines():
        if code not in line:
            continue
        if line.lstrip().startswith("|"):
            cells = line.split("|")
            index = next(i for i, cell in enumerate(cells) if code in cell)
            own = cells[index]
            found.append(own if "VERIFIED" in own else " ".join(cells[index:index + 2]))
        else:
            found += [part for part in line.split(";") if code in part]
    return found


def test_every_standard_code_is_verified_by_the_guide_or_fixed_by_a_profile() -> None:
    profiles_text = "\n".join(p.read_text() for p in MCODE.glob("*.json"))
    casefhir = system_url("casefhir")
    core = {system_url(alias) for alias in FHIR_CORE}
    for item in concepts().values():
        if item.system == casefhir or item.system in core:
            continue
        source = item.source or ""
        if source.startswith("enumerated in "):
            words = source.removeprefix("enumerated in ").split()
            package, resource_type, resource_id = " ".join(words[:-2]), words[-2], words[-1]
            listed = enumerated(package, resource_type, resource_id)
            assert listed.get(item.code) == item.display, \
                f"{item.key}: {item.code} {item.display!r} is not listed so in {source}"
            continue
        if source.startswith("ncit 25.12e"):  # the shared NCIt release's code|preferred name
            assert f"{item.code}|{item.display}" in ncit_lines(), \
                f"{item.key}: {item.code}|{item.display} is not a line of {NCIT.name}"
            continue
        if source.startswith("fixed by"):
            assert f'"{item.code}"' in profiles_text, f"{item.key}: not fixed by any mCODE profile"
            continue
        package = re.match(r"package (\S+):", item.source or "")
        if package:  # an official package in ../shared/fhir-packages uses it, with this display
            text = package_text(package.group(1))
            assert re.search(rf'"code": ?"{re.escape(item.code)}"', text), \
                f"{item.key}: {item.code} is not in {package.group(1)}"
            if item.display:
                assert re.search(rf'"code": ?"{re.escape(item.code)}", ?"display": ?'
                                 rf'"{re.escape(item.display)}"', text), \
                    f"{item.key}: {item.code} never has the display {item.display!r} there"
            continue
        code = item.code.removeprefix("HGNC:") if item.system.endswith("genenames.org") else item.code
        seen = contexts(code)
        assert seen, f"{item.key}: code {item.code} does not appear in the modeling guide"
        assert any("UNVERIFIED" not in text for text in seen), \
            f"{item.key}: code {item.code} is only ever UNVERIFIED in the guide"


def test_unverified_guide_codes_are_not_used() -> None:
    used = {c.code for c in concepts().values()}
    for code in ("94391008", "255470001", "117617002", "370612006", "65801008"):
        assert code not in used


def test_vocabularies_name_existing_concepts() -> None:
    for vocabulary, entries in vocabularies().items():
        for entry in entries.values():
            for attribute in ("condition", "histology", "value", "method", "procedure",
                              "medication", "intent", "concept"):
                keys = entry.attributes.get(attribute, [])
                for key in [keys] if isinstance(keys, str) else keys:
                    assert concept(key), f"{vocabulary}.{entry.key}.{attribute}: {key}"


def test_casefhir_codesystem_is_valid_fhir() -> None:
    from fhir.resources.R4B.codesystem import CodeSystem

    resource = casefhir_codesystem()
    CodeSystem.model_validate(resource)
    codes = [c["code"] for c in resource["concept"]]
    assert len(codes) == len(set(codes)) == resource["count"]
    assert resource["url"] == "https://casefhir.org/fhir/CodeSystem/casefhir"
    assert all(c.get("definition") for c in resource["concept"])


def test_no_placeholder_systems() -> None:
    text = (ROOT / "mappings" / "terminology" / "concepts.toml").read_text()
    assert "example.org" not in text


def test_terminology_doc_is_current() -> None:
    assert (ROOT / "docs" / "terminology.md").read_text() == terminology_markdown(), \
        "regenerate: casefhir terminology --markdown > docs/terminology.md"


