"""`casefhir flatten`: table → FHIR → table reproduces every mapped value (the examples and
random records), the second conversion gives the same FHIR, and written tables are safe."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import EXAMPLES, ROOT, bundle_resources, run

EXAMPLE_LIST = tomllib.loads((EXAMPLES / "examples.toml").read_text())


def without_provenance(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Provenance names the file and row hash, which a re-written table changes."""
    return [r for r in resources if r["resourceType"] != "Provenance"]


@pytest.mark.parametrize("name", sorted(EXAMPLE_LIST))
@pytest.mark.parametrize("table_format", ["csv", "xlsx", "json"])
def test_example_round_trip_gives_the_same_fhir(name: str, table_format: str,
                                                tmp_path: Path) -> None:
    example = EXAMPLE_LIST[name]
    original = EXAMPLES / example["output"]
    table = tmp_path / f"cases.{table_format}"
    result = run("flatten", original, "-o", table)
    assert result.exit_code == 0, result.stderr
    again = tmp_path / "again.json"
    result = run("convert", table, *example["args"], "-o", again)
    assert result.exit_code == 0, result.stderr
    assert without_provenance(bundle_resources(again)) == \
        without_provenance(bundle_resources(original))


CORPUS = ROOT / "tests" / "corpus"
CORPUS_LIST = tomllib.loads((CORPUS / "corpus.toml").read_text())


def canonical_args(args: list[str]) -> list[str]:
    """A corpus table's convert arguments for its flattened table: the column map and the
    delimiter were the source's (the flattened table has the dictionary's headers, commas)."""
    kept, skip = [], False
    for arg in args:
        if skip or arg in ("--columns", "--delimiter"):
            skip = not skip
            continue
        kept.append(arg)
    return kept


@pytest.mark.parametrize("name", sorted(CORPUS_LIST))
@pytest.mark.parametrize("table_format", ["csv", "xlsx", "json"])
def test_corpus_round_trip_gives_the_same_fhir(name: str, table_format: str,
                                               tmp_path: Path) -> None:
    """Published tables read through codebooks, units and origins: the flattened table says
    them in its cells ("event", "8.05 from remission") and header ("size (mm)")."""
    original = CORPUS / CORPUS_LIST[name]["output"]
    table = tmp_path / f"cases.{table_format}"
    result = run("flatten", original, "-o", table)
    assert result.exit_code == 0, result.stderr
    again = tmp_path / "again.json"
    result = run("convert", table, *canonical_args(CORPUS_LIST[name]["args"]), "-o", again)
    assert result.exit_code == 0, result.stderr
    assert without_provenance(bundle_resources(again)) == \
        without_provenance(bundle_resources(original))


def test_a_bare_size_and_a_coded_status_are_written_so_that_they_read_back(
        tmp_path: Path) -> None:
    table = tmp_path / "gbsg2.csv"
    assert run("flatten", CORPUS / "gbsg2" / "bundle.json", "-o", table).exit_code == 0
    with table.open(newline="") as file:
        [first, *_] = list(csv.DictReader(file))
    assert (first["size (mm)"], first["dfs_status"]) == ("21", "event")
    assert first["dfs_months"] == "59.6 from an origin not reported"
    assert "size" not in first


def test_flatten_keeps_table_order_and_values(tmp_path: Path) -> None:
    table = tmp_path / "cases.csv"
    run("flatten", EXAMPLES / "messy-synthetic" / "bundle.json", "-o", table)
    lines = table.read_text().splitlines()
    original = (EXAMPLES / "messy-synthetic" / "cases.csv").read_text().splitlines()
    assert len(lines) == len(original)
    assert [line.split(",")[0] for line in lines[1:]] == [f"S{i}" for i in range(1, len(lines))]


# ------------------------------------------------------------------ random records
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from converter.tables.flatten import flatten  # noqa: E402
from mappings.case import map_record  # noqa: E402
from tests.conftest import build  # noqa: E402
from tests.test_properties import free_text, optional, words  # noqa: E402
from tests.test_properties import rows as table_rows  # noqa: E402

