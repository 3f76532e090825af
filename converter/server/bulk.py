"""Bulk loading with the server's `$import` (FHIR bulk data import, "pull" flavour, as HAPI FHIR
implements it): the resources are written as NDJSON, one file per resource type, served from a
short-lived HTTP server of our own, and the FHIR server is asked to fetch and store them.

The server checks every reference when it stores a resource, and it stores the chunks of one
job concurrently and in no guaranteed order, so a resource may not arrive before a resource it
refers to. The resources are therefore imported in *steps* computed from the references in the
data: step 1 holds the resources that refer to nothing in the input, step k the resources whose
references all point into steps 1..k-1 (for casefhir's output: Patient; Condition and Specimen;
Observation and Procedure; DiagnosticReport and the conditions citing a report...). Resource
types alone cannot be ordered: Condition → DiagnosticReport → Observation → Condition. Within a
step nothing refers to anything else of the step, so each of its files is one `$import` job and
the jobs of a step run at the same time (a job of one small file is also the fastest kind on
HAPI: single-chunk job steps skip the wait for the next maintenance pass).

Every resource keeps its id (the server stores it as `PUT Type/id`), so importing again leaves
the server unchanged (HAPI answers "no change" and keeps version 1). A step with failures stops
the load: later steps are not started (their resources would point at what failed); fix the
cause and run the same command again.
"""

from __future__ import annotations

import collections
import re
import secrets
import shutil
import socket
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from converter.credentials import body_text, clip, redact
from converter.fhir.references import references
from converter.problems import InputError, Location, Problem, Severity, counted, error
from converter.server.caseunits import CaseUnit
from converter.server.client import FhirClient, Response, ServerError, _retry_after, outcome_text
from converter.server.concurrency import run_bounded
from converter.server.load import LoadReport
from converter.server.ownership import foreign_occupants

NDJSON = "application/fhir+ndjson"
OWNER_CHECK_CHUNK = 300  # resources per check of who holds their ids (one batch request)
OWNER_CHECK_CONCURRENCY = 4
POLL_NOT_RETRIED = frozenset({500})  # HAPI answers a poll of a failed job with 500
PLACEHOLDER_PORT = "<port>"


@dataclass
class BulkOptions:
    host: str = "127.0.0.1"  # where our NDJSON file server listens (and what the server is told)
    port: int = 0  # 0: a free port
    job_timeout: float = 3600.0  # seconds to wait for the $import jobs of each step
    dry_run: bool = False
    poll_first: float = 0.5  # first wait between status polls, doubled up to poll_max
    poll_max: float = 2.0  # longest wait between polls (Retry-After is honoured up to this)


@dataclass
class ImportJob:
    """One $import request: one NDJSON file of one resource type."""

    kind: str
    count: int
    status: str = "not started"  # submitted / completed / failed / cancelled / not started
    job_id: str | None = None
    progress: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"type": self.kind, "resources": self.count, "status": self.status,
                "job_id": self.job_id, "seconds": round(self.seconds, 2)}


@dataclass
class BulkStep:
    """The resources of one layer of references: one $import job per resource type."""

    number: int
    counts: Counter[str] = field(default_factory=Counter)  # resource type → resources
    jobs: list[ImportJob] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def status(self) -> str:
        states = {job.status for job in self.jobs} or {"not started"}
        return states.pop() if len(states) == 1 else "/".join(sorted(states))

    def describe(self) -> str:
        return ", ".join(f"{kind} {n:,}" for kind, n in sorted(self.counts.items()))

    def to_json(self) -> dict[str, Any]:
        return {"step": self.number, "resources": dict(sorted(self.counts.items())),
                "seconds": round(self.seconds, 2), "jobs": [job.to_json() for job in self.jobs]}


