"""A fault-injecting HTTP proxy on loopback, in front of a real FHIR server.

Faults are taken in order by the requests they apply to (POST by default: `methods`; and only
paths containing `path_contains`, when given; a POSTed batch of GETs only — casefhir's check of
who holds the ids it writes — always passes untouched); `also` adds more such lanes of faults, each with
its own methods and path (a request takes its fault from the first lane it matches that has
faults left). Each fault is one of:

- "pass": forwarded and answered as the server answers (to let requests through in order);
- answered by the proxy, nothing forwarded: "401", "403", "413", "429" (with Retry-After: 1),
  "500", "503" (an OperationOutcome with that status); "echo-auth" (400 with an OperationOutcome that
  quotes the request's Authorization header, as a careless server might) or "echo-auth:STATUS"
  (the same with another status); "echo-raw:STATUS" (a plain-text answer that quotes the header
  so that it starts a few bytes before the 300th, across the point where messages are cut);
  "drop" (close the connection without answering); "hang" (never answer: hold the connection
  until the client gives up);
- forwarded, so the server carries the request out, then: "drop-after" (close without
  answering); "500-after-store" (answer 500 instead of the server's answer); "truncated" (the
  server's status and headers with a Content-Length larger than the body, half the body, then
  close); "drip:N:S" (the server's whole answer, N bytes every S seconds).

Every request's method, path and headers are recorded (`seen`), and each fault applied
(`injected`). With `tls` it speaks https.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import select
import socket
import ssl
import threading
from collections import deque
from collections.abc import Collection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

STATUS_TEXT = {401: "Unauthorized", 403: "Forbidden", 413: "Payload Too Large", 429: "Too Many Requests",
               500: "Internal Server Error", 503: "Service Unavailable", 400: "Bad Request",
               422: "Unprocessable Entity"}


def _reads_only(method: str, body: bytes | None) -> bool:
    """A POSTed batch Bundle of GET entries only (casefhir's check of who holds the ids it is
    about to write, converter/server/ownership.py): faults are meant for the requests under test, so
    these pass untouched."""
    if method != "POST" or not body or b'"GET"' not in body:
        return False
    try:
        entries = json.loads(body).get("entry") or []
    except ValueError:
        return False
    return all((e.get("request") or {}).get("method") == "GET" for e in entries)


class FaultProxy:
    def __init__(self, upstream: str, faults: list[str] | None = None,
                 tls: tuple[Path, Path] | None = None,
                 methods: Collection[str] = ("POST",), path_contains: str | None = None,
                 also: list[tuple[Collection[str], str | None, list[str]]] | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.path = parts.path
        self.faults: deque[str] = deque(faults or [])
        self.lanes = [(set(methods), path_contains, self.faults),
                      *((set(m), p, deque(f)) for m, p, f in also or [])]
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.checks: list[bool] = []  # per request seen: a POSTed batch of GETs only
        self.injected: list[str] = []
        self.lock = threading.Lock()
        self.closing = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy.lock:
                    proxy.seen.append((self.command, self.path, dict(self.headers)))
                    check = _reads_only(self.command, body)
                    proxy.checks.append(check)
                    fault = None if check else next(
                        (lane.popleft() for methods, path, lane in proxy.lanes
                         if lane and self.command in methods
                         and (path is None or path in self.path)), None)
                    if fault:
                        proxy.injected.append(fault)
                kind, _, argument = (fault or "").partition(":")
                if kind in ("401", "403", "413", "429", "500", "503"):
                    payload = json.dumps({"resourceType": "OperationOutcome", "issue": [{
                        "severity": "error", "code": "throttled" if kind == "429" else "exception",
                        "diagnostics": f"injected {kind}"}]}).encode()
                    self._answer(int(kind), payload,
                                 {"Retry-After": "1"} if kind == "429" else {})
                    return
                if kind == "echo-auth":
                    payload = json.dumps({"resourceType": "OperationOutcome", "issue": [{
                        "severity": "error", "code": "security",
                        "diagnostics": "bad request from "
                                       f"{self.headers.get('Authorization')}"}]}).encode()
                    self._answer(int(argument or 400), payload)
                    return
                if kind == "echo-raw":
                    header = str(self.headers.get("Authorization"))
                    text = "upstream failure; ".ljust(300 - len(header) // 2, ".") + header
                    self._answer(int(argument or 500), (text + " end").encode(),
                                 {"Content-Type": "text/plain"})
                    return
                if kind == "drop":
                    self._drop()
                    return
                if kind == "hang":
                    self._hang()
                    return
                status, headers, payload = self._forward(body)
                if kind == "drop-after":
                    self._drop()
                elif kind == "500-after-store":
                    self._answer(500, b'{"resourceType":"OperationOutcome","issue":[{"severity":'
                                      b'"error","code":"exception","diagnostics":"injected 500 '
                                      b'after the server stored it"}]}')
                elif kind == "truncated":
                    self._head(status, headers, len(payload) + 100)
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self._drop()
                elif kind == "drip":
                    size, pause = argument.split(":")
                    self._drip(status, headers, payload, int(size), float(pause))
                else:
                    self._head(status, headers, len(payload))
                    self.wfile.write(payload)

            def _forward(self, body: bytes | None) -> tuple[int, list[tuple[str, str]], bytes]:
                upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port,
                                                      timeout=300)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "authorization")}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
                upstream.close()
                return answer.status, answer.getheaders(), payload

            def _head(self, status: int, headers: list[tuple[str, str]], length: int) -> None:
                self.send_response(status)
                for key, value in headers:
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(length))
                self.end_headers()

            def _answer(self, status: int, payload: bytes,
                        extra: dict[str, str] | None = None) -> None:
                headers = {"Content-Type": "application/fhir+json", **(extra or {})}
                self._head(status, list(headers.items()), len(payload))
                self.wfile.write(payload)

            def _drip(self, status: int, headers: list[tuple[str, str]], payload: bytes,
                      size: int, pause: float) -> None:
                lines = [f"HTTP/1.1 {status} {STATUS_TEXT.get(status, 'OK')}\r\n"]
                lines += [f"{k}: {v}\r\n" for k, v in headers
                          if k.lower() not in ("transfer-encoding", "connection", "content-length")]
                lines.append(f"Content-Length: {len(payload)}\r\n\r\n")
                data = "".join(lines).encode() + payload
                self.close_connection = True
                with contextlib.suppress(OSError):
                    for start in range(0, len(data), size):
                        if proxy.closing.wait(pause):
                            break
                        self.connection.sendall(data[start:start + size])

            def _hang(self) -> None:
                """Say nothing until the client closes the connection (or the proxy stops)."""
                self.close_connection = True
                with contextlib.suppress(OSError):
                    while not proxy.closing.is_set():
                        ready, _, _ = select.select([self.connection], [], [], 0.2)
                        if ready and not self.connection.recv(65536):
                            return

            def _drop(self) -> None:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.scheme = "http"
        if tls is not None:  # https with the given certificate and key
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}{self.path}"

    def posts(self) -> list[str]:
        """The paths of the POST requests seen, in order (but the checks of who holds the ids,
        which only read)."""
        return [path for (method, path, _), check in zip(self.seen, self.checks, strict=True)
                if method == "POST" and not check]

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()
