"""A small FHIR REST client on the standard library: keep-alive connections (one per thread),
bearer or basic authentication, TLS verification with an optional CA bundle, a total deadline per
attempt, and retries with exponential back-off and full jitter, honouring Retry-After.

Deadline: `timeout` bounds each attempt as a whole — connecting, the TLS handshake, sending,
waiting for the headers and reading the body — not each socket read, so a server that drips a
byte at a time or stops half-way cannot hold a request longer. A request therefore ends, answered
or with a ServerError, within attempts x timeout + the back-offs between them (each at most
min(max_backoff, backoff x 2^(n-1)), or the server's Retry-After up to max_retry_after when it
answered 429/503).

Retries: dropped connections, lost answers (deadline hit, truncated body) and the statuses of
`retry_statuses` (default 409, 429, 500, 502, 503, 504; 401, 403 and other 4xx never: they cannot
succeed). That is safe for idempotent requests only — every request casefhir makes is one
(transaction and batch Bundles of PUT or DELETE entries with fixed ids, searches, reads,
$validate) except the $import kick-off, which is sent with `idempotent=False`: on a fresh
connection, and retried only on 429 and 503 (the server says it did nothing) or when it never
reached the server. A Response says in `doubt` when an earlier attempt may have been carried out
although its answer was lost or was 500/502/504: its own "no change" may then be the echo of that
attempt (converter/server/readback.py settles it).

Secrets never appear in messages: errors name the method and the URL path only, and every
ServerError is redacted (converter/credentials.py).
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import io
import ipaddress
import itertools
import math
import os
import random
import secrets
import socket
import ssl
import string
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson

from converter import __version__
from converter.credentials import (
    CredentialError,
    check_secret,
    check_user,
    read_secret_file,
    redact,
    register,
)

RETRY_STATUSES = frozenset({409, 429, 500, 502, 503, 504})
# answers saying the request was not carried out (409: HAPI rolled a transaction back on a
# conflict with a concurrent write; 429: too many requests; 503: unavailable): after them a
# later answer tells the whole story
NOT_CARRIED_OUT = frozenset({409, 429, 503})
# what a request that is not idempotent may be retried on: the server says it did nothing
RETRY_ANY_REQUEST = frozenset({429, 503})
NEVER_RETRIED = frozenset({401, 403})  # credentials refused: stops the command
FHIR_JSON = "application/fhir+json"
_SEND_CHUNK = 16 * 1024  # bytes sent per socket call, each bounded by what is left of the deadline
_ID_CHARS = string.ascii_letters + string.digits


class ServerError(Exception):
    """The server could not be reached, or answered with something unusable. The message is
    redacted: no secret of this run can be in it."""

    def __init__(self, message: str = "") -> None:
        super().__init__(redact(message))


class AccessRefused(ServerError):
    """401 or 403: the server refuses these credentials. Never retried; stops the command."""


@dataclass(frozen=True)
class Auth:
    """Credentials. repr() never shows them; making one registers its secrets for redaction."""

    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        register(self.token, self.password, (self.header() or "").partition(" ")[2])

    def redact(self, text: str) -> str:
        """`text` with the token and password (and the basic-authentication header made from
        them), in any form, replaced by `***` (converter/credentials.redact)."""
        return redact(text)

    def header(self) -> str | None:
        if self.token:
            return f"Bearer {self.token}"
        if self.user is not None:
            raw = f"{self.user}:{self.password or ''}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        return None

    def what(self) -> str:
        return "the token" if self.token else "the password" if self.user is not None else ""


@dataclass(frozen=True)
class ServerConfig:
    base_url: str
    auth: Auth = field(default_factory=Auth)
    verify_tls: bool = True
    ca_bundle: str | None = None
    timeout: float = 120.0  # seconds per attempt, everything included
    max_attempts: int = 6
    backoff: float = 0.5  # first back-off in seconds, doubled per attempt
    max_backoff: float = 30.0
    max_retry_after: float = 300.0
    retry_statuses: frozenset[int] = RETRY_STATUSES

    def longest_request(self) -> float:
        """The most a request can take without Retry-After: every attempt to its deadline and
        the longest back-off between each two."""
        backoffs = sum(min(self.max_backoff, self.backoff * 2.0 ** (n - 1))
                       for n in range(1, self.max_attempts))
        return float(self.max_attempts * self.timeout + backoffs)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    attempts: int = 1
    doubt: str = ""  # why an earlier attempt may have been carried out ("" when none was)

    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None


def parse_retry_on(text: str) -> frozenset[int]:
    """`--retry-on 429,500,502,503,504`: HTTP statuses (400-599, not 401/403) or `none`.
    Raises ValueError with the reason."""
    if text.strip().casefold() in ("", "none"):
        return frozenset()
    statuses = set()
    for part in text.split(","):
        part = part.strip()
        if not (part.isdigit() and len(part) == 3 and 400 <= int(part) <= 599):
            raise ValueError(f"{part!r} is not an HTTP error status (400-599); give a "
                             "comma-separated list such as 429,500,502,503,504, or none")
        if int(part) in NEVER_RETRIED:
            raise ValueError(f"{part} means the credentials are refused: it is never retried")
        statuses.add(int(part))
    return frozenset(statuses)


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


class _DeadlineReader(io.RawIOBase):
    """The socket as http.client reads a response from it, each read bounded by what is left of
    the attempt's deadline (a per-read timeout alone lets a dripping server go on for ever)."""

    def __init__(self, inner: io.BufferedReader, sock: socket.socket,
                 remaining: Callable[[], float]) -> None:
        super().__init__()
        self.inner = inner  # the socket's own file: holds the socket open while we read
        self.sock = sock
        self.remaining = remaining

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.sock.settimeout(self.remaining())
        return int(self.inner.raw.readinto(buffer) or 0)

    def close(self) -> None:
        if not self.closed:
            self.inner.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, remaining: Callable[[], float], debuglevel: int = 0,
                 method: str | None = None, url: str | None = None) -> None:
        super().__init__(sock, debuglevel, method, url)
        self.fp = io.BufferedReader(_DeadlineReader(self.fp, sock, remaining))


