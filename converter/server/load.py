"""Loading cases into a FHIR server: `PUT Type/id` entries in transaction Bundles (one per case, so
a case is all-or-nothing) or batch Bundles of whole cases up to a size limit, sent concurrently.

Ids come from business keys, so loading again changes nothing (the server answers "no change")
and a load interrupted at any point is completed by running it again. Every server answer is
read into a per-type tally (created, updated, unchanged, failed) and every rejection is
reported with the server's OperationOutcome and the source cell it came from.

An answer that cannot be trusted — lost and retried, or a 5xx the server may have sent after
storing the data — is not taken at its word: the resources it is about are read back from the
server (converter/server/readback.py), so "no change" after a retry that follows a lost answer is
reported as what the lost attempt did; a resource whose read-back fails too is "unknown".
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from converter.credentials import body_text, redact
from converter.fhir.bundle import entry
from converter.problems import Problem, Severity, counted
from converter.report import OUTCOMES, ServerReport
from converter.server.caseunits import CaseUnit
from converter.server.client import NOT_CARRIED_OUT, FhirClient, Response, ServerError, outcome_text
from converter.server.concurrency import run_bounded
from converter.server.ownership import foreign_occupants
from converter.server.readback import ReadBack
from mappings.common import Resource

MODES = ("transaction", "batch")
OWNER_CHECK_WINDOW = 250  # resources whose ids one request checks (converter/server/ownership.py)
HAPI_STORAGE_CODES = "https://hapifhir.io/fhir/CodeSystem/hapi-fhir-storage-response-code"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the server did with one resource: `outcome` is created, updated, unchanged, failed
    (the server rejected it, or the transaction it was part of), unknown (its answer was lost
    and reading it back failed) or "not sent"; `status` the HTTP status of its entry (or of the
    whole request when that failed), `version` the versionId the server holds afterwards,
    `message` the server's words for a failure, or how a read-back settled it."""

    outcome: str
    status: int | None = None
    version: str | None = None
    message: str = ""
    read_back: bool = False  # the outcome is what a read-back found on the server


NOT_SENT = Answer("not sent")

# a case's resources and what became of each, in the order of unit.resources
OnAnswers = Callable[[CaseUnit, list[Answer]], None]


@dataclass
class LoadOptions:
    mode: str = "transaction"
    batch_size: int = 100  # entries per batch Bundle (mode batch)
    concurrency: int = 4
    dry_run: bool = False
    transaction_size: int = 1  # entries per transaction, whole cases only (1: a case each)


@dataclass
class LoadReport(ServerReport):
    mode: str = "transaction"
    requests: int = 0
    retries: int = 0
    read_back: int = 0  # resources whose outcome was read back (their answer was lost or in doubt)
    prune: dict[str, Any] | None = None  # --prune: the plan and what was deleted
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def tally(self, resource_type: str, outcome: str) -> None:
        self.outcomes[resource_type][outcome] += 1

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data.update({"mode": self.mode, "requests": self.requests, "retries": self.retries,
                     "read_back": self.read_back})
        if self.prune is not None:
            data["prune"] = self.prune
        return data

    def render_summary(self) -> str:
        written = f"\nwritten: {', '.join(self.outputs)}" if self.outputs else ""
        if not self.outcomes:  # a dry run
            return (super().render_summary() + f"\nwould send: "
                    f"{counted(self.requests, self.mode + ' request')} for "
                    f"{counted(self.cases_written, 'case')}; nothing was sent" + written)
        lines = self.outcome_table()
        lines.append(f"{counted(self.requests, 'request')} to {self.server} ({self.mode}), "
                     f"{self.retries:,} retried; {counted(self.cases_written, 'case')}")
        if self.read_back:
            lines.append(f"read back: {counted(self.read_back, 'resource')} whose answer was lost or in "
                         "doubt (their outcome above is what the server holds)")
        if self.unknown:
            lines.append(f"unknown: {counted(self.unknown, 'resource')} could not be read back; run the "
                         "same command again to settle them")
        lines.append(self.problem_counts())
        lines.append(f"time: {self.seconds:.2f} s")
        return "\n".join(lines) + written


def _status_code(status: str | None) -> int:
    match = re.match(r"\s*(\d{3})", status or "")
    return int(match.group(1)) if match else 0


