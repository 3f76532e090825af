"""Full fhir.resources validation at a fraction of its cost, with the same verdicts.

A case series produces the same few resource *shapes* over and over: the same keys, nesting,
list lengths and value types, with different values. fhir.resources decides a resource's
validity in two parts: structural rules (required elements, one value per choice element, no
unknown elements, no null in a list of complex elements, an extension or value on primitive
extensions), which look only at which elements are present — the shape; and a validator per
primitive element (string, code, id, uri, decimal, dateTime...), which looks only at that value.

So the first resource of each shape is validated fully with `model_validate`. If it is valid,
the shape's *plan* is kept: for each primitive value, in order, the exact pydantic validator
fhir.resources applies to that element (its field annotation, as a TypeAdapter). A later resource
of the same shape is valid exactly when each of its primitive values passes that validator. Any
failure, and any shape whose plan cannot be built, falls back to full validation, which also
gives the precise error message. tests/fhir/test_fastvalidate.py checks, with hypothesis, that fast and
full validation agree on valid resources and on mutated, invalid ones.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from converter.fhir.validate import model_class, structure_errors

Check = Callable[[Any], bool]
MAX_SHAPES = 20_000  # distinct shapes kept; beyond this the cache is started afresh
MAX_MEMO = 20_000  # remembered verdicts per validator and value type


def shape(value: Any, leaves: list[Any]) -> Any:
    """A hashable description of the structure of `value`; primitive values are appended to
    `leaves` in document order (resourceType values are part of the shape, not leaves)."""
    kind = type(value)
    if kind is dict:
        return tuple([(key, item) if key == "resourceType" else (key, shape(item, leaves))
                      for key, item in value.items()])
    if kind is list:
        return ("[", *[shape(item, leaves) for item in value])
    if value is not None:
        leaves.append(value)
    return kind


# ----------------------------------------------------------------------------------- plans
def _unwrap_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


@cache
def _fields(cls: type) -> dict[str, Any]:
    """JSON name → field annotation of a fhir.resources model."""
    fields: dict[str, Any] = {}
    for name, info in cls.model_fields.items():  # type: ignore[attr-defined]
        fields[info.alias or name] = info.annotation
        fields.setdefault(name, info.annotation)
    return fields


def _model_of(annotation: Any, value: dict[str, Any]) -> type | None:
    getter = getattr(annotation, "get_model_klass", None)
    if getter is None:
        return None
    cls: type = getter()
    if cls.__name__ in ("Resource", "DomainResource") and "resourceType" in value:
        return model_class(str(value["resourceType"]))  # type: ignore[no-any-return]
    return cls


@cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


class _Unsupported(Exception):
    """A shape whose plan cannot be derived; such resources are always validated fully."""


def _plan_value(annotation: Any, value: Any, plan: list[Any]) -> None:
    annotation = _unwrap_optional(annotation)
    if value is None:
        return
    if isinstance(value, list):
        if typing.get_origin(annotation) is not list:
            raise _Unsupported(f"list for {annotation!r}")
        (element,) = typing.get_args(annotation)
        for item in value:
            _plan_value(element, item, plan)
        return
    if isinstance(value, dict):
        cls = _model_of(annotation, value)
        if cls is None:
            raise _Unsupported(f"object for {annotation!r}")
        _plan_object(cls, value, plan)
        return
    plan.append(_adapter(annotation))


def _plan_object(cls: type, value: dict[str, Any], plan: list[Any]) -> None:
    fields = _fields(cls)
    for key, item in value.items():
        if key == "resourceType":
            continue
        if key not in fields:
            raise _Unsupported(f"{cls.__name__}.{key}")
        _plan_value(fields[key], item, plan)


def build_plan(resource: dict[str, Any]) -> list[TypeAdapter[Any]] | None:
    """The validator of each primitive value of a (fully validated) resource, in shape order."""
    plan: list[Any] = []
    try:
        _plan_object(model_class(str(resource["resourceType"])), resource, plan)
    except (_Unsupported, ValueError, TypeError, KeyError):
        return None
    return plan


# ----------------------------------------------------------------------------------- checks
Step = tuple[TypeAdapter[Any], dict[Any, bool]]  # a value's validator and its remembered verdicts


class FastValidator:
    """Validate resources as fhir.resources would, fully once per shape (see module doc)."""

    def __init__(self) -> None:
        self.plans: dict[Any, list[Step] | None] = {}
        # verdicts per (validator, value type); a shape fixes each value's type, so within one
        # memo equal values (1 and True, say) can never be of different types
        self.memos: dict[tuple[int, type], dict[Any, bool]] = {}
        self.full = 0
        self.fast = 0

    def _steps(self, resource: dict[str, Any], leaves: list[Any]) -> list[Step] | None:
        adapters = build_plan(resource)
        if adapters is None or len(adapters) != len(leaves):
            return None
        return [(adapter, self.memos.setdefault((id(adapter), type(value)), {}))
                for adapter, value in zip(adapters, leaves, strict=True)]

    @staticmethod
    def _passes(adapter: TypeAdapter[Any], memo: dict[Any, bool], value: Any) -> bool:
        verdict = memo.get(value)
        if verdict is None:
            try:
                adapter.validate_python(value)
                verdict = True
            except (ValidationError, ValueError, TypeError):
                verdict = False
            if len(memo) < MAX_MEMO:  # ids and free text never repeat: do not hoard them
                memo[value] = verdict
        return verdict

    def errors(self, resource: dict[str, Any]) -> list[str]:
        leaves: list[Any] = []
        key = shape(resource, leaves)
        plan = self.plans.get(key)
        if plan is not None:
            passes = self._passes
            if all(passes(adapter, memo, value)
                   for (adapter, memo), value in zip(plan, leaves, strict=True)):
                self.fast += 1
                return []
        self.full += 1
        problems = structure_errors(resource)
        if not problems and key not in self.plans:
            if len(self.plans) >= MAX_SHAPES:
                self.plans.clear()
            self.plans[key] = self._steps(resource, leaves)
        return problems


_shared = FastValidator()


def fast_structure_errors(resource: dict[str, Any]) -> list[str]:
    """structure_errors(), through this process's shape cache."""
    return _shared.errors(resource)
