"""Deterministic resource ids from business keys: (series, case, resource role).

Ids stay readable when the case id is already id-safe (`ntrk2023-3-primary`). When it is not
(spaces, slashes, `../../etc/passwd`, over-long) the readable part is a slug and a short SHA-256 of
the exact case id is appended, so two different case ids can never share an id. Ids never come
from row content or position, so editing a cell or reordering rows keeps every id.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

SERIES_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$")
MAX_CASE_PART = 20
MAX_ROLE = 18


def check_series_id(series_id: str) -> str | None:
    """None if usable, else why not."""
    if SERIES_ID.match(series_id):
        return None
    return ("a series id is 1-24 characters of lower-case letters, digits and inner hyphens, "
            "e.g. kobayashi-2023")


@lru_cache(maxsize=4_096)  # every resource of a case asks again
def case_part(case_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", case_id).strip("-")
    if slug == case_id and len(slug) <= MAX_CASE_PART:
        return slug
    digest = hashlib.sha256(case_id.encode("utf-8")).hexdigest()[:8]
    return f"{slug[: MAX_CASE_PART - 9]}-{digest}".lstrip("-")


def resource_id(series_id: str, case_id: str, role: str | None = None) -> str:
    """`series-case[-role]`, at most 64 characters of [A-Za-z0-9-]."""
    if role is not None and not re.fullmatch(rf"[a-z0-9-]{{1,{MAX_ROLE}}}", role):
        raise ValueError(f"bad resource role {role!r}")
    parts = [series_id, case_part(case_id)]
    if role:
        parts.append(role)
    return "-".join(parts)
