"""converter/read/sniff.py: the kind of input, from its first bytes."""

from __future__ import annotations

import codecs
import io
import zipfile

import pytest

from converter.problems import InputError
from converter.read.sniff import sniff


def ods_head() -> bytes:
    """The first bytes of an ODS package: its mimetype entry first, stored (ODF 1.2, 3.3)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         zipfile.ZIP_STORED)
        package.writestr("content.xml", "<x/>", zipfile.ZIP_DEFLATED)
    return buffer.getvalue()[:200]


BUNDLE = b'{"resourceType":"Bundle","type":"transaction","entry":[]}'
PATIENT = b'{"resourceType":"Patient","id":"p1"}'


@pytest.mark.parametrize(("head", "kind"), [
    (BUNDLE, "fhir-json"),
    (BUNDLE + b"\n", "fhir-json"),
    (b'{\n  "resourceType": "Bundle",\n  "entry": [\n', "fhir-json"),  # pretty, cut short
    (b'{"resourceType":"Bundle","entry":[{"resource":', "fhir-json"),  # a long first line
    (PATIENT + b"\n" + PATIENT + b"\n", "fhir-ndjson"),
    (codecs.BOM_UTF8 + PATIENT + b"\n" + PATIENT, "fhir-ndjson"),
    (b'{"case": "1", "age": "22"}\n{"case": "2"}\n', "ndjson"),
    (b'[{"case": "1", "age": "22"}]', "json"),
    (b'  \n[\n {"case": "1"}', "json"),
    (b'{"case": "1"}', "json"),  # one object: the JSON table reader says it wants an array
    (b"Case,Age,Sex\n1,22,F\n", "csv"),
    (b"Case;Age;Sex\n1;22;F\n", "csv"),
    (b"Case\tAge\tSex\n1\t22\tF\n", "tsv"),
    ("Case\tAge\n1\t22\n".encode("utf-16"), "tsv"),
    (b"Case\n1\n", "csv"),
    (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", "xlsx"),
    (ods_head(), "ods"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "xls"),
    (b"C\x00a\x00s\x00e\x00\n\x00", "csv"),  # UTF-16 without a BOM: the CSV reader explains
])
def test_kinds(head: bytes, kind: str) -> None:
    assert sniff(head, "<stdin>") == kind


@pytest.mark.parametrize(("head", "message"), [
    (b"", "<stdin>: is empty: nothing to read"),
    (b" \n\n\t", "<stdin>: is empty: nothing to read"),
    (b"%PDF-1.7\n", "<stdin>: is a PDF document, not a table or FHIR"),
])
def test_what_cannot_be_placed_is_named(head: bytes, message: str) -> None:
    with pytest.raises(InputError) as raised:
        sniff(head, "<stdin>")
    assert message in raised.value.problems[0].render()
