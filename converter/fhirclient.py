"""A small FHIR REST client on the standard library: keep-alive connections (one per thread),
bearer or basic authentication, TLS verification with an optional CA bundle, timeouts, and
retries with exponential back-off and full jitter on 429, 502, 503, 504, 409 and dropped
connections, honouring Retry-After. Other 4xx are never retried: they cannot succeed.

Secrets never appear in messages: errors name the method and the URL path only.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import os
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson

from converter import __version__

RETRY_STATUSES = frozenset({409, 429, 502, 503, 504})
FHIR_JSON = "application/fhir+json"


class ServerError(Exception):
    """The server could not be reached, or answered with something unusable."""


class AccessRefused(ServerError):
    """401 or 403: the server refuses these credentials. Never retried; stops the command."""


@dataclass(frozen=True)
class Auth:
    """Credentials. repr() never shows them."""

    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    def redact(self, text: str) -> str:
        """`text` with the token and password (and the basic-authentication header made from
        them) replaced by `***`."""
        for secret in (self.token, self.password, (self.header() or "").partition(" ")[2]):
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    def header(self) -> str | None:
        if self.token:
            return f"Bearer {self.token}"
        if self.user is not None:
            raw = f"{self.user}:{self.password or ''}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        return None


@dataclass(frozen=True)
class ServerConfig:
    base_url: str
    auth: Auth = field(default_factory=Auth)
    verify_tls: bool = True
    ca_bundle: str | None = None
    timeout: float = 120.0
    max_attempts: int = 6
    backoff: float = 0.5  # first back-off in seconds, doubled per attempt
    max_backoff: float = 30.0
    max_retry_after: float = 300.0


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    attempts: int = 1

    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class FhirClient:
    """Thread-safe: each thread keeps its own connection."""

    def __init__(self, config: ServerConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        parts = urlsplit(config.base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ServerError(f"not an http(s) server URL: {self.safe_url(config.base_url)}")
        if parts.username or parts.password:
            raise ServerError("put credentials in --token/--user options or the environment, "
                              "not in the server URL")
        self.config = config
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.base_path = parts.path
        self.sleep = sleep
        self.local = threading.local()
        self.context: ssl.SSLContext | None = None
        if self.scheme == "https":
            self.context = ssl.create_default_context(cafile=config.ca_bundle)
            if not config.verify_tls:
                self.context.check_hostname = False
                self.context.verify_mode = ssl.CERT_NONE

    @staticmethod
    def safe_url(url: str) -> str:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"

    @property
    def base(self) -> str:
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{self.host}{port}{self.base_path}"

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            if self.scheme == "https":
                connection = http.client.HTTPSConnection(
                    self.host, self.port, timeout=self.config.timeout, context=self.context)
            else:
                connection = http.client.HTTPConnection(self.host, self.port,
                                                        timeout=self.config.timeout)
            self.local.connection = connection
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self.local, "connection", None)
        if connection is not None:
            connection.close()
            self.local.connection = None

    def close(self) -> None:
        self._drop_connection()

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.config.max_retry_after)
        ceiling = min(self.config.max_backoff, self.config.backoff * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)  # full jitter

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None, retry: bool = True,
                retry_statuses: frozenset[int] = RETRY_STATUSES) -> Response:
        """Send a request (body: bytes, or anything orjson serialises); retry what may succeed
        later (`retry_statuses`, and dropped connections). Raises ServerError when the server
        cannot be reached after every attempt."""
        url_path = path if path.startswith("/") else f"{self.base_path}/{path}"
        data = body if isinstance(body, bytes) or body is None else orjson.dumps(body)
        sent = {"Accept": FHIR_JSON, "User-Agent": f"casefhir/{__version__}"}
        if data is not None:
            sent["Content-Type"] = FHIR_JSON
        authorization = self.config.auth.header()
        if authorization:
            sent["Authorization"] = authorization
        sent.update(headers or {})
        attempts = self.config.max_attempts if retry else 1
        last_error = ""
        for attempt in range(1, attempts + 1):
            try:
                connection = self._connection()
                connection.request(method, url_path, body=data, headers=sent)
                raw = connection.getresponse()
                payload = raw.read()
                response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()},
                                    payload, attempt)
                if raw.getheader("connection", "").lower() == "close":
                    self._drop_connection()
            except ssl.SSLCertVerificationError as exc:
                self._drop_connection()
                raise ServerError(f"{method} {self.base}: TLS certificate not trusted "
                                  f"({exc.verify_message}); pass --ca-bundle FILE") from None
            except (OSError, http.client.HTTPException) as exc:
                self._drop_connection()
                last_error = _describe(exc)
                if attempt < attempts:
                    self.sleep(self._delay(attempt, None))
                    continue
                raise ServerError(f"{method} {self.base}{url_path.removeprefix(self.base_path)}: "
                                  f"{last_error} (after {attempt} attempts)") from None
            if response.status in retry_statuses and attempt < attempts:
                self.sleep(self._delay(attempt, _retry_after(response.headers.get("retry-after"))))
                continue
            if response.status in (401, 403):
                raise AccessRefused(
                    f"the server refused the request ({response.status} "
                    f"{'unauthorised' if response.status == 401 else 'forbidden'}): check the "
                    "token or user")
            return response
        raise AssertionError("unreachable")

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def capability(self) -> dict[str, Any]:
        response = self.get("metadata")
        data = response.json()
        if response.status != 200 or not isinstance(data, dict) \
                or data.get("resourceType") != "CapabilityStatement":
            raise ServerError(f"{self.base} does not look like a FHIR server "
                              f"(GET /metadata answered {response.status})")
        if not str(data.get("fhirVersion", "4.0")).startswith("4.0"):
            raise ServerError(f"{self.base} is FHIR {data.get('fhirVersion')}, not R4 (4.0.x)")
        return data


def search_all(client: FhirClient, search: str) -> Iterator[dict[str, Any]]:
    """Every resource a search finds, page by page (never served from HAPI's search cache)."""
    url = search + ("&" if "?" in search else "?") + "_count=1000"
    while url:
        response = client.request("GET", url, headers={"Cache-Control": "no-cache"})
        page = response.json() or {}
        if response.status != 200:
            raise ServerError(f"GET {search} answered {response.status}")
        for entry in page.get("entry", []):
            yield entry["resource"]
        url = next((link["url"] for link in page.get("link", []) if link["relation"] == "next"),
                   "")
        if url:
            parts = urlsplit(url)
            url = f"{parts.path}?{parts.query}"


def outcome_text(outcome: Any) -> str:
    """An OperationOutcome as one line: severity, code, diagnostics and locations per issue."""
    if not isinstance(outcome, dict) or outcome.get("resourceType", "OperationOutcome") \
            != "OperationOutcome":
        return ""
    parts = []
    for issue in outcome.get("issue") or []:
        text = issue.get("diagnostics") or (issue.get("details") or {}).get("text") or ""
        where = ", ".join(issue.get("expression") or issue.get("location") or [])
        parts.append(f"{issue.get('severity', 'error')} {issue.get('code', '')}: {text}"
                     + (f" [{where}]" if where else ""))
    return "; ".join(parts)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError | http.client.RemoteDisconnected
                  | http.client.IncompleteRead | BrokenPipeError):
        return "connection dropped"
    if isinstance(exc, socket.gaierror):
        return "host not found"
    return type(exc).__name__


def auth_from(token: str | None = None, token_file: str | None = None, user: str | None = None,
              password: str | None = None) -> Auth:
    """Credentials from options, files or the environment (CASEFHIR_TOKEN, CASEFHIR_PASSWORD)."""
    if token_file:
        try:
            with open(token_file, encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError as exc:
            raise ServerError(f"cannot read the token file {token_file}: {exc.strerror}") from None
        if not token:
            raise ServerError(f"the token file {token_file} is empty")
    token = token or os.environ.get("CASEFHIR_TOKEN") or None
    if user is not None:
        password = password if password is not None else os.environ.get("CASEFHIR_PASSWORD")
        return Auth(user=user, password=password)
    return Auth(token=token)
