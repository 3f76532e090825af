"""The progress display (converter/progress.py): which display a command gets, the plain lines
and their arithmetic, the bar drawn on a terminal and cleared, the read positions the readers
give; and, through the CLI without a terminal, that progress appears only with --progress and
never on standard output."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import click
import orjson
import pytest

from converter import progress as progress_module
from converter.progress import (
    INTERVAL_ENV,
    Display,
    Progress,
    StatusLine,
    counted,
    display,
    duration,
    plain_line,
    size,
)
from converter.read.rows import ReadPosition, file_position
from converter.read.tables import open_table
from tests.conftest import EXAMPLES, ROOT, csv_text, run


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    """time.monotonic as the test sets it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(progress_module, "monotonic", fake)
    monkeypatch.setattr("tqdm.std.time", fake)  # a bar's times too (its delay, its rate)
    return fake


# ------------------------------------------------------------------ which display
def test_quiet_silences_even_with_progress_and_a_terminal() -> None:
    assert display(True, True, Terminal()).mode == "off"
    assert display(True, False, Terminal()).mode == "off"


def test_a_terminal_gets_a_bar_without_asking() -> None:
    assert display(False, False, Terminal()).mode == "bar"


def test_no_terminal_shows_nothing_unless_progress_is_asked(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.delenv(INTERVAL_ENV, raising=False)
    assert display(False, False, io.StringIO()).mode == "off"
    asked = display(False, True, io.StringIO())
    assert (asked.mode, asked.interval) == ("lines", 10.0)


def test_interval_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "2.5")
    assert display(False, True, io.StringIO()).interval == 2.5
    for bad in ("soon", "0", "-3"):
        monkeypatch.setenv(INTERVAL_ENV, bad)
        with pytest.raises(click.UsageError, match=INTERVAL_ENV):
            display(False, True, io.StringIO())


# ------------------------------------------------------------------ formatting
def test_sizes_and_durations() -> None:
    assert [size(n) for n in (0, 950, 12_345, 4_500_000, 1_200_000_000)] == \
        ["0 B", "950 B", "12.3 kB", "4.5 MB", "1.2 GB"]
    assert [duration(s) for s in (3.4, 59.6, 125, 3780)] == ["3 s", "1 min 0 s", "2 min 5 s",
                                                             "1 h 3 min"]


def test_plain_line_with_a_total_of_counts() -> None:
    assert plain_line("load", 5_000, 20_000, "cases", 4.0) == \
        "load: 5,000 of 20,000 cases (25%), 1,250 cases/s, 12 s left"


def test_plain_line_in_bytes_names_the_count_after_it() -> None:
    assert plain_line("convert", 5_000_000, 20_000_000, "bytes", 4.0, postfix="5,000 cases") \
        == "convert: 5.0 MB of 20.0 MB (25%), 1.2 MB/s, 12 s left; 5,000 cases"


def test_plain_line_without_a_total_has_no_percentage_or_time_left() -> None:
    line = plain_line("flatten", 3_000, None, "resources", 2.0)
    assert line == "flatten: 3,000 resources, 1,500 resources/s"


def test_one_is_singular() -> None:
    assert plain_line("convert", 1, None, "cases", 1.0) == "convert: 1 case, 1 cases/s"
    assert plain_line("convert", 10, 100, "bytes", 1.0, postfix=counted(1, "cases")) == \
        "convert: 10 B of 100 B (10%), 10 B/s, 9 s left; 1 case"


def test_last_line() -> None:
    assert plain_line("load", 20_000, 20_000, "cases", 16.0, finished=True) == \
        "load: done: 20,000 cases in 16 s, 1,250 cases/s"


