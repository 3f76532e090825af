"""A title row above the header and footnotes below the cases, as papers' tables have them:
read with a warning each, never as a header or a case."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import bundle_resources, run


def test_a_title_row_and_footnotes(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Table 1. Clinicopathological features of three cases,,\n"
                     "Case,Age,Sex\n1,22,F\n2,9,M\n"
                     '"Abbreviations: F, female; M, male",,\n* one case lost to follow-up,,\n')
    out = tmp_path / "out.json"
    result = run("convert", table, "--series-id", "t", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "t.csv, row 1: 'Table 1. Clinicopathological" in result.stderr
    assert "read as the table's title; the header is row 2" in result.stderr
    assert "t.csv, row 5: 'Abbreviations: F, female; M, male' is read as a footnote" in result.stderr
    assert "t.csv, row 6" in result.stderr
    patients = [r for r in bundle_resources(out) if r["resourceType"] == "Patient"]
    assert len(patients) == 2


def test_a_case_with_only_its_id_is_not_a_footnote(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Case,Age,Sex\n1,22,F\n2,,\n")
    out = tmp_path / "out.json"
    result = run("convert", table, "--series-id", "t", "-o", out)
    assert result.exit_code == 0 and "footnote" not in result.stderr
    assert sum(r["resourceType"] == "Patient" for r in bundle_resources(out)) == 2
