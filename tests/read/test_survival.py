"""Time columns honour their unit, "36+" is censored, survival status columns say only what they
state, and ages as case reports write them never reject a row (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

from converter.read.values.survival import parse_event_status
from tests.conftest import build, bundle_resources, run


def one(cells: dict[str, str]) -> object:
    record, problems = build({"Case": "1", **cells})
    assert record is not None, [p.render() for p in problems]
    return record


def test_a_days_header_is_read_in_days_never_as_months() -> None:
    assert one({"Follow-up (days)": "945"}).follow_up_months == 31.05  # type: ignore[attr-defined]
    assert one({"days_to_last_followup": "945"}).follow_up_months == 31.05  # type: ignore[attr-defined]
    assert one({"Follow-up": "945 days"}).follow_up_months == 31.05  # type: ignore[attr-defined]
    assert one({"FU (y)": "3"}).follow_up_months == 36  # type: ignore[attr-defined]


def test_an_unknown_unit_is_an_error_never_a_guess() -> None:
    record, problems = build({"Case": "1", "Follow-up": "3 fortnights"})
    assert record is None
    assert any(p.severity.name == "ERROR" for p in problems)


def test_the_columns_file_gives_a_unit(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Case,FU\n1,945\n")
    columns = tmp_path / "columns.json"
    columns.write_text(json.dumps({"FU": {"column": "follow_up_months", "unit": "days"}}))
    out = tmp_path / "out.json"
    result = run("convert", table, "--series-id", "s", "--columns", columns, "-o", out)
    assert result.exit_code == 0, result.stderr
    last = next(r for r in bundle_resources(out) if r["id"].endswith("last-follow-up"))
    assert "31.05 months" in json.dumps(last)


def test_a_censored_follow_up_survives_the_round_trip(tmp_path: Path) -> None:
    record = one({"Follow-up (months)": "60+", "Status": "NED"})
    assert record.follow_up_months == 60 and record.follow_up_censored  # type: ignore[attr-defined]
    table = tmp_path / "t.csv"
    table.write_text("Case,Follow-up (months),Status\n1,60+,NED\n")
    out, again = tmp_path / "out.json", tmp_path / "again.csv"
    assert run("convert", table, "--series-id", "s", "-o", out).exit_code == 0
    assert run("flatten", out, "-o", again).exit_code == 0
    assert "60+" in again.read_text()


def test_survival_status_says_only_what_it_states() -> None:
    assert one({"OS_STATUS": "1:DECEASED", "OS_MONTHS": "12"}).status is not None  # type: ignore[attr-defined]
    record, problems = build({"Case": "1", "OS status": "1"})
    assert record is None  # a bare 1 under "OS status": which value is death is not said
    assert any("--columns" in p.message for p in problems)


def test_a_stated_recurrence_is_a_recurrence_not_a_follow_up() -> None:
    record = one({"Outcome": "Recurred 8 months after complete excision"})
    assert record.recurrence is not None and record.recurrence.months == 8  # type: ignore[attr-defined]
    assert record.follow_up_months is None  # type: ignore[attr-defined]


def test_ages_as_case_reports_write_them_never_reject_the_row() -> None:
    for words in ("newborn", "in utero", "antenatally", "infant", "born at term"):
        record, problems = build({"Case": "1", "Age": words})
        assert record is not None, (words, [p.render() for p in problems])
    assert one({"Age": "newborn"}).age is not None  # type: ignore[attr-defined]
    assert one({"Age": "in utero"}).age_text == "in utero"  # type: ignore[attr-defined]


def test_a_status_with_a_note_keeps_it_in_its_text() -> None:
    from converter.read.schema import Term
    from converter.read.values.survival import parse_event_status, parse_os_status

    warnings: list[str] = []
    assert parse_os_status("dead (DOD)", None, warnings.append) == Term("dead (DOD)", "dead")
    assert parse_os_status("1 (died)", "1=event", warnings.append) == Term("dead (died)", "dead")
    assert parse_event_status("recurred (local)", None, warnings.append) == \
        (True, "recurred (local)")
    assert warnings == []


def test_the_columns_file_gives_a_time_its_origin(tmp_path: Path) -> None:
    """An OS time counted from study entry is written "after study entry" (no resource records
    the entry, so no relative time points at one); a cell's own origin wins over the column's."""
    table = tmp_path / "t.csv"
    table.write_text("Case,time,Status,RFS,RFS event\n1,300,dead,10 from remission,1\n"
                     "2,400,alive,12,0\n")
    columns = tmp_path / "columns.json"
    columns.write_text(json.dumps({
        "time": {"column": "os_months", "unit": "days", "from": "study entry"},
        "RFS": {"column": "dfs_months", "from": "randomisation"}}))
    out = tmp_path / "out.json"
    result = run("convert", table, "--series-id", "s", "--columns", columns, "-o", out)
    assert result.exit_code == 0, result.stderr
    found = {r["id"]: r for r in bundle_resources(out)}
    last = found["s.1.last-follow-up"]
    # no resource records the study entry: the date is unknown, the note says the time
    assert last["_effectiveDateTime"] == {"extension": [{
        "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]}
    assert last["note"][0]["text"] == "Last follow-up 9.86 months after study entry"
    assert found["s.2.last-follow-up"]["note"][0]["text"].startswith(
        "Last follow-up 13.14+ months after study entry")
    dfs = [found["s.1.dfs"]["note"][1]["text"], found["s.2.dfs"]["note"][1]["text"]]
    assert dfs == ["Disease-free survival time: 10 months after remission",
                   "Disease-free survival time: 12 months after randomisation"]
    assert '"abatement"' in json.dumps(found["s.1.dfs"])


def test_an_os_time_with_its_origin_is_kept_beside_a_surgery(tmp_path: Path) -> None:
    record = one({"OS_MONTHS": "24 mo from diagnosis", "OS_STATUS": "0:LIVING",
                  "Surgery": "wide excision"})
    assert (record.follow_up_months, record.follow_up_origin) == (24, "diagnosis")  # type: ignore[attr-defined]
    record, problems = build({"Case": "1", "OS_MONTHS": "24", "Surgery": "wide excision"})
    assert record.follow_up_months is None and any("--columns" in p.message for p in problems)


def test_a_bare_event_indicator_is_kept_as_the_words_it_means() -> None:
    """GBSG2's `cens` 1 (unit 1=event) is "event", 0 "censored": words that read back alone."""
    warnings: list[str] = []
    assert parse_event_status("1", "1=event", warnings.append) == (True, "event")
    assert parse_event_status("0", "1=event", warnings.append) == (False, "censored")
    assert parse_event_status("1", "0=event", warnings.append) == (False, "censored")
    assert parse_event_status("event", None, warnings.append) == (True, "event")
    assert parse_event_status("censored", None, warnings.append) == (False, "censored")
    assert warnings == []
    record = one({"DFS event": "1", "DFS months": "14"})
    assert (record.dfs.occurred, record.dfs.text) == (True, "event")  # type: ignore[attr-defined]
