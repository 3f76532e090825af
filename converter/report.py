"""What a run did: counts, problems and outputs, for the stderr summary and `--report FILE`."""

from __future__ import annotations

from collections import Counter
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