more_columns: dict[str, st.SearchStrategy[str]] = {
    "laterality": words("laterality"), "depth": words("depth"),
    "recurrence_months": st.integers(0, 240).map(str),
    "metastasis_months": st.one_of(st.integers(0, 240).map(str), st.just("1.5 years")),
    "site": st.one_of(optional["site"], words("region"), free_text),
    "stage": st.one_of(
        st.lists(st.sampled_from(["Stage III", "IIIA", "stage IV", "pT2N0M0", "T2bN1M0",
                                  "cT3 N1 M0", "ypT2N0", "pT1a pN0 cM0", "rpTis", "pN1mi",
                                  "FIGO IIIC", "AJCC", "Inoperable",
                                  "locally advanced", "Stage III/IV", "bulky"]),
                 min_size=1, max_size=3).map(", ".join),
        free_text),
    "grade": st.one_of(st.sampled_from(["FNCLCC 2", "grade 3", "G2", "low grade",
                                        "high grade", "Grade II"]), free_text),
    # other columns papers print (issue 13)
    "smoking": st.one_of(st.sampled_from(["never", "former, 30 pack-years", "current (40 PY)",
                                          "yes", "non-smoker", "12.5 pack-years"]), free_text),
    "ecog": st.integers(0, 5).map(str),
    "karnofsky": st.integers(0, 10).map(lambda n: f"KPS {10 * n}"),
    "ki67": st.one_of(st.sampled_from(["15%", "<5%", "~30%", "high", "10-20%", "MIB-1 2%"]),
                      st.integers(0, 100).map(str)),
    "mitotic_count": st.sampled_from(["5/10 HPF", "3 per 10 HPF", "<1/10HPF", "12/50 HPF",
                                      "5 per 2 mm2", "8 mitoses/10 HPF", "7"]),
    "reference": st.one_of(st.sampled_from(["Smith et al. (2019)", "PMID: 31234567",
                                            "doi:10.1000/xyz", "https://x.org/a"]), free_text),
}


@st.composite
def wide_rows(draw: Any) -> dict[str, str]:
    row = draw(table_rows())
    for column in draw(st.lists(st.sampled_from(sorted(more_columns)), unique=True)):
        row[column] = draw(more_columns[column])
    return row


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_rows())
def test_random_records_survive_the_round_trip(row: dict[str, str]) -> None:
    record, problems = build(row)
    if record is None:  # a combination the builder refuses is not a round-trip question
        return
    made = map_record(record)
    [flat] = flatten(made).rows
    again, problems = build(flat)
    assert again is not None, [p.render() for p in problems]
    assert without_provenance(map_record(again)) == without_provenance(made), flat