# ------------------------------------------------------------------ plain lines over time
def test_lines_every_interval_and_one_at_the_end(clock: Clock) -> None:
    out = io.StringIO()
    progress = Progress(Display("lines", 10.0, out), "load", "cases", total=100)
    for count in range(1, 101):
        clock.now += 0.25  # 4 cases a second: a line after 40, 80 cases
        progress(count)
    progress.done()
    progress.done()  # a second done (a finally after a stop) adds nothing
    assert out.getvalue().splitlines() == [
        "load: 40 of 100 cases (40%), 4 cases/s, 15 s left",
        "load: 80 of 100 cases (80%), 4 cases/s, 5 s left",
        "load: done: 100 cases in 25 s, 4 cases/s",
    ]
    assert "\r" not in out.getvalue()


def test_lines_follow_the_read_position_with_the_count_after(clock: Clock) -> None:
    out = io.StringIO()
    read = [0]
    progress = Progress(Display("lines", 1.0, out), "convert", "cases")
    progress.measure(ReadPosition("bytes", 4_000_000, lambda: read[0]))
    clock.now += 2
    read[0] = 1_000_000
    progress(250)
    assert out.getvalue() == "convert: 1.0 MB of 4.0 MB (25%), 500.0 kB/s, 6 s left; 250 cases\n"


def test_off_prints_nothing(clock: Clock) -> None:
    out = io.StringIO()
    progress = Progress(Display("off", 0.001, out), "convert", "cases", total=3)
    for count in (1, 2, 3):
        clock.now += 100
        progress(count)
    progress.done()
    assert out.getvalue() == ""
    assert progress.count == 3  # still counted


def test_counts_from_several_threads_never_go_back(clock: Clock) -> None:
    progress = Progress(Display("off"), "load", "cases")
    progress(7)
    progress(5)  # a thread that finished earlier reports late
    assert progress.count == 7


# ------------------------------------------------------------------ the bar
def test_bar_shows_total_percentage_rate_and_time_left_then_is_cleared(clock: Clock) -> None:
    terminal = Terminal()
    shown = display(False, False, terminal)
    progress = Progress(shown, "load", "cases", total=1_000)
    for count in range(1, 1_001):
        clock.now += 0.01
        progress(count)
        if count == 500:
            drawn = terminal.getvalue()
    progress.done()
    assert re.search(r"load:\s+\d+%\|.*\| 4\d\d/1,000 cases \[[\d.]+ ?cases/s, 00:0\d left\]",
                     drawn), drawn
    assert "\n" not in terminal.getvalue()  # drawn in place, never a new line
    assert terminal.getvalue().endswith("\r")  # the last draw erases the line (leave=False)


def test_bar_in_bytes_without_total_when_the_position_is_unknown(clock: Clock) -> None:
    terminal = Terminal()
    progress = Progress(display(False, False, terminal), "convert", "cases")
    progress.measure(None)  # standard input from a pipe
    for count in range(1, 200):
        clock.now += 0.01
        progress(count)
    progress.done()
    assert re.search(r"convert: \d+ cases \[[\d:]+, [\d.]+ cases/s\]", terminal.getvalue())
    assert "%" not in terminal.getvalue()


def test_status_line_lines_mode_prints_changes_at_most_every_interval(clock: Clock) -> None:
    out = io.StringIO()
    status = StatusLine(Display("lines", 5.0, out), "load")
    clock.now += 6
    status("import step 1 of 3")
    status("import step 1 of 3")  # the same: not again
    clock.now += 1
    status("import step 2 of 3")  # too soon
    clock.now += 1
    status("import step 3 of 3")
    status.done()  # the last one, not yet printed
    assert out.getvalue().splitlines() == ["load: import step 1 of 3", "load: import step 3 of 3"]


def test_status_line_on_a_terminal_is_cleared() -> None:
    terminal = Terminal()
    status = StatusLine(display(False, False, terminal), "load")
    status("import step 1 of 3")
    status.done()
    assert "import step 1 of 3" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r")


