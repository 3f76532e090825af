"""A fault-injecting HTTP proxy on loopback, in front of a real FHIR server.

Faults are taken in order for POST requests that write (a batch of GETs only passes
untouched): "429" (Too Many Requests with Retry-After: 1),
"503", "413" (too large), "401" (unauthorised), "echo-auth" (400 with an OperationOutcome that quotes
the request's Authorization header, as a careless server might), "drop" (close the connection
without answering, nothing forwarded), "drop-after" (forward, let the server apply it, then close
without answering). Every request's method, path and headers are recorded. With `tls` it
speaks https.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


def _reads_only(body: bytes | None) -> bool:
    """A batch Bundle of GET entries only (casefhir's check of who holds the ids it is about to
    write): faults are meant for the writes, so these pass untouched."""
    if not body or b'"GET"' not in body:
        return False
    try:
        entries = json.loads(body).get("entry") or []
    except ValueError:
        return False
    return all((e.get("request") or {}).get("method") == "GET" for e in entries)


class FaultProxy:
    def __init__(self, upstream: str, faults: list[str] | None = None,
                 tls: tuple[Path, Path] | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.path = parts.path
        self.faults: deque[str] = deque(faults or [])
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.injected: list[str] = []
        self.lock = threading.Lock()
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
                    fault = proxy.faults.popleft() if self.command == "POST" and proxy.faults \
                        and not _reads_only(body) else None
                    if fault:
                        proxy.injected.append(fault)
                if fault in ("401", "413", "429", "503"):
                    payload = b'{"resourceType":"OperationOutcome","issue":[{"severity":"error",' \
                              b'"code":"throttled"}]}'
                    self.send_response(int(fault))
                    if fault == "429":
                        self.send_header("Retry-After", "1")
                    self.send_header("Content-Type", "application/fhir+json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if fault == "echo-auth":
                    import json

                    payload = json.dumps({"resourceType": "OperationOutcome", "issue": [{
                        "severity": "error", "code": "security",
                        "diagnostics": "bad request from "
                                       f"{self.headers.get('Authorization')}"}]}).encode()
                    self.send_response(400)
                    self.send_header("Content-Type", "application/fhir+json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if fault == "drop":
                    self._drop()
                    return
                upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port,
                                                      timeout=300)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "authorization")}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
                upstream.close()
                if fault == "drop-after":
                    self._drop()
                    return
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

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

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
