"""The fast path must reach the same verdict as full fhir.resources validation: on the valid
resources the mappings make, and on those resources with values or structure broken at random."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converter.fhir.fastvalidate import FastValidator, build_plan, shape
from converter.fhir.validate import structure_errors
from mappings.case import map_record
from tests.conftest import build
from tests.test_properties import rows

TRICKY: list[Any] = [
    "", " ", "\t", "\x0b", " x", "x ", "a  b", "a\tb", "a\nb", "a_b", "../etc", "Patient/x y",
    "x" * 70, "x" * 300, "\u00e9t\u00e9", "2020-13-45", "2020-02-30", "urn:oid:1.2.3", "-1",
    "1e400", 0, -1, 1, 2.5, -0.0, 10**12, True, False, "true", None,
]


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() if k != "resourceType"
                for p in leaf_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in leaf_paths(v, (*path, i))]
    return [path]


def node_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        found += [p for k, v in value.items() for p in node_paths(v, (*path, k))]
    elif isinstance(value, list):
        found += [p for i, v in enumerate(value) for p in node_paths(v, (*path, i))]
    return found


def put(resource: Any, path: tuple[Any, ...], value: Any) -> None:
    target = resource
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def remove(resource: Any, path: tuple[Any, ...]) -> None:
    target = resource
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]


@st.composite
def mutated(draw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    record, _ = build(draw(rows()))
    original = draw(st.sampled_from(map_record(record)))
    resource = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["value", "value", "value", "remove", "add", "wrap"]))
        if kind == "value":
            paths = leaf_paths(resource)
            if paths:
                put(resource, draw(st.sampled_from(paths)), draw(st.sampled_from(TRICKY)))
        elif kind == "remove":
            paths = [p for p in node_paths(resource) if isinstance(p[-1], str)]
            if paths:
                remove(resource, draw(st.sampled_from(paths)))
        elif kind == "add":
            paths = [p for p in node_paths(resource) if isinstance(p[-1], str)]
            parent = draw(st.sampled_from([(), *[p[:-1] for p in paths]]))
            target: Any = resource
            for step in parent:
                target = target[step]
            if isinstance(target, dict):
                target[draw(st.sampled_from(["bogus", "text", "id", "status", "valueString"]))] = \
                    draw(st.sampled_from(TRICKY))
        else:
            paths = leaf_paths(resource)
            if paths:
                path = draw(st.sampled_from(paths))
                target = resource
                for step in path[:-1]:
                    target = target[step]
                target[path[-1]] = [target[path[-1]]]
    return original, resource


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fast_and_full_validation_agree(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    original, resource = pair
    validator = FastValidator()
    assert validator.errors(original) == []  # learns the shape of the valid resource
    assert validator.errors(copy.deepcopy(original)) == [] and validator.fast == 1
    assert bool(validator.errors(resource)) == bool(structure_errors(resource))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_every_mapped_shape_has_a_plan(row: dict[str, str]) -> None:
    """No shape the mappings make falls back to full validation for good."""
    record, _ = build(row)
    for resource in map_record(record):
        leaves: list[Any] = []
        shape(resource, leaves)
        plan = build_plan(resource)
        assert plan is not None and len(plan) == len(leaves), resource["resourceType"]
