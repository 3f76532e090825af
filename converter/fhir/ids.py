"""Deterministic resource ids from business keys: (series, case, resource role).

An id is `<series>.<case>` for a case's Patient and `<series>.<case>.<role>` for its other
resources, e.g. `kobayashi-2023.3.primary`. The scheme is injective — no two different
(series, case, role) triples share an id — because each part has a shape the others cannot take:

- the series id and the role have no dot (`[a-z0-9-]`), so the dots split an id back into its
  parts;
- the case part is the case id itself when that is already id-safe and short enough (letters
  and digits in groups joined by single hyphens), and otherwise a slug followed by `--` and 18
  base32 characters (90 bits) of the SHA-256 of the case id. A readable case part never holds
  `--` and a hashed one always does, so the two forms cannot meet; two hashed parts are equal
  only for equal case ids, short of a 90-bit SHA-256 collision.

Case ids are compared, and hashed, after Unicode NFC normalisation: two spellings of one id
are one case. Ids never come from row content or position, so editing a cell or reordering
rows keeps every id. casefhir 0.1 wrote `<series>-<case>-<role>`, which was not injective
(`qc` + `b-1` and `qc-b` + `1` met); see `legacy_prefix` and docs/mapping.md on moving a series.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from converter.read.schema import normal_case_id

SERIES_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?")
ROLE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,16}[a-z0-9])?")
MAX_ID = 64  # FHIR R4 id: [A-Za-z0-9\-\.]{1,64}
MAX_ROLE = 18
READABLE_CASE = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
HASH_MARK = "--"
HASH_CHARS = 18  # base32: 90 bits of SHA-256
SEPARATOR = "."


def check_series_id(series_id: str) -> str | None:
    """None if usable, else why not."""
    if SERIES_ID.fullmatch(series_id):
        return None
    return ("a series id is 1-24 characters of lower-case letters, digits and inner hyphens, "
            "e.g. kobayashi-2023")


def case_budget(series_id: str) -> int:
    """Characters left for the case part once the series, both dots and the longest role are
    counted (20 for the longest series id)."""
    return MAX_ID - len(series_id) - 2 * len(SEPARATOR) - MAX_ROLE


@lru_cache(maxsize=4_096)  # every resource of a case asks again
def case_part(series_id: str, case_id: str) -> str:
    """The case's part of its resources' ids (see the module docstring)."""
    case_id = normal_case_id(case_id)
    budget = case_budget(series_id)
    if len(case_id) <= budget and READABLE_CASE.fullmatch(case_id):
        return case_id
    digest = base64.b32encode(hashlib.sha256(case_id.encode("utf-8")).digest())
    spelled = unicodedata.normalize("NFKD", case_id).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", spelled).strip("-")  # for reading only: é → e
    slug = slug[: budget - len(HASH_MARK) - HASH_CHARS].rstrip("-")
    return f"{slug}{HASH_MARK}{digest.decode('ascii').lower()[:HASH_CHARS]}"


def resource_id(series_id: str, case_id: str, role: str | None = None) -> str:
    """`series.case[.role]`, at most 64 characters of [A-Za-z0-9-.]."""
    if check_series_id(series_id) is not None:
        raise ValueError(f"bad series id {series_id!r}")
    if role is not None and not ROLE.fullmatch(role):
        raise ValueError(f"bad resource role {role!r}")
    head = f"{series_id}{SEPARATOR}{case_part(series_id, case_id)}"
    return head if role is None else f"{head}{SEPARATOR}{role}"


@dataclass(frozen=True, slots=True)
class ParsedId:
    series: str
    case_part: str
    role: str | None  # None: the case's Patient

    @property
    def patient_id(self) -> str:
        return f"{self.series}{SEPARATOR}{self.case_part}"


def parse_id(resource_id: str) -> ParsedId | None:
    """The parts of an id this scheme makes, or None for any other id (one of casefhir 0.1, or
    not casefhir's)."""
    parts = resource_id.split(SEPARATOR)
    if len(parts) not in (2, 3) or len(resource_id) > MAX_ID:
        return None
    series, case, *role = parts
    if not SERIES_ID.fullmatch(series) or len(case) > case_budget(series):
        return None
    readable = READABLE_CASE.fullmatch(case) is not None
    slug, mark, digest = case.rpartition(HASH_MARK)
    hashed = (mark == HASH_MARK and re.fullmatch(rf"[a-z2-7]{{{HASH_CHARS}}}", digest) is not None
              and (slug == "" or READABLE_CASE.fullmatch(slug) is not None))
    if not (readable or hashed) or (role and not ROLE.fullmatch(role[0])):
        return None
    return ParsedId(series, case, role[0] if role else None)


def role_in_case(resource_id: str, patient_id: str) -> str:
    """The role of a case's resource: 'kob-2023.4.medication-2' of patient 'kob-2023.4' →
    'medication-2' (the Patient itself: 'patient')."""
    if resource_id == patient_id:
        return "patient"
    return resource_id.removeprefix(patient_id + SEPARATOR)


def legacy_prefix(series_id: str) -> str:
    """What every id casefhir 0.1 made for this series starts with (`series-case[-role]`)."""
    return f"{series_id}-"