class _DeadlineConnection(http.client.HTTPConnection):
    """A connection whose every step (connect, TLS handshake, each send, each read) is bounded
    by what is left of `deadline` (time.monotonic()), set before each request."""

    deadline: float = math.inf

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request's deadline passed")
        return left

    def connect(self) -> None:
        self.timeout = self.remaining()  # connect and (https) the whole handshake
        super().connect()

    def send(self, data: Any) -> None:
        if self.sock is None:
            self.connect()
        if not isinstance(data, bytes | bytearray):
            super().send(data)
            return
        view = memoryview(data)
        for start in range(0, len(view), _SEND_CHUNK):
            self.sock.settimeout(self.remaining())
            self.sock.sendall(view[start:start + _SEND_CHUNK])

    def response_class(self, sock: socket.socket,  # type: ignore[override]
                       *args: Any, **kwargs: Any) -> http.client.HTTPResponse:
        return _DeadlineResponse(sock, self.remaining, *args, **kwargs)


class _DeadlineHTTPSConnection(_DeadlineConnection, http.client.HTTPSConnection):
    pass


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
        # X-Request-ID of every request: this run's prefix and a counter. HAPI FHIR keeps it in
        # meta.source ("#<id>") of what the request wrote, so a read-back can tell this run's
        # writes from earlier ones (converter/server/readback.py).
        self.run_id = "".join(secrets.choice(_ID_CHARS) for _ in range(10))
        self._counter = itertools.count(1)
        self.server_start: float | None = None  # the server's clock (Date) at capability()

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

    def _connection(self) -> _DeadlineConnection:
        connection: _DeadlineConnection | None = getattr(self.local, "connection", None)
        if connection is None:
            if self.scheme == "https":
                connection = _DeadlineHTTPSConnection(
                    self.host, self.port, timeout=self.config.timeout, context=self.context)
            else:
                connection = _DeadlineConnection(self.host, self.port,
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

    def _request_id(self) -> str:
        number = next(self._counter)
        digits = ""
        while number:
            number, digit = divmod(number, 36)
            digits = (string.digits + string.ascii_lowercase)[digit] + digits
        return self.run_id + digits.rjust(6, "0")[-6:]

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None, retry: bool = True,
                retry_statuses: frozenset[int] | None = None,
                idempotent: bool = True) -> Response:
        """Send a request (body: bytes, or anything orjson serialises); retry what may succeed
        later: dropped connections, lost answers and `retry_statuses` (default: the config's).
        A request that is not `idempotent` goes on a fresh connection and is retried only when
        it cannot have been carried out (not sent, or 429/503). Raises ServerError when no
        usable answer came after every attempt, AccessRefused on 401/403."""
        url_path = path if path.startswith("/") else f"{self.base_path}/{path}"
        data = body if isinstance(body, bytes) or body is None else orjson.dumps(body)
        sent = {"Accept": FHIR_JSON, "User-Agent": f"casefhir/{__version__}"}
        if data is not None:
            sent["Content-Type"] = FHIR_JSON
        authorization = self.config.auth.header()
        if authorization:
            sent["Authorization"] = authorization
        sent.update(headers or {})
        statuses = self.config.retry_statuses if retry_statuses is None else retry_statuses
        if not idempotent:
            statuses = statuses & RETRY_ANY_REQUEST
            self._drop_connection()  # a stale kept-alive connection would look like a lost answer
        attempts = self.config.max_attempts if retry else 1
        doubt = ""
        for attempt in range(1, attempts + 1):
            delivered = False
            try:
                connection = self._connection()
                connection.deadline = time.monotonic() + self.config.timeout
                connection.request(method, url_path, body=data,
                                   headers={**sent, "X-Request-ID": self._request_id()})
                delivered = True
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
                what = _describe(exc, self.config.timeout)
                if delivered and method not in ("GET", "HEAD"):
                    doubt = f"an earlier attempt's answer was lost ({what})"
                if attempt < attempts and (idempotent or not delivered):
                    self.sleep(self._delay(attempt, None))
                    continue
                where = f"{method} {self.base}{url_path.removeprefix(self.base_path)}"
                if delivered and not idempotent:
                    raise ServerError(f"{where}: {what}; the request reached the server, which "
                                      "may have carried it out, so it is not sent again") from None
                raise ServerError(f"{where}: {what} (after {attempt} attempt"
                                  f"{'s' * (attempt != 1)})") from None
            if response.status in statuses and attempt < attempts:
                if response.status not in NOT_CARRIED_OUT and method not in ("GET", "HEAD"):
                    doubt = f"an earlier attempt was answered {response.status}"
                self.sleep(self._delay(attempt, _retry_after(response.headers.get("retry-after"))))
                continue
            if response.status in NEVER_RETRIED:
                raise AccessRefused(
                    f"the server refused the request ({response.status} "
                    f"{'unauthorised' if response.status == 401 else 'forbidden'}): check the "
                    "token or user")
            response.doubt = doubt
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
        if self.server_start is None:
            self.server_start = _http_date(response.headers.get("date"))
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
    """An OperationOutcome as one line: severity, code, diagnostics and locations per issue
    (redacted: a server may quote the request's credentials)."""
    if not isinstance(outcome, dict) or outcome.get("resourceType", "OperationOutcome") \
            != "OperationOutcome":
        return ""
    parts = []
    for issue in outcome.get("issue") or []:
        text = issue.get("diagnostics") or (issue.get("details") or {}).get("text") or ""
        where = ", ".join(issue.get("expression") or issue.get("location") or [])
        parts.append(f"{issue.get('severity', 'error')} {issue.get('code', '')}: {text}"
                     + (f" [{where}]" if where else ""))
    return redact("; ".join(parts))