@dataclass
class BulkReport(LoadReport):
    mode: str = "bulk"
    steps: list[BulkStep] = field(default_factory=list)
    files_from: str | None = None  # where the NDJSON files were served (without the secret path)
    not_imported: int = 0  # resources of steps not started after a failed one
    dry_run: bool = False

    @property
    def failed(self) -> int:
        return super().failed + self.not_imported

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["bulk"] = {"steps": [step.to_json() for step in self.steps],
                        "files_from": self.files_from, "not_imported": self.not_imported,
                        "dry_run": self.dry_run}
        return data

    def render_summary(self) -> str:
        total = sum(step.total for step in self.steps)
        jobs = sum(len(step.counts) for step in self.steps)
        lines = [] if self.dry_run else self.outcome_table()
        if self.dry_run:
            lines.append(f"would import {counted(total, 'resource')} with "
                         f"{counted(jobs, '$import job')} in "
                         f"{counted(len(self.steps), 'step')}, each step after the steps holding what its "
                         "resources refer to:")
        else:
            lines.append(f"$import: {counted(jobs, 'job')} in {counted(len(self.steps), 'step')} "
                         f"to {self.server}, NDJSON served from {self.files_from}")
        for step in self.steps:
            state = "" if self.dry_run else f": {step.status}" + (
                f" in {step.seconds:.1f} s" if step.status != "not started" else "")
            lines.append(f"  step {step.number}: {step.describe()}{state}")
        if self.dry_run:
            lines.append(f"the files would be served from {self.files_from}; nothing was sent")
        if self.not_imported:
            lines.append(f"not imported: {counted(self.not_imported, 'resource')} (steps after a failed step "
                         "are not started; fix the cause and run the same command again)")
        lines.append(f"{counted(self.requests, 'request')}, {self.retries:,} retried; "
                     + self.problem_counts())
        rate = f" ({total / self.seconds:.1f} resources/s)" if self.seconds and not self.dry_run \
            and not self.failed else ""
        lines.append(f"time: {self.seconds:.2f} s{rate}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------- planning
def local_key(reference: str) -> str | None:
    """`Type/id` of a relative literal reference (a version suffix dropped); None for contained
    (`#x`), absolute and `urn:` references, which name nothing in the input."""
    if reference.startswith("#") or ":" in reference:
        return None
    parts = reference.split("/")
    if len(parts) in (2, 4) and parts[0][:1].isupper() and parts[1]:
        return f"{parts[0]}/{parts[1]}"
    return None


def layer_numbers(depends_on: list[list[int]]) -> tuple[list[int], list[int]]:
    """For each item, 0 if it depends on nothing, else 1 + the highest layer of what it depends on
    (the longest chain of references below it). Items in a reference cycle, which casefhir never
    makes, are released one by one in input order; they are returned as the second list."""
    count = len(depends_on)
    waiting = [0] * count
    dependants: list[list[int]] = [[] for _ in range(count)]
    for item, targets in enumerate(depends_on):
        for target in set(targets) - {item}:
            waiting[item] += 1
            dependants[target].append(item)
    layer = [0] * count
    ready = collections.deque(i for i in range(count) if waiting[i] == 0)
    released: list[int] = []
    next_stuck = 0
    done = 0
    while done < count:
        if not ready:  # a cycle: release the earliest item still waiting
            while waiting[next_stuck] <= 0:
                next_stuck += 1
            waiting[next_stuck] = 0
            released.append(next_stuck)
            ready.append(next_stuck)
        item = ready.popleft()
        waiting[item] = -1
        done += 1
        for dependant in dependants[item]:
            if waiting[dependant] > 0:
                layer[dependant] = max(layer[dependant], layer[item] + 1)
                waiting[dependant] -= 1
                if waiting[dependant] == 0:
                    ready.append(dependant)
    return layer, released


@dataclass
class BulkPlan:
    """The input as NDJSON files in a folder, `step-<n>/<Type>.ndjson`, plus what is needed to
    trace a server's complaint back to the input."""

    folder: Path
    steps: list[BulkStep]
    files: dict[str, Path]  # "step-1/Patient.ndjson" → file
    where: dict[str, Location | None]  # Type/id → where it came from
    refs: dict[str, tuple[str, ...]]  # Type/id → the Type/id it refers to
    step_of: dict[str, int]  # Type/id → step number
    cycles: list[str]

    @staticmethod
    def file_name(step: int, kind: str) -> str:
        return f"step-{step}/{kind}.ndjson"


def plan_bulk(units: Iterable[CaseUnit], folder: Path) -> BulkPlan:
    """Spool every resource, compute the layers, write the NDJSON files of each job. Raises
    InputError for resources without an id or with an id used twice (nothing is sent)."""
    keys: list[str] = []
    index: dict[str, int] = {}
    where: dict[str, Location | None] = {}
    refs: dict[str, tuple[str, ...]] = {}
    problems: list[Problem] = []
    spool_path = folder / "resources.spool"
    with spool_path.open("wb") as spool:
        for unit in units:
            for resource in unit.resources:
                kind, rid = resource.get("resourceType"), resource.get("id")
                key = f"{kind}/{rid}"
                location = unit.where(key)
                if not isinstance(rid, str) or not rid:
                    problems.append(error(f"a {kind} without an id: $import needs fixed ids to be "
                                          "idempotent", location))
                    continue
                if key in index:
                    problems.append(error(f"{key}: the id is used twice", location))
                    continue
                index[key] = len(keys)
                keys.append(key)
                where[key] = location
                refs[key] = tuple(sorted({k for k in map(local_key, references(resource))
                                          if k is not None and k != key}))
                spool.write(orjson.dumps(resource) + b"\n")
    if problems:
        raise InputError(*problems)
    depends_on = [[index[r] for r in refs[key] if r in index] for key in keys]
    layers, released = layer_numbers(depends_on)
    steps = [BulkStep(n + 1) for n in range(max(layers, default=-1) + 1)]
    files: dict[str, Path] = {}
    handles: dict[str, Any] = {}
    try:
        with spool_path.open("rb") as spool:
            for key, layer, line in zip(keys, layers, spool, strict=True):
                kind = key.split("/", 1)[0]
                name = BulkPlan.file_name(layer + 1, kind)
                handle = handles.get(name)
                if handle is None:
                    (folder / f"step-{layer + 1}").mkdir(exist_ok=True)
                    files[name] = folder / name
                    handle = handles[name] = files[name].open("wb")
                handle.write(line)
                steps[layer].counts[kind] += 1
    finally:
        for handle in handles.values():
            handle.close()
    spool_path.unlink()
    for step in steps:
        step.jobs = [ImportJob(kind, count) for kind, count in sorted(step.counts.items())]
    step_of = {key: layer + 1 for key, layer in zip(keys, layers, strict=True)}
    return BulkPlan(folder, steps, files, where, refs, step_of, [keys[i] for i in released])


# ---------------------------------------------------------------------------- file server
class _FileServer(ThreadingHTTPServer):
    daemon_threads = True
    files: dict[str, Path]
    authorization: str | None
    served: int
    lock: threading.Lock


class _Handler(BaseHTTPRequestHandler):
    server: _FileServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def _refuse(self, status: int) -> None:
        body = b"unauthorised\n" if status == 401 else b"not found\n"
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="casefhir"')
        self.send_header("Content-Type", "text/plain")  # HAPI fails on a response without one
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self, body: bool) -> None:
        expected = self.server.authorization
        if expected is not None and not secrets.compare_digest(
                self.headers.get("Authorization", ""), expected):
            self._refuse(401)
            return
        file = self.server.files.get(self.path.split("?", 1)[0])
        if file is None:
            self._refuse(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", NDJSON)
        self.send_header("Content-Length", str(file.stat().st_size))
        self.end_headers()
        if body:
            try:
                with file.open("rb") as handle:
                    shutil.copyfileobj(handle, self.wfile, 1 << 16)
            except (BrokenPipeError, ConnectionResetError):
                return
        with self.server.lock:
            self.server.served += 1

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


class NdjsonFileServer:
    """Serves exactly the given files, under a random path, with a one-time basic credential the
    FHIR server is given in the $import request; only while the `with` block runs."""

    def __init__(self, files: dict[str, Path], host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.prefix = "/" + secrets.token_urlsafe(12)
        self.files = {f"{self.prefix}/{name}": path for name, path in files.items()}
        self.credential = f"casefhir:{secrets.token_urlsafe(18)}"
        self.httpd: _FileServer | None = None
        self.thread: threading.Thread | None = None

    def __enter__(self) -> NdjsonFileServer:
        import base64

        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET

        class Server(_FileServer):
            address_family = family

        try:
            httpd = Server((self.host, self.port), _Handler)
        except OSError as exc:
            raise InputError(error(f"cannot serve the NDJSON files on {self.host} port "
                                   f"{self.port or '(any)'}: {exc.strerror or exc}; choose "
                                   "another --bulk-host / --bulk-port")) from None
        httpd.files = self.files
        httpd.authorization = "Basic " + base64.b64encode(self.credential.encode()).decode()
        httpd.served = 0
        httpd.lock = threading.Lock()
        self.httpd = httpd
        self.port = httpd.server_address[1]
        self.thread = threading.Thread(target=httpd.serve_forever, name="casefhir-ndjson",
                                       daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(timeout=10)

    @property
    def served(self) -> int:
        return self.httpd.served if self.httpd is not None else 0

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port or PLACEHOLDER_PORT}"

    def url(self, name: str) -> str:
        return f"{self.origin}{self.prefix}/{name}"


def import_parameters(inputs: list[tuple[str, str]], source: str,
                      credential: str | None) -> dict[str, Any]:
    """The Parameters body of `$import` (HAPI FHIR 8.8 reads inputFormat, the input parts and
    storageDetail.credentialHttpBasic; inputSource and storageDetail.type are for other
    servers, following the bulk import proposal)."""
    storage: list[dict[str, Any]] = [{"name": "type", "valueCode": "https"}]
    if credential is not None:
        storage.append({"name": "credentialHttpBasic", "valueString": credential})
    return {"resourceType": "Parameters", "parameter": [
        {"name": "inputFormat", "valueCode": NDJSON},
        {"name": "inputSource", "valueUri": source},
        {"name": "storageDetail", "part": storage},
        *({"name": "input", "part": [{"name": "type", "valueCode": kind},
                                     {"name": "url", "valueUri": url}]}
          for kind, url in inputs)]}


# ---------------------------------------------------------------------------- the job report
@dataclass
class SourceOutcome:
    outcomes: Counter[str] = field(default_factory=Counter)  # HAPI storage code → count
    errors: list[str] = field(default_factory=list)


def report_text(outcome: Any) -> str:
    """The job report inside a poll answer (HAPI: an issue whose diagnostics is
    `{"reportMsg": "Bulk Import Report ..."}`)."""
    if not isinstance(outcome, dict):
        return ""
    for issue in outcome.get("issue") or []:
        text = str(issue.get("diagnostics") or "")
        if text.lstrip().startswith("{"):
            try:
                data = orjson.loads(text)
            except orjson.JSONDecodeError:
                data = None
            if isinstance(data, dict) and isinstance(data.get("reportMsg"), str):
                return str(data["reportMsg"])
        if "Bulk Import Report" in text:
            return text
    return ""


def parse_report(text: str) -> dict[str, SourceOutcome]:
    """HAPI's report, per source URL: storage outcome counts and error messages."""
    found: dict[str, SourceOutcome] = {}
    current: SourceOutcome | None = None
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if line.startswith("Source: "):
            current = found.setdefault(line.removeprefix("Source: ").strip(), SourceOutcome())
            section = ""
        elif current is None or not stripped:
            continue
        elif stripped in ("Outcomes:", "Errors:"):
            section = stripped
        elif stripped.startswith("* ") and section == "Outcomes:":
            code, _, number = stripped[2:].rpartition(": ")
            if number.strip().isdigit():
                current.outcomes[code.strip()] += int(number)
        elif stripped.startswith("* ") and section == "Errors:":
            current.errors.append(stripped[2:])
        elif section == "Errors:" and current.errors:  # a message over several lines
            current.errors[-1] += " " + stripped
    return found


def outcome_of(code: str) -> str:
    """created / updated / unchanged / failed for a HAPI storage response code."""
    if "FAIL" in code:
        return "failed"
    if "NO_CHANGE" in code:
        return "unchanged"
    if "CREATE" in code:
        return "created"
    return "updated"


_MISSING = re.compile(r"Resource (\S+) not found, specified in path: (\w+)\.")
_KEY = re.compile(r"\b([A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64})\b")
_STATE = re.compile(r"in (\w+) state")
_DONE = re.compile(r"completion: ([\d.]+%)")


# ---------------------------------------------------------------------------- running
class BulkLoader:
    def __init__(self, plan: BulkPlan, client: FhirClient, options: BulkOptions,
                 report: BulkReport, on_status: Callable[[str], None] | None = None) -> None:
        self.plan = plan
        self.client = client
        self.options = options
        self.report = report
        self.on_status = on_status or (lambda text: None)

    def _status(self, step: BulkStep, text: str) -> None:
        self.on_status(f"$import step {step.number}/{len(self.plan.steps)} ({step.total} "
                       f"resources): {text}")

    def _problem(self, message: str, key: str | None = None) -> None:
        location = self.plan.where.get(key) if key else None
        self.report.problems.append(Problem(Severity.ERROR, message, location))

    def _request(self, method: str, path: str, body: Any = None,
                 headers: dict[str, str] | None = None, idempotent: bool = True,
                 retry_statuses: frozenset[int] | None = None) -> Response:
        response = self.client.request(method, path, body, headers, idempotent=idempotent,
                                       retry_statuses=retry_statuses)
        self.report.requests += 1
        self.report.retries += response.attempts - 1
        return response

    def foreign_ids(self) -> dict[str, str]:
        """Type/id → why, for the ids of the plan the server holds with another series' (or no
        casefhir) tag (converter/server/ownership.py), checked in chunks, a few at a time."""
        found: dict[str, str] = {}
        lock = threading.Lock()

        def check(chunk: list[dict[str, Any]]) -> None:
            occupied = foreign_occupants(self.client, chunk)
            with lock:
                found.update(occupied)

        def chunks() -> Iterator[list[dict[str, Any]]]:
            chunk: list[dict[str, Any]] = []
            for path in self.plan.files.values():
                with path.open("rb") as handle:
                    for line in handle:
                        chunk.append(orjson.loads(line))
                        if len(chunk) == OWNER_CHECK_CHUNK:
                            yield chunk
                            chunk = []
            if chunk:
                yield chunk

        run_bounded(chunks(), check, OWNER_CHECK_CONCURRENCY)
        return found

    def run(self, files: NdjsonFileServer) -> None:
        occupied = self.foreign_ids()
        if occupied:
            for key, why in sorted(occupied.items()):
                self._problem(why.replace("and the case was not sent", "and nothing was "
                                          "imported"), key)
            self.report.not_imported = sum(step.total for step in self.plan.steps)
            self._problem(f"$import not started: {len(occupied)} of the ids to import are held "
                          "on the server by resources of another series or not made by casefhir "
                          "(listed above); nothing was imported")
            return
        for step in self.plan.steps:
            started = time.monotonic()
            try:
                ok = self.run_step(step, files)
            finally:
                step.seconds = time.monotonic() - started
            if not ok:
                later = self.plan.steps[step.number:]
                self.report.not_imported = sum(s.total for s in later)
                if later:
                    which = f"step {later[0].number}" if len(later) == 1 else \
                        f"steps {later[0].number}-{later[-1].number}"
                    self._problem(f"$import step {step.number} reported failures, so {which} "
                                  f"({self.report.not_imported} resources that may refer to what "
                                  "failed) not started")
                return

    def run_step(self, step: BulkStep, files: NdjsonFileServer) -> bool:
        """Submit one job per file of the step, then poll them all until every one has ended."""
        pending: dict[int, tuple[ImportJob, str, float]] = {}
        self._status(step, "submitting")
        served_before = files.served
        for job in step.jobs:
            name = BulkPlan.file_name(step.number, job.kind)
            body = import_parameters([(job.kind, files.url(name))], files.origin + "/",
                                     files.credential)
            # not idempotent: each kick-off starts a job, so it is retried only when the server
            # says it did nothing (429, 503) or the request never reached it
            response = self._request("POST", "$import", body, {"Prefer": "respond-async"},
                                     idempotent=False)
            location = response.headers.get("content-location")
            if response.status != 202 or not location:
                text = outcome_text(response.json()) or body_text(response.body)
                raise ServerError(
                    f"{self.client.base} refused $import ({response.status}): {text}"
                    + (" (does the server offer $import? load without --bulk)"
                       if response.status in (404, 405, 501) else ""))
            match = re.search(r"_jobId=([^&]+)", location)
            job.job_id = match.group(1) if match else location
            job.status = "submitted"
            pending[id(job)] = (job, _path_of(location), time.monotonic())
        deadline = time.monotonic() + self.options.job_timeout
        delay = self.options.poll_first
        ok = True
        while pending:
            wait = delay
            for key, (job, path, submitted) in list(pending.items()):
                # a poll answered 500 says the job failed: final, not a server fault to retry
                response = self._request(
                    "GET", path, retry_statuses=self.client.config.retry_statuses - POLL_NOT_RETRIED)
                if response.status == 202:
                    job.progress = _progress(response.headers.get("x-progress", ""))
                    retry_after = _retry_after(response.headers.get("retry-after"))
                    wait = max(wait, retry_after or 0.0)
                    continue
                job.seconds = time.monotonic() - submitted
                del pending[key]
                ok &= self._settle(step, job, response, files.url(
                    BulkPlan.file_name(step.number, job.kind)), files.served > served_before)
            if not pending:
                break
            self._status(step, ", ".join(f"{job.kind} {job.progress or job.status}"
                                         for job, _, _ in pending.values()))
            if time.monotonic() >= deadline:
                ids = ", ".join(str(job.job_id) for job, _, _ in pending.values())
                raise ServerError(f"$import job {ids} did not finish within "
                                  f"{self.options.job_timeout:.0f} s (--bulk-timeout); it may "
                                  "still be running on the server: run the same command again "
                                  "later")
            time.sleep(max(0.0, min(wait, self.options.poll_max, deadline - time.monotonic())))
            delay = min(delay * 2, self.options.poll_max)
        return ok

    def _settle(self, step: BulkStep, job: ImportJob, response: Response, url: str,
                fetched: bool) -> bool:
        """Tally the job's report; True when every resource of the job was stored."""
        data = response.json()
        job.status = {200: "completed", 404: "cancelled"}.get(response.status, "failed")
        sources = parse_report(report_text(data))
        if job.status == "completed" and not sources:  # not HAPI's report: no counts to read
            self.report.outcomes[job.kind]["updated"] += job.count
            self.report.problems.append(Problem(
                Severity.WARNING, f"$import of {job.kind}.ndjson (job {job.job_id}) completed "
                f"without a report casefhir can read: its {job.count} resources are counted as "
                "updated"))
            return True
        outcome = sources.get(url) or SourceOutcome()
        failed = 0
        for code, count in outcome.outcomes.items():
            result = outcome_of(code)
            self.report.outcomes[job.kind][result] += count
            failed += count if result == "failed" else 0
        self._blame(step, job, outcome.errors)
        missing = job.count - sum(outcome.outcomes.values())
        if missing > 0:  # not accounted for in the report: not stored
            self.report.outcomes[job.kind]["failed"] += missing
            failed += missing
        if job.status == "completed" and not failed:
            return True
        if not outcome.errors:
            text = clip(_first_issue(data)) or body_text(response.body)
            hint = "" if fetched else (
                f"; the server could not fetch the files from {self.report.files_from}: it must "
                "be able to reach that address (a server on another machine: see --bulk-host)")
            self._problem(f"$import of {job.kind}.ndjson (step {step.number}, job {job.job_id}) "
                          f"{job.status} ({response.status}), {failed} of {job.count} resources "
                          f"not stored: {text}{hint}")
        if job.status == "completed":
            job.status = "completed with failures"
        return False

    def _blame(self, step: BulkStep, job: ImportJob, errors: list[str]) -> None:
        """Each error of the report as a problem at the resource it is about, when it can be
        told: a missing reference names its target and the element; or a Type/id of the file."""
        if not errors:
            return
        in_file = [key for key, number in self.plan.step_of.items()
                   if number == step.number and key.startswith(job.kind + "/")]
        used: set[str] = set()
        for message in errors:
            key = None
            match = _MISSING.search(message)
            if match and match.group(2) == job.kind:
                key = next((k for k in in_file if k not in used
                            and match.group(1) in self.plan.refs.get(k, ())), None)
            if key is None:
                key = next((k for k in _KEY.findall(message) if k in in_file and k not in used),
                           None)
            message = redact(message)
            if key is not None:
                used.add(key)
                self._problem(f"{key}: rejected by the server's $import: {message}", key)
            else:
                self._problem(f"$import of {job.kind}.ndjson (step {step.number}, job "
                              f"{job.job_id}): {message}")


def _path_of(location: str) -> str:
    """The path and query of a poll URL: asked of the server we talk to, whatever host it names."""
    parts = urlsplit(location)
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    return path + (f"?{parts.query}" if parts.query else "")


def _progress(header: str) -> str:
    """`IN_PROGRESS 14.3%` from HAPI's X-Progress sentence (or the start of another server's)."""
    state, done = _STATE.search(header), _DONE.search(header)
    return " ".join(m.group(1) for m in (state, done) if m) or clip(header, 40)


def _first_issue(outcome: Any) -> str:
    if not isinstance(outcome, dict):
        return ""
    issues = outcome.get("issue") or []
    return str(issues[0].get("diagnostics") or "") if issues else ""


def bulk_load(units: Iterable[CaseUnit], client: FhirClient | None, options: BulkOptions,
              report: BulkReport, on_status: Callable[[str], None] | None = None) -> BulkReport:
    """Import every resource with `$import`, in steps of references; the report holds the outcome
    per type (from the jobs' reports) and every error the server reported, located.

    Raises InputError for input that cannot be imported (nothing is sent), ServerError when the
    server cannot be reached, refuses `$import` or a job does not finish in time, AccessRefused
    when it refuses the credentials. Whatever was imported stays (re-running is safe)."""
    started = time.perf_counter()
    report.mode = "bulk"
    report.dry_run = options.dry_run
    try:
        with tempfile.TemporaryDirectory(prefix="casefhir-bulk-") as folder:
            plan = plan_bulk(units, Path(folder))
            report.steps = plan.steps
            for step in plan.steps:
                report.resources.update(step.counts)
            if plan.cycles:
                report.problems.append(Problem(
                    Severity.WARNING, f"{len(plan.cycles)} resources are in reference cycles "
                    f"(e.g. {plan.cycles[0]}); the server may refuse them",
                    plan.where.get(plan.cycles[0])))
            files = NdjsonFileServer(plan.files, options.host, options.port)
            if options.dry_run or client is None:
                report.files_from = files.origin + "/"
                return report
            client.capability()
            report.server = client.base
            with files:
                report.files_from = files.origin + "/"
                BulkLoader(plan, client, options, report, on_status).run(files)
    finally:
        report.seconds += time.perf_counter() - started
    return report


__all__ = ["BulkLoader", "BulkOptions", "BulkPlan", "BulkReport", "BulkStep", "ImportJob",
           "NdjsonFileServer", "bulk_load", "import_parameters", "layer_numbers", "parse_report",
           "plan_bulk"]
