"""What a run did: counts, problems and outputs, for the stderr summary and `--report FILE`."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from converter.problems import Problem, Severity

MAX_PRINTED_PROBLEMS = 50


@dataclass
class Report:
    command: str
    inputs: list[str] = field(default_factory=list)
    series: str | None = None
    cases_read: int = 0
    cases_written: int = 0
    cases_rejected: int = 0
    resources: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    written: bool = False
    seconds: float = 0.0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

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
            "warnings": len(self.warnings),
            "written": self.written,
            "outputs": self.outputs,
            "rejects_file": self.rejects_file,
            "problems": [p.to_json() for p in self.problems],
        }

    def render_problems(self, limit: int = MAX_PRINTED_PROBLEMS) -> list[str]:
        ordered = self.errors + self.warnings
        lines = [p.render() for p in ordered[:limit]]
        if len(ordered) > limit:
            lines.append(f"... and {len(ordered) - limit} more (write them all with --report FILE)")
        return lines

    def render_summary(self) -> str:
        total = sum(self.resources.values())
        by_type = ", ".join(f"{kind} {n}" for kind, n in sorted(self.resources.items()))
        lines = []
        if self.command == "convert":
            lines.append(f"cases: {self.cases_read} read, {self.cases_written} converted, "
                         f"{self.cases_rejected} rejected")
        lines.append(f"resources: {total}" + (f" ({by_type})" if by_type else ""))
        lines.append(f"problems: {len(self.errors)} errors, {len(self.warnings)} warnings")
        if self.written and self.outputs:
            lines.append("written: " + ", ".join(self.outputs))
        elif self.command == "convert":
            lines.append("written: nothing (fix the errors above, or pass --skip-invalid)")
        if self.rejects_file:
            lines.append(f"rejected rows: {self.rejects_file}")
        lines.append(f"time: {self.seconds:.2f} s")
        return "\n".join(lines)


OUTCOMES = ("created", "updated", "unchanged", "failed")


@dataclass
class ServerReport(Report):
    """A run that writes to a FHIR server: what the server did with each resource, by type."""

    server: str | None = None
    outcomes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def failed(self) -> int:
        return sum(c["failed"] for c in self.outcomes.values())

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data.update({"server": self.server,
                     "outcomes": {kind: {o: counts[o] for o in OUTCOMES}
                                  for kind, counts in sorted(self.outcomes.items())}})
        return data

    def outcome_table(self) -> list[str]:
        width = max([len("resource"), *(len(k) for k in self.outcomes)])
        lines = [f"{'resource'.ljust(width)}  " + "  ".join(o.rjust(9) for o in OUTCOMES)]
        totals: Counter[str] = Counter()
        for kind, counts in sorted(self.outcomes.items()):
            totals.update(counts)
            lines.append(f"{kind.ljust(width)}  " + "  ".join(f"{counts[o]:9d}" for o in OUTCOMES))
        lines.append(f"{'total'.ljust(width)}  " + "  ".join(f"{totals[o]:9d}" for o in OUTCOMES))
        return lines