def _http_date(value: str | None) -> float | None:
    try:
        return email.utils.parsedate_to_datetime(value).timestamp() if value else None
    except (TypeError, ValueError):
        return None


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"timed out: no complete answer within {timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.IncompleteRead):
        return "answer cut short"
    if isinstance(exc, ConnectionResetError | http.client.RemoteDisconnected | BrokenPipeError):
        return "connection dropped"
    if isinstance(exc, socket.gaierror):
        return "host not found"
    return type(exc).__name__


def auth_from(token: str | None = None, token_file: str | None = None, user: str | None = None,
              password: str | None = None, password_file: str | None = None,
              environ: Mapping[str, str] | None = None) -> Auth:
    """Credentials from options, files or the environment (CASEFHIR_TOKEN, CASEFHIR_PASSWORD),
    each checked (converter/credentials.py). Raises CredentialError (a usage error) naming the
    file or variable, never the secret."""
    env = os.environ if environ is None else environ
    if user is not None:
        if token_file:
            raise CredentialError("give --token-file or --user, not both")
        check_user(user)
        if password_file:
            password = read_secret_file(password_file, "password", "--password-file")
        elif password is not None:
            password = check_secret(password, "password", "the password")
        elif "CASEFHIR_PASSWORD" in env:
            password = check_secret(env["CASEFHIR_PASSWORD"], "password", "CASEFHIR_PASSWORD")
        else:
            raise CredentialError("--user needs a password: set CASEFHIR_PASSWORD or give "
                                  "--password-file")
        return Auth(user=user, password=password)
    if password_file:
        raise CredentialError("--password-file needs --user")
    if token_file:
        token = read_secret_file(token_file, "token", "--token-file")
    elif token is not None:
        token = check_secret(token, "token", "the token")
    elif "CASEFHIR_TOKEN" in env:
        token = check_secret(env["CASEFHIR_TOKEN"], "token", "CASEFHIR_TOKEN")
    return Auth(token=token)


def _is_loopback(host: str) -> bool:
    if host.casefold() == "localhost" or host.casefold().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def transport_warnings(config: ServerConfig) -> list[str]:
    """What the user must hear on every run about how the credentials and data travel."""
    parts = urlsplit(config.base_url)
    host = parts.hostname or ""
    what = config.auth.what()
    warnings = []
    if not config.verify_tls:
        warnings.append(
            "warning: --insecure: the server's TLS certificate is not checked, so anyone between "
            f"here and {host} can pose as the server and read "
            + (f"{what} and " if what else "") + "the data"
            + (" (and over http there is no TLS at all)" if parts.scheme == "http" else ""))
    if parts.scheme == "http" and what and not _is_loopback(host):
        warnings.append(f"warning: {what} goes unencrypted over http to {host}: anyone on the "
                        "network can read it; use https")
    return warnings
