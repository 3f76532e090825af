"""The literal references of a resource: what mappings, validation and loading all walk. It
imports nothing of the project, so anything may import it."""

from __future__ import annotations

import re
from typing import Any

import orjson

_REFERENCE = re.compile(rb'"reference":"((?:[^"\\]|\\.)*)"')


def references(value: Any) -> list[str]:
    """Every Reference.reference string inside a resource (found in its JSON: a quote inside
    a string value is always escaped, so only real `reference` keys match)."""
    found = _REFERENCE.findall(orjson.dumps(value))
    return [orjson.loads(b'"' + raw + b'"') if b"\\" in raw else raw.decode() for raw in found]
