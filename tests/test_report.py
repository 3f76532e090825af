"""The run report: problems kept in bounded memory, all of them in `--report FILE`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson

from converter.problems import Location, Problem, Severity
from converter.report import MAX_PRINTED_PROBLEMS, Report


def warning(n: int) -> Problem:
    return Problem(Severity.WARNING, f"unknown drug {n}", Location("t.csv", n + 2, "treatment"))


def test_warnings_are_counted_and_spilled_not_held(tmp_path: Path) -> None:
    report = Report("convert")
    report.problems.extend(warning(n) for n in range(5000))
    report.problems.append(Problem(Severity.ERROR, "bad age", Location("t.csv", 9, "age")))
    report.problems += [warning(5000)]
    assert report.warning_count == 5001 and len(report.errors) == 1 and len(report.problems) == 5002
    assert len(report.warnings) == MAX_PRINTED_PROBLEMS  # only the first are kept in memory
    lines = report.render_problems()
    assert lines[0] == "error: t.csv, row 9, column age: bad age" and lines[-1].startswith("... and 4,952")
    out = tmp_path / "report.json"
    report.write(str(out))
    data = orjson.loads(out.read_bytes())
    assert data["warnings"] == 5001 and data["errors"] == 1
    messages = [p["message"] for p in data["problems"]]
    assert messages[:2] == ["unknown drug 0", "unknown drug 1"]
    assert messages[5000] == "bad age" and messages[-1] == "unknown drug 5000"
    assert data == {**report.to_json(), "problems": data["problems"]}


def test_a_report_without_problems_is_valid_json(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    Report("convert").write(str(out))
    assert orjson.loads(out.read_bytes())["problems"] == []


def test_counts_take_the_number_of_their_noun() -> None:
    report = Report("convert", cases_read=1, cases_written=1, resources=Counter({"Patient": 1}),
                    written=True, outputs=["out.json"])
    report.problems.append(warning(1))
    summary = report.render_summary()
    assert "problems: 0 errors, 1 warning\n" in summary and "resources: 1 (Patient 1)" in summary
    report.problems.append(Problem(Severity.ERROR, "bad age", Location("t.csv", 9, "age")))
    report.problems.append(warning(2))
    assert "problems: 1 error, 2 warnings" in report.render_summary()


def test_a_failed_conversion_reports_no_resources_as_if_written() -> None:
    report = Report("convert", cases_read=6, cases_written=5, resources=Counter({"Patient": 5}))
    report.problems.append(Problem(Severity.ERROR, "bad age", Location("t.csv", 9, "age")))
    summary = report.render_summary()
    assert "resources:" not in summary
    assert "written: nothing (fix the errors above, or pass --skip-invalid)" in summary
