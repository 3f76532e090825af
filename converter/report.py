"""What a run did: counts, problems and outputs, for the stderr summary and `--report FILE`."""

from __future__ import annotations

import pickle
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from converter.credentials import redact, redact_json
from converter.output.atomic import AtomicFile
from converter.output.diskerrors import spooling
from converter.problems import Problem, Severity, counted
from converter.signals import critical

MAX_PRINTED_PROBLEMS = 50


class ProblemLog:
    """A run's problems, in the order found, in memory that does not grow with warnings: a
    large table can warn on every row (an unknown drug name...). Errors are kept (they stop the
    run or reject their rows), and so are the first MAX_PRINTED_PROBLEMS warnings, for the
    terminal; every problem also goes to a temporary file that `--report` reads back."""

    WHAT = "the list of problems"  # for a message about a full temporary folder

    def __init__(self, problems: Iterable[Problem] = ()) -> None:
        self.errors: list[Problem] = []
        self.first_warnings: list[Problem] = []
        self.warning_count = 0
        with spooling(self.WHAT):  # unnamed: nothing is left behind however the run ends
            self._spill = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the log
        self.extend(problems)

    def append(self, problem: Problem) -> None:
        if problem.severity is Severity.ERROR:
            self.errors.append(problem)
        else:
            self.warning_count += 1
            if len(self.first_warnings) < MAX_PRINTED_PROBLEMS:
                self.first_warnings.append(problem)
        with spooling(self.WHAT):
            pickle.dump(problem, self._spill)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    def __iadd__(self, problems: Iterable[Problem]) -> ProblemLog:
        self.extend(problems)
        return self

    def __len__(self) -> int:
        return len(self.errors) + self.warning_count

    def __iter__(self) -> Iterator[Problem]:
        """Every problem, in the order found (read back from the file)."""
        with spooling(self.WHAT):
            self._spill.flush()
        self._spill.seek(0)
        try:
            while True:
                try:
                    yield pickle.load(self._spill)
                except EOFError:
                    return
        finally:
            self._spill.seek(0, 2)

    def as_json(self) -> Iterator[dict[str, Any]]:
        return (problem.to_json() for problem in self)


