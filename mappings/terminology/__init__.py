"""Terminology as data: the concepts casefhir codes with, and the vocabularies that recognise them.

`concepts.toml` holds every code the mappings write (with the source that verifies it);
`vocabularies.toml` holds the words case-series tables use for them. This module only loads and
indexes the two files; mapping modules ask it for codings by concept key and never spell a code.
`codesystem.py` writes casefhir's own CodeSystem and the Markdown list of every code.

May import: nothing of the project but itself (the readers' vocabulary lookup and the mappings
both import it).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

CASEFHIR_SYSTEM_KEY = "casefhir"


@dataclass(frozen=True, slots=True)
class Concept:
    """One code in one code system."""

    key: str
    system: str
    code: str
    display: str | None = None
    source: str | None = None
    definition: str | None = None

    def coding(self) -> dict[str, str]:
        coding = {"system": self.system, "code": self.code}
        if self.display:
            coding["display"] = self.display
        return coding


@dataclass(frozen=True, slots=True)
class Entry:
    """One recognised term of a vocabulary: its synonyms, keywords and what it stands for."""

    vocabulary: str
    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    attributes: dict[str, Any] = field(default_factory=dict)

    def concepts(self, attribute: str) -> list[Concept]:
        """The concepts listed under `attribute` (e.g. "condition", "value")."""
        keys = self.attributes.get(attribute, [])
        if isinstance(keys, str):
            keys = [keys]
        return [concept(key) for key in keys]


def _load(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def systems() -> dict[str, str]:
    """Code system aliases → canonical URLs."""
    return dict(_load("concepts.toml")["systems"])


@cache
def concepts() -> dict[str, Concept]:
    data = _load("concepts.toml")
    urls = data["systems"]
    return {
        key: Concept(
            key=key,
            system=urls[item["system"]],
            code=item["code"],
            display=item.get("display"),
            source=item.get("source"),
            definition=item.get("definition"),
        )
        for key, item in data["concepts"].items()
    }


def concept(key: str) -> Concept:
    try:
        return concepts()[key]
    except KeyError:
        raise KeyError(f"concept {key!r} is not in mappings/terminology/concepts.toml") from None


def coding(key: str) -> dict[str, str]:
    """The FHIR Coding for a concept key."""
    return concept(key).coding()


def codeable(*keys: str, text: str | None = None) -> dict[str, Any]:
    """A CodeableConcept with one coding per key, plus text when given."""
    result: dict[str, Any] = {}
    if keys:
        result["coding"] = [coding(key) for key in keys]
    if text:
        result["text"] = text
    return result


def system_url(alias: str) -> str:
    return systems()[alias]


@cache
def vocabularies() -> dict[str, dict[str, Entry]]:
    reserved = {"label", "synonyms", "keywords"}
    result: dict[str, dict[str, Entry]] = {}
    for vocabulary, entries in _load("vocabularies.toml").items():
        result[vocabulary] = {
            key: Entry(
                vocabulary=vocabulary,
                key=key,
                label=item.get("label", key),
                synonyms=tuple(item.get("synonyms", ())),
                keywords=tuple(item.get("keywords", ())),
                attributes={k: v for k, v in item.items() if k not in reserved},
            )
            for key, item in entries.items()
        }
    return result


def vocabulary(name: str) -> dict[str, Entry]:
    return vocabularies()[name]


def entry(vocabulary_name: str, key: str) -> Entry:
    return vocabularies()[vocabulary_name][key]


def casefhir_concepts() -> list[Concept]:
    """The concepts of casefhir's own CodeSystem, in file order."""
    url = system_url(CASEFHIR_SYSTEM_KEY)
    return [c for c in concepts().values() if c.system == url]
