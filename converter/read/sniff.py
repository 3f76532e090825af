"""What kind of input a file or standard input holds, told from its first bytes: a FHIR JSON
document (a Bundle or one resource), FHIR NDJSON, or a case-series table (CSV, TSV, JSON array,
NDJSON of records, XLSX, ODS, XLS).

Used when no `--format` is given and the name does not tell (standard input, a name without a
known extension). Only what the bytes plainly show is concluded; anything else is an
InputError saying what was seen and what to pass.
"""

from __future__ import annotations

import codecs
from typing import Literal

import orjson

from converter.problems import InputError, Location, error
from converter.read.sheetkind import kind_of_head

Kind = Literal["fhir-json", "fhir-ndjson", "csv", "tsv", "json", "ndjson", "xlsx", "ods", "xls"]
TABLE_KINDS = ("csv", "tsv", "json", "ndjson", "xlsx", "ods", "xls")

_TEXT_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
              (codecs.BOM_UTF16_BE, "utf-16"))
_DELIMITERS = (",", ";", "\t", "|")


def sniff(head: bytes, name: str) -> Kind:
    """The kind of input whose first bytes are `head` (named `name` in messages)."""
    spreadsheet = kind_of_head(head)
    if spreadsheet is not None:
        return spreadsheet
    if head.startswith(b"PK\x03\x04"):  # another ZIP: the XLSX reader says what it is not
        return "xlsx"
    if head.startswith(b"%PDF"):
        raise InputError(error("is a PDF document, not a table or FHIR; export the table from "
                               "it as CSV or XLSX", Location(name)))
    text = _text(head)
    if text is None:  # NUL bytes without a byte-order mark: the CSV reader says what it is
        return "csv"
    body = text.lstrip()
    if not body:
        raise InputError(error("is empty: nothing to read", Location(name)))
    if body.startswith("["):
        return "json"
    if body.startswith("{"):
        return _json_kind(body)
    return _delimited_kind(body)


def _text(head: bytes) -> str | None:
    for bom, codec in _TEXT_BOMS:
        if head.startswith(bom):
            return head.decode(codec, errors="replace")
    if b"\x00" in head:
        return None
    return head.decode("utf-8", errors="replace")  # a cut character at the end is harmless


def _json_kind(body: str) -> Kind:
    """A JSON object first: NDJSON when the first line is a whole object and another follows;
    FHIR when that object (or, for one document, the start of it) names a resourceType."""
    first, _, rest = body.partition("\n")
    try:
        item = orjson.loads(first)
    except orjson.JSONDecodeError:
        item = None
    if isinstance(item, dict) and rest.strip():
        return "fhir-ndjson" if "resourceType" in item else "ndjson"
    if isinstance(item, dict):
        return "fhir-json" if "resourceType" in item else "json"
    return "fhir-json" if '"resourceType"' in body else "json"


def _delimited_kind(body: str) -> Kind:
    header = body.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in _DELIMITERS}
    best = max(counts, key=lambda sep: counts[sep])
    return "tsv" if best == "\t" and counts[best] else "csv"
