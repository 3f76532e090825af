"""The REST client: credentials never shown and checked, back-off bounds, Retry-After, and a
total deadline per attempt against loopback servers that drip, hang or never read."""

from __future__ import annotations

import email.utils
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from converter import credentials
from converter.credentials import CredentialError
from converter.server.client import (
    Auth,
    FhirClient,
    ServerConfig,
    ServerError,
    _retry_after,
    auth_from,
    parse_retry_on,
    transport_warnings,
)


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    yield
    credentials.forget()


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
    (tmp_path / "pw").write_text("pass word\n")
    assert auth_from(user="ann", password_file=str(tmp_path / "pw")).password == "pass word"
    (tmp_path / "empty").write_text("")
    with pytest.raises(CredentialError, match="empty"):
        auth_from(token_file=str(tmp_path / "empty"))


@pytest.mark.parametrize(("kwargs", "env", "fault"), [
    ({"user": "ann", "token_file": "t"}, {}, "not both"),
    ({"password_file": "p"}, {}, "--password-file needs --user"),
    ({"user": "ann"}, {}, "--user needs a password"),
    ({"user": "a:b"}, {"CASEFHIR_PASSWORD": "pw"}, "cannot hold ':'"),
    ({}, {"CASEFHIR_TOKEN": ""}, "CASEFHIR_TOKEN: the token is empty"),
    ({}, {"CASEFHIR_TOKEN": "two\nlines"}, "CASEFHIR_TOKEN: the token has 2 lines"),
    ({"user": "ann"}, {"CASEFHIR_PASSWORD": "bad\x07pw"}, "CASEFHIR_PASSWORD: the password has "
                                                          "control"),
])
def test_credentials_that_cannot_be_right_are_refused(kwargs: dict[str, str], env: dict[str, str],
                                                      fault: str) -> None:
    with pytest.raises(CredentialError, match=fault):
        auth_from(**kwargs, environ=env)


def test_retry_on_statuses() -> None:
    assert parse_retry_on("429, 500,503") == frozenset({429, 500, 503})
    assert parse_retry_on("none") == frozenset()
    for bad, why in (("200", "not an HTTP error status"), ("5xx", "not an HTTP error status"),
                     ("401", "never retried"), ("403", "never retried")):
        with pytest.raises(ValueError, match=why):
            parse_retry_on(bad)


def test_the_longest_request_is_attempts_times_timeout_plus_backoffs() -> None:
    assert ServerConfig("http://x").longest_request() == 6 * 120 + 0.5 + 1 + 2 + 4 + 8
    assert ServerConfig("http://x", timeout=1, max_attempts=2).longest_request() == 2.5
    assert ServerConfig("http://x", max_attempts=8).longest_request() == \
        8 * 120 + 0.5 + 1 + 2 + 4 + 8 + 16 + 30


def test_warnings_about_how_credentials_travel() -> None:
    token = Auth(token="t0k")
    assert transport_warnings(ServerConfig("http://127.0.0.1:8080/fhir", token)) == []
    assert transport_warnings(ServerConfig("http://localhost/fhir", token)) == []
    assert transport_warnings(ServerConfig("http://fhir.example.org/fhir")) == []  # no secret
    (plain,) = transport_warnings(ServerConfig("http://fhir.example.org/fhir", token))
    assert "the token goes unencrypted over http to fhir.example.org" in plain
    (insecure,) = transport_warnings(ServerConfig("https://fhir.example.org/fhir",
                                                  Auth(user="ann", password="pw"),
                                                  verify_tls=False))
    assert "--insecure" in insecure and "read the password and the data" in insecure
    assert "t0k" not in plain + insecure


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


# ---------------------------------------------------------------------------- the deadline
class SlowServer:
    """A loopback HTTP server that misbehaves on every connection: "drip" sends a 200 answer one
    byte every `pause` seconds (its status line too), "hang" says nothing, "deaf" never reads the
    request. Counts the connections it accepted."""

    def __init__(self, how: str, pause: float = 0.2) -> None:
        self.how = how
        self.pause = pause
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/fhir"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            try:
                if self.how != "deaf":
                    connection.recv(65536)
                answer = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"{" * 100000
                for byte in answer:
                    if self.stop.wait(self.pause):
                        return
                    if self.how == "drip":
                        connection.sendall(bytes([byte]))
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.mark.parametrize("how", ["drip", "hang", "deaf"])
def test_a_server_that_drips_hangs_or_never_reads_cannot_hold_a_request_longer_than_its_bound(
        how: str) -> None:
    server = SlowServer(how)
    config = ServerConfig(server.base, timeout=1, max_attempts=2, backoff=0.2)
    client = FhirClient(config)
    body = b"x" * (32 * 1024 * 1024) if how == "deaf" else None  # fills the socket buffers
    started = time.monotonic()
    try:
        with pytest.raises(ServerError, match=r"timed out: no complete answer within 1 s "
                                              r"\(after 2 attempts\)"):
            client.request("POST" if body else "GET", "metadata", body)
        elapsed = time.monotonic() - started
    finally:
        server.close()
        client.close()
    assert server.connections == 2
    # (retries+1) x timeout + the back-off, with room for a busy machine; without the deadline a
    # dripping answer of 100,000 bytes at 5 a second takes hours
    assert config.longest_request() == 2.2
    assert 2.0 <= elapsed < config.longest_request() + 2.0