def test_risky_cells_are_safe_in_csv_and_xlsx_and_come_back_unchanged(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    source = tmp_path / "in.csv"
    source.write_text("case_id,notes,mri_fat_infiltration\n"
                      '1,"=HYPERLINK(""http://x"",""y"")",-\n2,@SUM(A1),+\n3,-2+3,no\n')
    bundle = tmp_path / "b.json"
    assert run("convert", source, "--series-id", "s", "-o", bundle).exit_code == 0
    table = tmp_path / "t.csv"
    assert run("flatten", bundle, "-o", table).exit_code == 0
    lines = table.read_text().splitlines()
    assert lines[1] == '1,-,"\'=HYPERLINK(""http://x"",""y"")"'
    assert lines[2] == "2,+,'@SUM(A1)" and lines[3] == "3,no,'-2+3"
    sheet = tmp_path / "t.xlsx"
    assert run("flatten", bundle, "-o", sheet).exit_code == 0
    cells = [c for row in load_workbook(sheet)["cases"].iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert [c.value for c in cells][:3] == ["1", "-", '=HYPERLINK("http://x","y")']
    for written in (table, sheet):
        again = tmp_path / f"again-{written.suffix[1:]}.json"
        assert run("convert", written, "--series-id", "s", "-o", again).exit_code == 0
        assert without_provenance(bundle_resources(again)) == \
            without_provenance(bundle_resources(bundle))


def test_a_series_on_a_server_flattens_to_the_same_table(hapi: Any, tmp_path: Path) -> None:
    bundle = tmp_path / "b.json"
    assert run("convert", EXAMPLES / "messy-synthetic" / "cases.csv", "--series-id",
               "flatten-server", "-o", bundle).exit_code == 0
    loaded = run("load", bundle, "--server", hapi.base, "-q")
    assert loaded.exit_code == 0, loaded.stderr
    from_files, from_server = tmp_path / "files.csv", tmp_path / "server.csv"
    assert run("flatten", bundle, "-o", from_files).exit_code == 0
    result = run("flatten", "--server", hapi.base, "--series-id", "flatten-server",
                 "-o", from_server)
    assert result.exit_code == 0, result.stderr
    assert "6 cases of series flatten-server" in result.stderr
    assert from_server.read_bytes() == from_files.read_bytes()


def test_flatten_refuses_what_it_cannot_do_clearly(tmp_path: Path) -> None:
    two = tmp_path / "two.ndjson"
    kob = bundle_resources(EXAMPLES / "kobayashi-2023" / "bundle.json")
    messy = bundle_resources(EXAMPLES / "messy-synthetic" / "bundle.json")
    two.write_bytes(b"\n".join(orjson.dumps(r) for r in kob + messy) + b"\n")
    out = tmp_path / "t.csv"
    result = run("flatten", two, "-o", out)
    assert result.exit_code == 1 and "several series (kobayashi-2023, messy-synthetic)" in \
        result.stderr and not out.exists()
    assert run("flatten", two, "--series-id", "kobayashi-2023", "-o", out).exit_code == 0
    assert len(out.read_text().splitlines()) == 7
    broken = tmp_path / "broken.ndjson"
    broken.write_bytes(orjson.dumps(kob[0]) + b"\n{not json\n")
    result = run("flatten", broken, "-o", tmp_path / "b.csv")
    assert result.exit_code == 1 and "broken.ndjson, line 2" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "b.csv").exists()
    assert run("flatten", "--server", "http://127.0.0.1:9/fhir").exit_code == 2
    assert run("flatten", two, "-o", "-", "-t", "xlsx").exit_code == 2


def test_the_long_findings_file_reads_back_as_a_findings_file(tmp_path: Path) -> None:
    bundle = EXAMPLES / "published-molecular" / "bundle.json"
    table, findings = tmp_path / "cases.csv", tmp_path / "findings.csv"
    result = run("flatten", bundle, "-o", table, "--findings-output", findings)
    assert result.exit_code == 0, result.stderr
    lines = findings.read_text().splitlines()
    assert lines[0].startswith("case_id,finding,kind,result,gene_symbols,hgnc_ids")
    original = [r for r in bundle_resources(bundle) if r["resourceType"] == "Observation"
                and r["meta"].get("profile", [""])[0].endswith("genomic-variant")]
    assert len(lines) - 1 >= len(original)
    # the cases without their molecular cells, and the long file instead
    rows = list(csv.DictReader(table.open()))
    for row in rows:
        for column in ("fusion", "molecular", "molecular_method"):
            row.pop(column, None)
    bare = tmp_path / "bare.csv"
    with bare.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "again.json"
    result = run("convert", bare, "--findings", findings, "--series-id", "published-molecular",
                 "-o", out)
    assert result.exit_code == 0, result.stderr
    again = [r for r in bundle_resources(out) if r["resourceType"] == "Observation"
             and r["meta"].get("profile", [""])[0].endswith("genomic-variant")]
    assert sorted(components_of(r) for r in again) == sorted(components_of(r) for r in original)


def components_of(observation: dict[str, Any]) -> str:
    """What a variant says (genes, change, consequence, result), not how its text is worded."""
    return orjson.dumps([observation["valueCodeableConcept"]["coding"],
                         [c for c in observation["component"]
                          if c["code"]["coding"][0]["code"] in ("48018-6", "48019-4",
                                                                 "molecular-consequence")]],
                        option=orjson.OPT_SORT_KEYS).decode()


def test_bare_sizes_in_two_units_carry_their_unit_in_the_cell() -> None:
    """One header cannot say two units: a bare size then gets its own ("21 mm", "3 cm")."""
    from converter.tables.flatten import flatten, used_columns
    from mappings.case import map_record
    from tests.conftest import build

    resources = []
    for cells in ({"Case": "1", "Size (mm)": "21"}, {"Case": "2", "Size (cm)": "3"}):
        record, problems = build(cells)
        assert record is not None, [p.render() for p in problems]
        resources += map_record(record)
    rows = flatten(resources).rows
    assert [row["size"] for row in rows] == ["21 mm", "3 cm"]
    assert "size" in used_columns(rows)
    record, _ = build({"Case": "1", "Size (mm)": "21"})
    [row] = flatten(map_record(record)).rows
    assert row["size (mm)"] == "21" and used_columns([row]) == ["case_id", "size (mm)"]
    assert "size (mm)" in used_columns([row], every=True)