# ------------------------------------------------------------------ read positions
def test_file_position_of_a_file_and_of_a_pipe(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1,2\n3,4\n")
    with path.open("rb") as handle:
        position = file_position(handle)
        assert position is not None and (position.unit, position.total) == ("bytes", 12)
        handle.readline()
        assert position.done() == 4
    import os

    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as pipe, os.fdopen(write_end, "wb"):
        assert file_position(pipe) is None


def test_a_csv_table_reports_bytes_read_as_rows_stream(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(csv_text([["case_id", "age"], *[[str(n), "40"] for n in range(1, 2001)]]))
    table = open_table(str(path))
    assert table.position is not None and table.position.total == path.stat().st_size
    rows = iter(table.rows)
    next(rows)
    early = table.position.done()
    assert 0 < early < table.position.total
    for _ in rows:
        pass
    assert table.position.done() == table.position.total


def test_a_json_table_reports_records(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_bytes(orjson.dumps([{"case_id": str(n)} for n in range(5)]))
    table = open_table(str(path))
    assert table.position is not None and (table.position.unit, table.position.total) == \
        ("records", 5)
    next(iter(table.rows))
    next(iter(table.rows))
    assert table.position.done() == 2


def test_an_xlsx_table_reports_unpacked_bytes_of_the_sheet(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "cases.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["case_id", "age"])
    for n in range(1, 3001):
        sheet.append([str(n), "40"])
    book.save(path)
    table = open_table(str(path))
    assert table.position is not None and table.position.total > 0
    for _ in table.rows:
        pass
    assert table.position.done() == table.position.total


def test_only_the_progress_module_imports_tqdm() -> None:
    importers = []
    for package in ("converter", "mappings"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(name.split(".")[0] == "tqdm" for name in names):
                    importers.append(path.relative_to(ROOT).as_posix())
    assert importers == ["converter/progress.py"]


# ------------------------------------------------------------------ through the CLI, no terminal
CASES = EXAMPLES / "published-molecular" / "cases.csv"


def _convert(tmp_path: Path, *extra: str) -> tuple[str, str]:
    result = run("convert", CASES, "--series-id", "s1", "--workers", "1", "-o", "-", *extra)
    assert result.exit_code == 0, result.stderr
    return result.stdout, result.stderr


def test_without_a_terminal_and_without_progress_nothing_of_it_is_printed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "0.000001")
    stdout, stderr = _convert(tmp_path)
    assert "convert:" not in stderr and "%" not in stderr
    assert orjson.loads(stdout)["resourceType"] == "Bundle"


def test_with_progress_plain_lines_on_stderr_only(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "0.000001")
    stdout, stderr = _convert(tmp_path, "--progress")
    lines = [line for line in stderr.splitlines() if line.startswith("convert: ")]
    assert re.fullmatch(r"convert: [\d.]+ k?B of [\d.]+ kB \(\d+%\), .*/s, \d+ s left; \d+ cases?",
                        lines[0]), lines
    assert re.fullmatch(r"convert: done: [\d.]+ kB in \d+ s, .*; 16 cases", lines[-1]), lines
    assert stderr.index(lines[-1]) < stderr.index("cases: 16 read")  # before the summary
    assert "\r" not in stderr
    assert orjson.loads(stdout)["resourceType"] == "Bundle"  # stdout: the bundle alone


def test_quiet_wins_over_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "0.000001")
    _, stderr = _convert(tmp_path, "--progress", "-q")
    assert "convert:" not in stderr


def test_a_bad_interval_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "often")
    result = run("convert", CASES, "--series-id", "s1", "-o", "-", "--progress")
    assert result.exit_code == 2
    assert INTERVAL_ENV in result.stderr


def test_flatten_progress_counts_resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "0.000001")
    bundle = EXAMPLES / "published-molecular" / "bundle.json"
    result = run("flatten", bundle, "-o", tmp_path / "cases.csv", "--progress")
    assert result.exit_code == 0, result.stderr
    total = len(orjson.loads(bundle.read_bytes())["entry"])
    assert re.search(rf"^flatten: done: {total:,} resources in \d+ s", result.stderr, re.M), \
        result.stderr


def test_load_dry_run_shows_the_conversion_then_the_cases_against_their_total(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "0.000001")  # --dry-run: no server is asked
    result = run("load", CASES, "--series-id", "s1", "--dry-run", "--progress", "--workers", "1")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert any(re.fullmatch(r"convert: done: [\d.]+ kB in \d+ s, .*; 16 cases", line)
               for line in lines), lines
    assert re.search(r"^load: \d+ of 16 cases \(\d+%\), [\d,]+ cases/s, \d+ s left$",
                     result.stderr, re.M), result.stderr
    assert re.search(r"^load: done: 16 cases in \d+ s", result.stderr, re.M)


class _Answer:
    status, doubt, body = 200, False, b"{}"

    def json(self) -> dict[str, str]:
        return {"resourceType": "Bundle"}


class _DeletingClient:
    """Answers every DELETE transaction 200, as a server that deleted them."""

    class config:  # stands for a ServerConfig
        retry_statuses = frozenset({500})

    def request(self, method: str, path: str, body: object, **_: object) -> _Answer:
        return _Answer()


def test_prune_reports_the_deleted_resources_against_the_plan() -> None:
    from converter.server.prune import PruneGroup, PrunePlan, execute

    groups = [PruneGroup(str(n), [{"resourceType": "Observation", "id": f"o{n}.{i}"}
                                  for i in range(n)], False) for n in (1, 2, 3)]
    plan = PrunePlan("s1", 10, groups)
    seen: list[int] = []
    result = execute(_DeletingClient(), plan, 2, seen.append)  # type: ignore[arg-type]
    assert sorted(seen) == seen and seen[-1] == plan.total == 6
    assert sum(result.deleted.values()) == 6


def test_a_stopping_message_finds_the_bar_cleared(clock: Clock) -> None:
    from converter.progress import clear_bars

    terminal = Terminal()
    progress = Progress(display(False, False, terminal), "convert", "cases", total=100)
    for count in range(1, 50):
        clock.now += 0.2
        progress(count)
    assert "%|" in terminal.getvalue()
    clear_bars()  # what cli._fail does before an error or a signal's message
    cleared = terminal.getvalue()
    assert cleared.endswith("\r")
    progress.done()  # the finally after it draws nothing more
    assert terminal.getvalue() == cleared


def test_validate_files_counts_the_resources_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "0.000001")
    bundle = EXAMPLES / "published-molecular" / "bundle.json"
    result = run("validate", bundle, "--progress")
    assert result.exit_code == 0, result.stderr
    total = len(orjson.loads(bundle.read_bytes())["entry"])
    assert re.search(rf"^validate: done: {total:,} resources in \d+ s", result.stderr, re.M)
    assert re.search(r"^validate: 2 resources, [\d,]+ resources/s$", result.stderr, re.M)


def test_a_total_known_later_is_used_from_then_on(clock: Clock) -> None:
    out = io.StringIO()
    progress = Progress(Display("lines", 1.0, out), "install-profiles", "resources")
    progress.set_total(40)  # install-profiles: once its sources are read
    clock.now += 2
    progress(10)
    assert out.getvalue() == "install-profiles: 10 of 40 resources (25%), 5 resources/s, 6 s left\n"


def test_a_stop_ends_plain_lines_without_a_done_line(clock: Clock) -> None:
    from converter.progress import clear_bars

    out = io.StringIO()
    progress = Progress(Display("lines", 1.0, out), "convert", "cases")
    clock.now += 2
    progress(5)
    clear_bars()  # an error's message comes next: no "done:" may precede or follow it
    progress.done()
    progress(6)
    assert out.getvalue() == "convert: 5 cases, 2 cases/s\n"
