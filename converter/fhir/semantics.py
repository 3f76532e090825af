"""Checks of meaning that structure and profiles do not catch, for `casefhir validate`: the
molecular facts a converter can get wrong while every resource is still valid FHIR.

- a gene-studied coded with HGNC must carry an HGNC id that exists, with its approved symbol as
  display; a gene-studied given as text that is an approved symbol should have been coded;
- a fusion (SO gene_fusion) names genes: a partner written like a protein change ("V600E") or
  a method word is an error; a partner HGNC does not know is a warning; a one-gene fusion whose
  own words name a second approved gene lost its partner;
- Sequence Ontology codings exist and carry their term name;
- a TumorMarkerTest about pan-TRK (genes NTRK1-3) whose words name other markers (STAT6+,
  CD34+) is some other stain read as pan-TRK;
- a genomics report's conclusion agrees with its results: a fusion it says was detected is a
  present fusion among its results, and nothing it says was detected is an absent result.

Each check returns messages that start with `Type/id`; `SemanticCheck` collects what the report
check needs across a set of resources and checks reports at the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from converter.problems import Location, Problem, error, warning
from mappings.terminology.genes import HGNC_SYSTEM, gene_by_id, gene_by_symbol
from mappings.terminology.sequence_ontology import SO_SYSTEM, sequence_terms

Where = TypeVar("Where")

GENE_STUDIED = "48018-6"
DNA_CHANGE_TYPE = "48019-4"
VARIANT_CODE = "69548-6"
PRESENT, ABSENT = "LA9633-4", "LA9634-2"
GENE_FUSION = "SO:0001565"
TRK_GENES = {"NTRK1", "NTRK2", "NTRK3"}
_PROTEIN_CHANGE = re.compile(r"(?:p\.)?\(?[A-Z](?:[a-z]{2})?\d+(?:[A-Z](?:[a-z]{2})?|\*|fs|del|ins|dup)",
                             re.ASCII)
_METHOD_WORDS = {"FISH", "NGS", "PCR", "RT-PCR", "IHC", "RNA", "DNA", "SEQ", "WES", "WGS"}
# a gene symbol inside words ("NAB2ex7", "CD34+"): capitals and digits, not inside a longer run
_SYMBOLISH = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z0-9]{1,14}(?:-[A-Z0-9]{1,6})?(?![A-Z0-9])")
_FUSION_IN_CONCLUSION = re.compile(r"([A-Za-z0-9-]+)::([A-Za-z0-9-]+) fusion detected")


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _has_code(concept: Any, code: str) -> bool:
    return any(c.get("code") == code for c in _codings(concept))


def _components(resource: dict[str, Any], code: str) -> list[Any]:
    return [c.get("valueCodeableConcept") for c in resource.get("component") or []
            if isinstance(c, dict) and _has_code(c.get("code"), code)]


def _gene_label(value: Any) -> str | None:
    for coding in _codings(value):
        if coding.get("system") == HGNC_SYSTEM:
            return str(coding.get("display") or coding.get("code"))
    return value.get("text") if isinstance(value, dict) else None


def _coding_problems(key: str, resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(severity, message) for HGNC and SO codings anywhere in the resource."""
    for coding in _walk_codings(resource):
        system, code, display = coding.get("system"), coding.get("code"), coding.get("display")
        if system == HGNC_SYSTEM and isinstance(code, str):
            entry = gene_by_id(code)
            if entry is None:
                yield "error", f"{key}: {code} is not an approved HGNC gene id"
            elif display is not None and display != entry.symbol:
                yield "error", (f"{key}: {code} is {entry.symbol}, not {display!r} (HGNC "
                                f"display must be the approved symbol)")
        elif system == SO_SYSTEM and isinstance(code, str):
            names = {t.id: t.name for t in sequence_terms().values()}
            if code in names and display is not None and display != names[code]:
                yield "error", f"{key}: {code} is {names[code]}, not {display!r}"