@dataclass
class Report:
    command: str
    inputs: list[str] = field(default_factory=list)
    series: str | None = None
    cases_read: int = 0
    cases_written: int = 0
    cases_rejected: int = 0
    resources: Counter[str] = field(default_factory=Counter)
    problems: ProblemLog = field(default_factory=ProblemLog)
    outputs: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    written: bool = False
    seconds: float = 0.0
    coverage: list[dict[str, Any]] | None = None  # per source column (converter/coverage.py)
    saved: bool = field(default=False, init=False, repr=False, compare=False)  # --report written
    _problems_streamed: bool = field(default=False, init=False, repr=False, compare=False)

    @property
    def errors(self) -> list[Problem]:
        return self.problems.errors

    @property
    def warnings(self) -> list[Problem]:
        """The first MAX_PRINTED_PROBLEMS warnings (`warning_count` says how many there were)."""
        return self.problems.first_warnings

    @property
    def warning_count(self) -> int:
        return self.problems.warning_count

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "inputs": self.inputs,
            "series": self.series,
            "cases": {"read": self.cases_read, "written": self.cases_written,
                      "rejected": self.cases_rejected},
            "resources": dict(sorted(self.resources.items())),
            "resources_total": sum(self.resources.values()),
            "errors": len(self.errors),
            "warnings": self.warning_count,
            "written": self.written,
            "outputs": self.outputs,
            "rejects_file": self.rejects_file,
            **({} if self.coverage is None else {"coverage": self.coverage}),
            "problems": [] if self._problems_streamed else list(self.problems.as_json()),
        }

    def write(self, path: str) -> None:
        """`--report FILE`: to_json() as JSON, atomically, with the problems (last) streamed
        from the problem log rather than held in memory; every string redacted
        (converter/credentials.py)."""
        out = self.stage(path)
        try:
            with critical():
                out.publish()
        except BaseException:
            out.abort()
            raise
        self.saved = True

    def stage(self, path: str) -> Any:
        """The report written beside `path`, not yet in place: an AtomicFile to publish() (with
        the outputs it describes) or abort()."""
        self._problems_streamed = True
        try:
            data = redact_json(self.to_json())
        finally:
            self._problems_streamed = False
        data.pop("problems", None)
        head = orjson.dumps(data, option=orjson.OPT_INDENT_2).rstrip()
        out = AtomicFile(path)
        try:
            out.write(head[:-1].rstrip() + b',\n  "problems": [')
            separator = b"\n    "
            for problem in self.problems.as_json():
                out.write(separator + orjson.dumps(redact_json(problem)))
                separator = b",\n    "
            out.write(b"\n  ]\n}\n" if separator == b",\n    " else b"]\n}\n")
            out.finish()
        except BaseException:
            out.abort()
            raise
        return out

    def render_problems(self, limit: int = MAX_PRINTED_PROBLEMS) -> list[str]:
        ordered = self.errors + self.warnings
        lines = [redact(p.render()) for p in ordered[:limit]]
        total = len(self.errors) + self.warning_count
        if total > limit:
            lines.append(f"... and {total - limit:,} more (write them all with --report FILE)")
        return lines

    def problem_counts(self) -> str:
        return f"problems: {counted(len(self.errors), 'error')}, " \
               f"{counted(self.warning_count, 'warning')}"

    def render_summary(self) -> str:
        total = sum(self.resources.values())
        by_type = ", ".join(f"{kind} {n:,}" for kind, n in sorted(self.resources.items()))
        lines = []
        if self.command == "convert":
            lines.append(f"cases: {self.cases_read:,} read, {self.cases_written:,} converted, "
                         f"{self.cases_rejected:,} rejected")
        if self.written or self.command != "convert":
            lines.append(f"resources: {total:,}" + (f" ({by_type})" if by_type else ""))
        lines.append(self.problem_counts())
        if self.written and self.outputs:
            lines.append("written: " + ", ".join(self.outputs))
        elif self.command == "convert":
            lines.append("written: nothing (fix the errors above, or pass --skip-invalid)")
        if self.rejects_file:
            lines.append(f"rejected rows: {self.rejects_file}")
        lines.append(f"time: {self.seconds:.2f} s")
        return "\n".join(lines)


OUTCOMES = ("created", "updated", "unchanged", "failed", "unknown")
# unknown: the answer was lost and reading the resource back failed too (converter/server/readback.py)


@dataclass
class ServerReport(Report):
    """A run that writes to a FHIR server: what the server did with each resource, by type."""

    server: str | None = None
    outcomes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def failed(self) -> int:
        return sum(c["failed"] for c in self.outcomes.values())

    @property
    def unknown(self) -> int:
        return sum(c["unknown"] for c in self.outcomes.values())

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data.update({"server": self.server,
                     "outcomes": {kind: {o: counts[o] for o in OUTCOMES}
                                  for kind, counts in sorted(self.outcomes.items())}})
        return data

    def outcome_table(self) -> list[str]:
        """One line per resource type; the unknown column only when some outcome is unknown."""
        shown = OUTCOMES if self.unknown else OUTCOMES[:-1]
        width = max([len("resource"), *(len(k) for k in self.outcomes)])
        lines = [f"{'resource'.ljust(width)}  " + "  ".join(o.rjust(9) for o in shown)]
        totals: Counter[str] = Counter()
        for kind, counts in sorted(self.outcomes.items()):
            totals.update(counts)
            lines.append(f"{kind.ljust(width)}  " + "  ".join(f"{counts[o]:9d}" for o in shown))
        lines.append(f"{'total'.ljust(width)}  " + "  ".join(f"{totals[o]:9d}" for o in shown))
        return lines
