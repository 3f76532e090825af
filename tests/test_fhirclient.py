"""The REST client's pure parts: credentials never shown, back-off bounds, Retry-After."""

from __future__ import annotations

import email.utils
import time
from pathlib import Path

import pytest

from converter.fhirclient import Auth, FhirClient, ServerConfig, ServerError, _retry_after, auth_from


def test_credentials_never_in_repr() -> None:
    auth = Auth(token="s3cret")
    assert "s3cret" not in repr(auth) and "s3cret" not in repr(ServerConfig("http://x", auth))
    assert auth.header() == "Bearer s3cret"
    assert Auth(user="ann", password="pw").header() == "Basic YW5uOnB3"


def test_credentials_in_the_url_are_refused() -> None:
    with pytest.raises(ServerError) as caught:
        FhirClient(ServerConfig("https://ann:pw@example.invalid/fhir"))
    assert "pw" not in str(caught.value)


def test_auth_from_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t").write_text("from-file\n")
    assert auth_from(token_file=str(tmp_path / "t")).token == "from-file"
    monkeypatch.setenv("CASEFHIR_TOKEN", "from-env")
    assert auth_from().token == "from-env"
    monkeypatch.setenv("CASEFHIR_PASSWORD", "pw")
    assert auth_from(user="ann") == Auth(user="ann", password="pw")
    (tmp_path / "empty").write_text("")
    with pytest.raises(ServerError, match="empty"):
        auth_from(token_file=str(tmp_path / "empty"))


def test_retry_after_seconds_and_dates() -> None:
    assert _retry_after("3") == 3.0
    later = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 5 < (_retry_after(later) or 0) <= 10
    assert _retry_after(None) is None and _retry_after("soon") is None


def test_backoff_grows_with_full_jitter_and_caps() -> None:
    client = FhirClient(ServerConfig("http://127.0.0.1:1/fhir", backoff=0.5, max_backoff=4))
    for attempt, ceiling in ((1, 0.5), (2, 1.0), (3, 2.0), (6, 4.0)):
        delays = [client._delay(attempt, None) for _ in range(200)]
        assert min(delays) >= 0 and max(delays) <= ceiling
        assert max(delays) > ceiling / 2  # jitter spreads over the whole range
    assert client._delay(1, 7.0) == 7.0  # Retry-After wins
    assert client._delay(1, 1e9) == client.config.max_retry_after


def test_connection_refused_is_retried_then_reported() -> None:
    slept: list[float] = []
    client = FhirClient(ServerConfig("http://127.0.0.1:9/fhir", max_attempts=3), sleep=slept.append)
    with pytest.raises(ServerError, match=r"connection refused \(after 3 attempts\)"):
        client.get("metadata")
    assert len(slept) == 2