def _walk_codings(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "system" in value and "code" in value:
            yield value
        for item in value.values():
            yield from _walk_codings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_codings(item)


def _gene_problems(key: str, resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    genes = _components(resource, GENE_STUDIED)
    is_fusion = any(_has_code(v, GENE_FUSION) for v in _components(resource, DNA_CHANGE_TYPE))
    for value in genes:
        if not isinstance(value, dict) or _codings(value):
            continue
        text = str(value.get("text") or "").strip()
        entry = gene_by_symbol(text)
        if entry is not None and entry.symbol == text:
            yield "error", (f"{key}: gene {text} is an approved HGNC symbol ({entry.hgnc_id}) "
                            "but is not coded")
        elif is_fusion and (_PROTEIN_CHANGE.fullmatch(text) or text.upper() in _METHOD_WORDS):
            yield "error", (f"{key}: a fusion names {text!r} as a gene, which is a "
                            f"{'protein change' if _PROTEIN_CHANGE.fullmatch(text) else 'method'}"
                            ": a mutation or a test read as a fusion partner")
        elif is_fusion:
            yield "warning", f"{key}: fusion partner {text!r} is not an HGNC gene symbol"
    if is_fusion and len(genes) == 1 and resource.get("valueCodeableConcept") is not None \
            and _has_code(resource["valueCodeableConcept"], PRESENT):
        partner = _gene_label(genes[0])
        words = str(resource["valueCodeableConcept"].get("text") or "")
        others = [s for s in _SYMBOLISH.findall(words)
                  if s != partner and (e := gene_by_symbol(s)) is not None and e.symbol == s]
        if others:
            yield "error", (f"{key}: a fusion of {partner} alone, but its words {words!r} also "
                            f"name {', '.join(others)}: the partner was lost")


def _marker_problems(key: str, resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    genes = {_gene_label(v) for v in _components(resource, GENE_STUDIED)}
    if resource.get("resourceType") != "Observation" or not genes or not genes <= TRK_GENES:
        return
    if not any("tumor-marker-test" in str(p) for p in (resource.get("meta") or {}).get(
            "profile") or []):
        return
    words = str((resource.get("valueCodeableConcept") or {}).get("text") or "")
    others = [s for s in _SYMBOLISH.findall(words) if "TRK" not in s
              and (e := gene_by_symbol(s)) is not None and e.symbol == s]
    if others:
        yield "error", (f"{key}: a pan-TRK result whose words {words!r} name other markers "
                        f"({', '.join(others)}): another stain read as pan-TRK")


def resource_problems(resource: dict[str, Any]) -> list[tuple[str, str]]:
    """(severity, message) for one resource."""
    key = f"{resource.get('resourceType')}/{resource.get('id')}"
    problems = list(_coding_problems(key, resource))
    if resource.get("resourceType") == "Observation":
        problems += _gene_problems(key, resource)
        problems += _marker_problems(key, resource)
    return problems


@dataclass(frozen=True, slots=True)
class _Variant:
    present: bool | None
    fusion: bool
    genes: frozenset[str]


@dataclass
class SemanticCheck(Generic[Where]):
    """Resources added one by one; genomics reports checked against their results at the end
    (only a few facts per variant are kept)."""

    variants: dict[str, _Variant] = field(default_factory=dict)
    reports: list[tuple[Where, str, str, list[str]]] = field(default_factory=list)

    def add(self, resource: dict[str, Any], where: Where) -> list[tuple[str, str]]:
        key = f"{resource.get('resourceType')}/{resource.get('id')}"
        if resource.get("resourceType") == "Observation" and _has_code(resource.get("code"),
                                                                       VARIANT_CODE):
            value = resource.get("valueCodeableConcept")
            present = True if _has_code(value, PRESENT) else False if _has_code(value, ABSENT) \
                else None
            fusion = any(_has_code(v, GENE_FUSION)
                         for v in _components(resource, DNA_CHANGE_TYPE))
            genes = frozenset(g for v in _components(resource, GENE_STUDIED)
                              if (g := _gene_label(v)))
            self.variants[key] = _Variant(present, fusion, genes)
        elif resource.get("resourceType") == "DiagnosticReport" and resource.get("conclusion"):
            results = [str(r["reference"]) for r in resource.get("result") or []
                       if isinstance(r, dict) and isinstance(r.get("reference"), str)]
            self.reports.append((where, key, str(resource["conclusion"]), results))
        return resource_problems(resource)

    def finish(self) -> list[tuple[Where, str, str]]:
        """(where, severity, message) for reports whose conclusion its results contradict."""
        problems: list[tuple[Where, str, str]] = []
        for where, key, conclusion, results in self.reports:
            variants = [self.variants[r] for r in results if r in self.variants]
            if not variants:
                continue
            for five, three in _FUSION_IN_CONCLUSION.findall(conclusion):
                if not any(v.present and v.fusion and {five, three} <= v.genes for v in variants):
                    problems.append((where, "error", (
                        f"{key}: the conclusion says {five}::{three} fusion detected, but no "
                        f"result is a present fusion of {five} and {three}")))
            claims = [part.strip() for part in conclusion.split(";")]
            detected = [c for c in claims if c.endswith("detected") and not
                        re.match(r"no\b", c, re.IGNORECASE)]
            if detected and not any(v.present for v in variants):
                problems.append((where, "error", (
                    f"{key}: the conclusion says {detected[0]!r}, but every result is absent")))
        return problems


class Case(Protocol):
    """A converted case (server/caseunits.CaseUnit): its resources, and where each came from."""

    resources: list[dict[str, Any]]

    def where(self, resource_key: str) -> Location | None: ...


def case_problems(cases: Iterable[Case]) -> list[Problem]:
    """The semantic checks over converted cases, each problem at the cells behind its resource."""
    check: SemanticCheck[Location | None] = SemanticCheck()
    problems: list[Problem] = []
    for case in cases:
        for resource in case.resources:
            where = case.where(f"{resource.get('resourceType')}/{resource.get('id')}")
            problems += [located(s, m, where) for s, m in check.add(resource, where)]
    return problems + [located(s, m, where) for where, s, m in check.finish()]


def located(severity: str, message: str, where: Location | None) -> Problem:
    return error(message, where) if severity == "error" else warning(message, where)