def _version(etag: Any) -> str | None:
    """`W/"3"` → "3"."""
    if not isinstance(etag, str):
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?([^"]*)"?\s*', etag)
    return match.group(1) if match and match.group(1) else None


def entry_answer(response_entry: dict[str, Any], started: float) -> Answer:
    """The Answer read from a transaction- or batch-response entry (its message redacted)."""
    response = response_entry.get("response") or {}
    outcome = entry_outcome(response_entry, started)
    message = outcome_text(response.get("outcome")) if outcome == "failed" else ""
    return Answer(outcome, _status_code(response.get("status")) or None,
                  _version(response.get("etag")), message)


def entry_outcome(response_entry: dict[str, Any], started: float) -> str:
    """created / updated / unchanged from a transaction- or batch-response entry (or failed)."""
    response = response_entry.get("response") or {}
    code = _status_code(response.get("status"))
    if code == 201:
        return "created"
    if not 200 <= code < 300:
        return "failed"
    issues = (response.get("outcome") or {}).get("issue") or []
    for issue in issues:
        for coding in (issue.get("details") or {}).get("coding") or []:
            if coding.get("system") == HAPI_STORAGE_CODES:
                value = str(coding.get("code"))
                if value == "SUCCESSFUL_UPDATE_NO_CHANGE":
                    return "unchanged"
                if "CREATE" in value:
                    return "created"
                return "updated"
    # other servers: a version not touched since before this load began is unchanged
    modified = response.get("lastModified")
    if isinstance(modified, str):
        from datetime import datetime

        try:
            when = datetime.fromisoformat(modified.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return "updated"
        return "unchanged" if when < started else "updated"
    return "updated"


_MISSING = re.compile(r"Resource (\S+) not found, specified in path: (\w+)\.")
_OF_TYPE = re.compile(r"resource of type ([A-Z][A-Za-z]+)")
_KEY = re.compile(r"\b([A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64})\b")


def blame(unit: CaseUnit, outcome: Any) -> str | None:
    """The resource (Type/id) of the unit a whole-transaction OperationOutcome is about."""
    text = outcome_text(outcome)
    keys: dict[str, Resource] = {f"{r['resourceType']}/{r['id']}": r for r in unit.resources}
    match = _MISSING.search(text)
    if match:
        missing, resource_type = match.groups()
        from converter.fhir.references import references

        for key, resource in keys.items():
            if resource["resourceType"] == resource_type and missing in set(references(resource)):
                return str(key)
    for found in _KEY.findall(text):
        key = str(found).split("/_history")[0].rstrip(".")  # an id never ends in a dot
        if key in keys:
            return key
    match = _OF_TYPE.search(text)  # "Can not create resource of type Patient ..."
    if match:
        of_type = [key for key, r in keys.items() if r["resourceType"] == match.group(1)]
        if len(of_type) == 1:
            return of_type[0]
    return None


def plan(units: Iterable[CaseUnit], options: LoadOptions) -> Iterator[list[CaseUnit]]:
    """Groups of whole cases, each sent by one worker as one Bundle: as many cases as fit in
    `transaction_size` (transactions) or `batch_size` (batches) entries; a bigger case travels
    alone (a batch splits it in order)."""
    limit = options.transaction_size if options.mode == "transaction" else options.batch_size
    group: list[CaseUnit] = []
    size = 0
    for unit in units:
        if group and size + len(unit.resources) > limit:
            yield group
            group, size = [], 0
        group.append(unit)
        size += len(unit.resources)
    if group:
        yield group


class Loader:
    def __init__(self, client: FhirClient | None, options: LoadOptions, report: LoadReport,
                 on_case: Callable[[int], None] | None = None,
                 on_answers: OnAnswers | None = None) -> None:
        self.client = client
        self.options = options
        self.report = report
        self.on_case = on_case
        self.on_answers = on_answers
        self.started = time.time()
        # what this run wrote has lastUpdated at or after this, on the server's clock
        self.since = (client.server_start if client is not None else None) or self.started
        self.done_cases = 0

    @staticmethod
    def _text(response: Response, data: Any) -> str:
        """A server's words for a failed request: its OperationOutcome, else the start of its
        answer; any credential of ours taken out before it is cut (a server or proxy that echoes
        a request must not put the token in a message, report or crosswalk)."""
        return outcome_text(data) or body_text(response.body)

    def _answered(self, unit: CaseUnit, answers: list[Answer]) -> None:
        if self.on_answers is not None:
            self.on_answers(unit, answers)

    def _read_back(self, resources: list[Resource], why: str, status: int | None,
                   failures: list[str] | None = None) -> list[Answer]:
        """What the server holds of `resources`, whose answer was lost or is in doubt (`why`);
        `failures`: what the server said of each when it answered with an error."""
        assert self.client is not None
        held = ReadBack(self.client, self.since).resources(resources)
        with self.report.lock:
            self.report.read_back += len(resources)
        answers = []
        for index, found in enumerate(held):
            failure = failures[index] if failures else ""
            said = failure if found.outcome == "failed" and failure else why
            answers.append(Answer(found.outcome, status, found.version,
                                  redact(f"{said}; read back: {found.detail}"), read_back=True))
        return answers

    def _settle(self, resources: list[Resource], answers: list[Answer], why: str) -> list[Answer]:
        """`answers` with those a lost earlier attempt may have made untrue (unchanged: it may
        have been that attempt that stored the resource; failed: it may have been stored)
        replaced by what the server holds."""
        doubtful = [i for i, answer in enumerate(answers)
                    if answer.outcome in ("unchanged", "failed")]
        if not doubtful:
            return answers
        found = self._read_back(
            [resources[i] for i in doubtful], why, None,
            [answers[i].message if answers[i].outcome == "failed" else "" for i in doubtful])
        settled = list(answers)
        for index, answer in zip(doubtful, found, strict=True):
            settled[index] = Answer(answer.outcome, answers[index].status, answer.version,
                                    answer.message, read_back=True)
        return settled

    # ------------------------------------------------------------------ one request
    def _post(self, entries: list[dict[str, Any]], bundle_type: str) -> Response:
        assert self.client is not None
        body = {"resourceType": "Bundle", "type": bundle_type, "entry": entries}
        response = self.client.request("POST", "", body)
        with self.report.lock:
            self.report.requests += 1
            self.report.retries += response.attempts - 1
        return response

    def _fail(self, unit: CaseUnit, resource_key: str | None, message: str) -> None:
        where = unit.where(resource_key) if resource_key else None
        if where is None and unit.source is not None:
            where = unit.source.location()
        subject = f"{resource_key}: " if resource_key else f"case {unit.key}: "
        problem = Problem(Severity.ERROR, subject + message, where, None, unit.key)
        with self.report.lock:
            self.report.problems.append(problem)

    def _tally(self, resource: Resource, outcome: str) -> None:
        with self.report.lock:
            self.report.tally(resource["resourceType"], outcome)

    def _case_done(self, count: int = 1) -> None:
        with self.report.lock:
            self.done_cases += count
            self.report.cases_written += count
            done = self.done_cases
        if self.on_case is not None:
            self.on_case(done)

    # ------------------------------------------------------------------ transaction
    def send_transaction(self, units: list[CaseUnit], doubt: str = "") -> None:
        """One transaction for the group. Should it fail, each case is sent again in its own
        transaction, so a bad case never takes good ones down and is reported exactly.

        `doubt` (and the response's own): why an earlier request may have stored these cases
        although no answer says so; the answers it could make untrue are then read back."""
        resources = [r for unit in units for r in unit.resources]
        entries = [entry(r, "transaction") for r in resources]
        response = self._post(entries, "transaction")
        doubt = doubt or response.doubt
        data = response.json()
        if response.status == 200 and isinstance(data, dict) and data.get("entry"):
            answers = iter(data["entry"])
            missing = {"response": {"status": "0", "outcome": {"issue": [{
                "severity": "error", "diagnostics": "the server's answer has no entry for it"}]}}}
            for unit in units:
                found = [entry_answer(next(answers, missing), self.since)
                         for _ in unit.resources]
                if doubt:
                    found = self._settle(unit.resources, found, f"answer in doubt: {doubt}")
                self._record(unit, found)
            self._case_done(len(units))
            return
        if response.status == 200:  # committed (a transaction is all or nothing), answer unusable
            why = "the server committed the transaction but its answer could not be read"
            for unit in units:
                self._record(unit, self._read_back(unit.resources, why, 200))
            self._case_done(len(units))
            return
        may_have_stored = doubt or (
            f"the server answered {response.status}, perhaps after storing it"
            if response.status >= 500 and response.status not in NOT_CARRIED_OUT else "")
        if len(units) > 1:
            for unit in units:
                self.send_transaction([unit], may_have_stored)
            return
        (unit,) = units
        if response.status == 413:
            text = (f"the server refuses a transaction of {len(entries)} entries as too large "
                    "(413); load with --mode batch and a smaller --batch-size")
            if may_have_stored:
                self._record(unit, self._read_back(unit.resources, may_have_stored, 413,
                                                   [text] * len(unit.resources)))
            else:
                for resource in unit.resources:
                    self._tally(resource, "failed")
                self._fail(unit, None, text)
                self._answered(unit, [Answer("failed", 413, None, text) for _ in unit.resources])
            self._case_done()
            return
        text = self._text(response, data)
        rejected = f"the server rejected the case ({response.status}): {text}"
        if may_have_stored:
            self._record(unit, self._read_back(unit.resources, may_have_stored, response.status,
                                               [rejected] * len(unit.resources)))
            self._case_done()
            return
        for resource in unit.resources:
            self._tally(resource, "failed")
        blamed = blame(unit, data)
        self._fail(unit, blamed, rejected)
        rolled_back = ("not stored: the server rejected the case's transaction"
                       + (f" because of {blamed}" if blamed else f": {text}"))
        self._answered(unit, [
            Answer("failed", response.status, None,
                   text if f"{r['resourceType']}/{r['id']}" == blamed else rolled_back)
            for r in unit.resources])
        self._case_done()

    def _record(self, unit: CaseUnit, answers: list[Answer]) -> None:
        """Tally a case's answers, report its failed and unknown resources, pass it on."""
        for resource, answer in zip(unit.resources, answers, strict=True):
            self._tally(resource, answer.outcome)
        self._report_failures(unit, list(zip(unit.resources, answers, strict=True)))
        self._answered(unit, answers)

    def _report_failures(self, unit: CaseUnit, pairs: list[tuple[Resource, Answer]]) -> None:
        """A problem for each failed or unknown resource of the case; one for the case when
        several failed for the same reason."""
        failed = [(r, a) for r, a in pairs if a.outcome in ("failed", "unknown")]

        def said(answer: Answer) -> str:
            word = ("outcome unknown" if answer.outcome == "unknown" else
                    "not stored" if answer.read_back else f"rejected ({answer.status})")
            return f"{word}: {answer.message}"

        if len(failed) > 1 and len({said(a) for _, a in failed}) == 1:
            self._fail(unit, None, f"{len(failed)} resources {said(failed[0][1])}")
            return
        for resource, answer in failed:
            self._fail(unit, f"{resource['resourceType']}/{resource['id']}", said(answer))

    # ------------------------------------------------------------------ batch
    def send_batch(self, units: list[CaseUnit]) -> None:
        items = [(unit, resource) for unit in units for resource in unit.resources]
        answers: list[Answer] = [NOT_SENT] * len(items)
        self._send_batch_items(list(enumerate(items)), answers)
        start = 0
        for unit in units:
            self._answered(unit, answers[start:start + len(unit.resources)])
            start += len(unit.resources)
        self._case_done(len(units))

    def _send_batch_items(self, items: list[tuple[int, tuple[CaseUnit, Resource]]],
                          answers: list[Answer], doubt: str = "") -> None:
        """Send the items in batches of batch_size, each answer into `answers` (by index).
        `doubt` (and each response's own): why an earlier request may have stored items although
        no answer says so; the answers it could make untrue are then read back."""
        for start in range(0, len(items), self.options.batch_size):
            chunk = items[start:start + self.options.batch_size]
            response = self._post([entry(r, "batch") for _, (_, r) in chunk], "batch")
            chunk_doubt = doubt or response.doubt
            data = response.json()
            if response.status == 413 and len(chunk) > 1:  # over the server's limit: halve
                half = len(chunk) // 2
                self._send_batch_items(chunk[:half], answers, chunk_doubt)
                self._send_batch_items(chunk[half:], answers, chunk_doubt)
                continue
            resources = [resource for _, (_, resource) in chunk]
            replies = data.get("entry") if isinstance(data, dict) else None
            if response.status != 200 or not replies or len(replies) != len(chunk):
                text = self._text(response, data)
                rejected = f"the server rejected the batch ({response.status}): {text}"
                if response.status == 200:
                    chunk_doubt = "the server answered 200 but its answer could not be read"
                elif response.status >= 500 and response.status not in NOT_CARRIED_OUT:
                    chunk_doubt = chunk_doubt or (f"the server answered {response.status}, "
                                                  "perhaps after storing some entries")
                if chunk_doubt:
                    found = self._read_back(resources, chunk_doubt, response.status,
                                            [rejected] * len(chunk))
                else:
                    found = [Answer("failed", response.status, None,
                                    f"the server rejected the batch: {text}") for _ in chunk]
                    for unit in {id(u): u for _, (u, _) in chunk}.values():
                        self._fail(unit, None, rejected)
                self._batch_answers(chunk, found, answers, report_failures=bool(chunk_doubt))
                continue
            found = [entry_answer(reply, self.since) for reply in replies]
            if chunk_doubt:
                found = self._settle(resources, found, f"answer in doubt: {chunk_doubt}")
            self._batch_answers(chunk, found, answers)

    def _batch_answers(self, chunk: list[tuple[int, tuple[CaseUnit, Resource]]],
                       found: list[Answer], answers: list[Answer],
                       report_failures: bool = True) -> None:
        """Record each item's answer: the tally, `answers`, and the problems of each case."""
        by_unit: dict[int, tuple[CaseUnit, list[tuple[Resource, Answer]]]] = {}
        for (index, (unit, resource)), answer in zip(chunk, found, strict=True):
            answers[index] = answer
            self._tally(resource, answer.outcome)
            by_unit.setdefault(id(unit), (unit, []))[1].append((resource, answer))
        if report_failures:
            for unit, pairs in by_unit.values():
                self._report_failures(unit, pairs)

    # ------------------------------------------------------------------ ownership
    def checked(self, units: Iterable[CaseUnit]) -> Iterator[CaseUnit]:
        """The cases that overwrite nothing of another series or of nobody casefhir knows
        (converter/server/ownership.py), checked a window of about OWNER_CHECK_WINDOW resources at a
        time (one request per window: per case, the check cost HAPI about 40 % more CPU per
        resource loaded); the others are reported and not sent."""
        window: list[CaseUnit] = []
        size = 0
        for unit in units:
            window.append(unit)
            size += len(unit.resources)
            if size >= OWNER_CHECK_WINDOW:
                yield from self.without_foreign(window)
                window, size = [], 0
        if window:
            yield from self.without_foreign(window)

    def without_foreign(self, units: list[CaseUnit]) -> list[CaseUnit]:
        """The cases of `units` that overwrite nothing of another series or of nobody
        casefhir knows; the others are reported and not sent."""
        assert self.client is not None
        occupied = foreign_occupants(self.client, [r for u in units for r in u.resources])
        if not occupied:
            return units
        kept = []
        for unit in units:
            keys = [f"{r['resourceType']}/{r['id']}" for r in unit.resources]
            refused = [key for key in keys if key in occupied]
            if not refused:
                kept.append(unit)
                continue
            for key in refused:
                self._fail(unit, key, occupied[key].partition(": ")[2])
            why = f"not sent: the case would overwrite {refused[0]}, which is not of this series"
            for resource in unit.resources:
                self._tally(resource, "failed")
            self._answered(unit, [Answer("failed", None, None,
                                         occupied[key].partition(": ")[2] if key in occupied
                                         else why) for key in keys])
            self._case_done()
        return kept

    # ------------------------------------------------------------------ all
    def run(self, units: Iterable[CaseUnit]) -> None:
        if self.options.dry_run:  # count what would be sent, send nothing
            groups = plan(units, self.options)
            for group in groups:
                entries = sum(len(unit.resources) for unit in group)
                self.report.requests += (1 if self.options.mode == "transaction"
                                         else math.ceil(entries / self.options.batch_size))
                self.report.resources.update(r["resourceType"] for u in group for r in u.resources)
                for unit in group:
                    self._answered(unit, [NOT_SENT] * len(unit.resources))
                self._case_done(len(group))
            return
        send: Callable[[list[CaseUnit]], None] = (
            self.send_transaction if self.options.mode == "transaction" else self.send_batch)
        run_bounded(plan(self.checked(units), self.options), send, self.options.concurrency)


def load_units(units: Iterable[CaseUnit], client: FhirClient | None, options: LoadOptions,
               report: LoadReport, on_case: Callable[[int], None] | None = None,
               on_answers: OnAnswers | None = None) -> LoadReport:
    """Send every unit; the report holds per-type outcomes and every rejection, located.

    `on_answers` hears, for each case once it is done, what the server did with each of its
    resources (from worker threads, in no particular order).

    Raises ServerError when the server cannot be reached after all retries, AccessRefused
    when it refuses the credentials; what was sent until then stays sent (re-running is safe).
    """
    started = time.perf_counter()
    if client is not None and not options.dry_run:
        client.capability()
        report.server = client.base
    report.mode = options.mode
    try:
        Loader(client, options, report, on_case, on_answers).run(units)
    finally:
        report.seconds += time.perf_counter() - started
    return report


__all__ = ["MODES", "NOT_SENT", "OUTCOMES", "Answer", "LoadOptions", "LoadReport", "OnAnswers",
           "ServerError", "load_units"]
