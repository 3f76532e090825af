"""This run's secrets: checked when read, and taken out of every text, in every form, before any
text is cut."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from converter import credentials
from converter.credentials import (
    CredentialError,
    body_text,
    check_secret,
    clip,
    read_secret_file,
    redact,
    redact_json,
    register,
)


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    credentials.forget()
    yield
    credentials.forget()


def test_every_form_of_a_secret_is_masked() -> None:
    secret = "t0k/en+with=signs&<>\"q"
    register(secret)
    forms = [secret, quote(secret, safe=""), quote(secret).lower(), json.dumps(secret)[1:-1],
             base64.b64encode(secret.encode()).decode(), "t0k/en+with=signs&amp;&lt;&gt;&quot;q"]
    for form in forms:
        assert redact(f"before {form} after") == "before *** after", form


def test_short_secrets_and_overlaps_are_masked_whole() -> None:
    register("x")
    assert redact("axbxc") == "a***b***c"
    credentials.forget()
    register("abcd", "cdef")
    assert redact("..abcdef..") == "..***.."  # overlapping occurrences: one mask, no fragment
    assert redact("abcdabcd") == "***"


def test_nothing_registered_changes_nothing() -> None:
    assert redact("Bearer abc") == "Bearer abc"
    assert redact_json({"a": ["Bearer abc"]}) == {"a": ["Bearer abc"]}


def test_redaction_comes_before_the_cut() -> None:
    secret = "Zq9-" * 10  # 40 characters
    register(secret)
    text = "x" * 280 + secret + " tail"
    shown = clip(text, 300)
    assert secret[:20] not in shown and shown.startswith("x" * 280 + "***")
    assert body_text(text.encode()) == shown
    assert redact_json({"m": [text], "n": 3}) == {"m": ["x" * 280 + "*** tail"], "n": 3}


@pytest.mark.parametrize(("value", "fault"), [
    ("", "is empty"),
    ("\n", "is empty"),
    ("abc\ndef", "has 2 lines"),
    ("abc\r\ndef\n", "has 2 lines"),
    ("abc\x00def", "control"),
    ("abc\x1b[2Jdef", "control"),
    ("abcdéf", "non-ASCII"),
    ("abc def", "has spaces"),
    ("Bearer abcdef", "without 'Bearer '"),
])
def test_a_malformed_token_is_refused_without_showing_it(value: str, fault: str) -> None:
    with pytest.raises(CredentialError) as caught:
        check_secret(value, "token", "CASEFHIR_TOKEN")
    message = str(caught.value)
    assert fault in message and message.startswith("CASEFHIR_TOKEN: ")
    for part in value.replace("Bearer", "").split():
        assert len(part) < 3 or part not in message


def test_a_good_token_and_a_password_with_spaces() -> None:
    assert check_secret("abc.DEF-123_~+/=\n", "token", "t") == "abc.DEF-123_~+/="
    assert check_secret("abc\r\n", "token", "t") == "abc"
    assert check_secret("correct horse battery", "password", "p") == "correct horse battery"


def test_secret_files(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.write_bytes(b"tok-123\n")
    assert read_secret_file(str(good), "token", "--token-file") == "tok-123"
    latin = tmp_path / "latin"
    latin.write_bytes("pässwörd-qzvx".encode("latin-1"))
    with pytest.raises(CredentialError, match="non-ASCII bytes") as caught:
        read_secret_file(str(latin), "password", "--password-file")
    assert "qzvx" not in str(caught.value)
    big = tmp_path / "big"
    big.write_bytes(b"a" * (credentials.MAX_SECRET_BYTES + 1))
    with pytest.raises(CredentialError, match="larger than"):
        read_secret_file(str(big), "token", "--token-file")
    with pytest.raises(CredentialError, match="cannot read it"):
        read_secret_file(str(tmp_path / "missing"), "token", "--token-file")
