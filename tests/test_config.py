"""casefhir.toml end to end: the options it gives, what beats it, where it is found, and every
mistake located at its line with no traceback and nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from converter.cli import main
from converter.config import KEYS, ConfigError, key_lines, read_config
from tests.conftest import EXAMPLES, bundle_resources, run

FIXTURE = Path(__file__).parent / "data" / "config"
DEMO_OPTIONS = ("--series-id", "config-demo", "--doi", "10.1000/example.2024.1", "--citation",
                "Demo A et al. 2024", "--pretty")
ANNOUNCED = "casefhir.toml (options not given on the command line; --no-config ignores it)"


@pytest.fixture
def series(tmp_path: Path) -> Path:
    """A copy of tests/data/config (cases.csv, its casefhir.toml, the same map as JSON)."""
    folder = tmp_path / "series"
    shutil.copytree(FIXTURE, folder)
    return folder


def write_config(folder: Path, text: str) -> Path:
    path = folder / "casefhir.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cases(folder: Path) -> Path:
    return folder / "cases.csv"


def test_the_file_gives_what_the_options_would(series: Path, tmp_path: Path) -> None:
    from_file = run("convert", cases(series), "-o", tmp_path / "file.json")
    assert from_file.exit_code == 0, from_file.stderr
    typed = run("convert", cases(series), "--no-config", *DEMO_OPTIONS, "--columns",
                series / "columns.json", "-o", tmp_path / "typed.json")
    assert typed.exit_code == 0, typed.stderr
    # the inline [columns] (with "" for a code that says nothing) gives the JSON map's FHIR
    assert (tmp_path / "file.json").read_bytes() == (tmp_path / "typed.json").read_bytes()
    patients = [r for r in bundle_resources(tmp_path / "file.json")
                if r["resourceType"] == "Patient"]
    assert [p["id"] for p in patients] == ["config-demo.P1", "config-demo.P2", "config-demo.P3"]
    assert [p.get("gender") for p in patients] == ["female", "male", "unknown"]  # 9: empty
    assert patients[0]["meta"]["source"] == "https://doi.org/10.1000/example.2024.1"
    assert (tmp_path / "file.json").read_text().startswith("{\n")  # pretty = true


def test_the_example_table_with_its_options_in_a_file_gives_the_golden_bundle(
        tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "kobayashi-2023" / "cases.csv", tmp_path / "cases.csv")
    write_config(tmp_path, 'series-id = "kobayashi-2023"\ndoi = "10.3892/mco.2023.2610"\n'
                 'citation = "Kobayashi H et al. Mol Clin Oncol 2023;18:14"\npretty = true\n')
    result = run("convert", tmp_path / "cases.csv", "-q", "-o", tmp_path / "out.json")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out.json").read_bytes() == \
        (EXAMPLES / "kobayashi-2023" / "bundle.json").read_bytes()


def test_discovery_is_announced_unless_quiet(series: Path, tmp_path: Path) -> None:
    shown = run("convert", cases(series), "-o", tmp_path / "a.json")
    assert f"using {series / 'casefhir.toml'}" in shown.stderr and ANNOUNCED in shown.stderr
    quiet = run("convert", cases(series), "-q", "-o", tmp_path / "b.json")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_no_config_ignores_the_file(series: Path, tmp_path: Path) -> None:
    result = run("convert", cases(series), "--no-config", "-o", tmp_path / "out.json")
    assert result.exit_code == 2 and "needs --series-id" in result.stderr
    assert ANNOUNCED not in result.stderr and not (tmp_path / "out.json").exists()


def test_options_on_the_command_line_beat_the_file(series: Path, tmp_path: Path) -> None:
    write_config(series, "narrative = false\n" + (series / "casefhir.toml").read_text())
    result = run("convert", cases(series), "--series-id", "typed", "--citation", "Typed",
                 "-o", tmp_path / "out.json")
    assert result.exit_code == 0, result.stderr
    patient = bundle_resources(tmp_path / "out.json")[0]
    assert patient["id"] == "typed.P1"
    assert patient["meta"]["tag"][0]["display"] == "Typed"
    assert patient["meta"]["source"] == "https://doi.org/10.1000/example.2024.1"  # the file's
    assert "text" not in patient  # narrative = false: --no-narrative


def test_columns_on_the_command_line_beat_the_inline_map(series: Path, tmp_path: Path) -> None:
    (series / "other.json").write_text(orjson.dumps({
        "Patient code": "case_id", "Age at dx (y)": "age", "Gender": "ignore",
        "FU (d)": "ignore", "Fusion": "ignore"}).decode())
    result = run("convert", cases(series), "--columns", series / "other.json", "-o",
                 tmp_path / "out.json")
    assert result.exit_code == 0, result.stderr
    patient = bundle_resources(tmp_path / "out.json")[0]
    assert patient["gender"] == "unknown"  # the inline map codes Gender 1 as female


def test_paths_are_relative_to_the_file(series: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (series / "maps").mkdir()
    shutil.move(series / "columns.json", series / "maps" / "columns.json")
    write_config(series, 'series-id = "rel"\ncolumns = "maps/columns.json"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run("convert", cases(series), "-o", "out.json")
    assert result.exit_code == 0, result.stderr
    assert bundle_resources(elsewhere / "out.json")[0]["gender"] == "female"


def test_config_option_reads_a_file_elsewhere(series: Path, tmp_path: Path) -> None:
    (series / "casefhir.toml").unlink()
    settings = tmp_path / "settings"
    settings.mkdir()
    shutil.copy(series / "columns.json", settings / "map.json")
    write_config(settings, 'series-id = "elsewhere"\ncolumns = "map.json"\n')
    result = run("convert", cases(series), "--config", settings / "casefhir.toml", "-o",
                 tmp_path / "out.json")
    assert result.exit_code == 0, result.stderr
    assert ANNOUNCED not in result.stderr  # asked for, so not announced
    assert bundle_resources(tmp_path / "out.json")[0]["id"] == "elsewhere.P1"
    missing = run("convert", cases(series), "--config", tmp_path / "none.toml", "-o",
                  tmp_path / "again.json")
    assert missing.exit_code == 2 and "none.toml' is not a file" in missing.stderr


def test_a_tables_section_overrides_for_its_table_only(series: Path, tmp_path: Path) -> None:
    shutil.copy(cases(series), series / "second.csv")
    write_config(series, (series / "casefhir.toml").read_text().replace(
        "[columns]", '[tables."second.csv"]\nseries-id = "second"\n\n[columns]'))
    first = run("convert", cases(series), "-q", "-o", tmp_path / "first.json")
    second = run("convert", series / "second.csv", "-q", "-o", tmp_path / "second.json")
    assert first.exit_code == second.exit_code == 0, first.stderr + second.stderr
    assert bundle_resources(tmp_path / "first.json")[0]["id"] == "config-demo.P1"
    assert bundle_resources(tmp_path / "second.json")[0]["id"] == "second.P1"
    # the top-level [columns] still holds for the second table
    assert bundle_resources(tmp_path / "second.json")[0]["gender"] == "female"


def test_load_and_validate_read_it(series: Path) -> None:
    write_config(series, (series / "casefhir.toml").read_text().replace(
        "pretty = true", 'to = "ndjson"\nper-case = true\nskip-invalid = true'))
    validated = run("validate", cases(series))  # convert-only keys, and skip-invalid, left out
    assert validated.exit_code == 0, validated.stderr
    assert "problems: 0 errors" in validated.stderr
    loaded = run("load", cases(series), "--dry-run", "--rejects", series / "rejects.csv")
    assert loaded.exit_code == 0, loaded.stderr
    assert "would send: 3 transaction requests for 3 cases" in loaded.stderr


def test_server_from_the_file_and_the_environment_beats_it(series: Path) -> None:
    # nothing listens on ports 9 and 1 of the loopback: the request names the server used
    write_config(series, 'server = "http://127.0.0.1:9/fhir"\n' +
                 (series / "casefhir.toml").read_text())
    from_file = run("validate", cases(series), "--retries", "0", "-q")
    assert from_file.exit_code == 5 and "127.0.0.1:9/fhir" in from_file.stderr
    from_env = CliRunner().invoke(main, ["validate", str(cases(series)), "--retries", "0", "-q"],
                                  env={"CASEFHIR_SERVER": "http://127.0.0.1:1/fhir"})
    assert from_env.exit_code == 5 and "127.0.0.1:1/fhir" in from_env.stderr


def test_fhir_input_takes_no_config(series: Path, tmp_path: Path) -> None:
    assert run("convert", cases(series), "-q", "-o", series / "bundle.json").exit_code == 0
    write_config(series, "this is not TOML\n")  # beside FHIR input: not read at all
    assert run("validate", series / "bundle.json", "-q").exit_code == 0
    told = run("validate", series / "bundle.json", "--config", series / "casefhir.toml")
    assert told.exit_code == 2 and "--config is for a case-series table" in told.stderr


def test_help_does_not_read_the_file(series: Path) -> None:
    write_config(series, "this is not TOML\n")
    shown = run("convert", cases(series), "--help")
    assert shown.exit_code == 0 and "--no-config" in shown.stdout


@pytest.mark.parametrize(("text", "message", "code"), [
    ('series-id = "s"\npretty = tru\n', ", line 2, column 10: not valid TOML", 2),
    ('series-id = "s"\nseries_id = "t"\n', ", line 2: unknown key series_id; did you mean "
                                           "'series-id'?", 2),
    ('series-id = "s"\n\n[tables."b.csv"]\nenconding = "cp1252"\n',
     ", line 4: unknown key enconding; did you mean 'encoding'?", 2),
    ('series-id = "s"\nnarrative = "no"\n', ", line 2: narrative must be true or false, not text",
     2),
    ("series-id = 2023\n", ', line 1: series-id must be text in quotes ("..."), not a number', 2),
    ('series-id = "Kobayashi_2023"\n', ", line 1: series-id 'Kobayashi_2023': a series id is", 2),
    ('series-id = "s"\ntoken = "abc123"\n', ", line 2: token: credentials never go in a "
                                             "configuration file", 2),
    ('series-id = "s"\n[tables."b.csv"]\npassword = "x"\n', ", line 3: password: credentials",
     2),
    ('series-id = "s"\nfindings = ["nope.maf"]\n', ", line 2: findings: 'nope.maf' is not a file",
     2),
    ('series-id = "s"\ncolumns = "nope.json"\n', ", line 2: columns: 'nope.json' is not a file", 2),
    ('series-id = "s"\nencoding = "rot13"\n', ", line 2: encoding: 'rot13' is not a character "
                                              "encoding", 2),
    ('series-id = "s"\nformat = "docx"\n', ", line 2: format: 'docx' is not one of", 2),
    ('series-id = "s"\nrejects = "a\\u0000b"\n', ", line 2: rejects holds a control character", 2),
    ('series-id = "s"\nx = ' + "[" * 5000 + "]" * 5000 + "\n",
     ": not valid TOML: values nested too deeply", 2),
    ('series-id = "s"\n' + "k" * 5000 + ' = 1\n', ", line 2: unknown key " + "k" * 39 + "\u2026",
     2),
    ('series-id = "s"\n\n[columns]\n"Patient code" = "case_id"\nGender = {column = "sex", '
     'values = {"1" = 1}}\n', ", line 5: the codebook of 'Gender' gives the code '1' the label 1",
     1),
    ('series-id = "s"\n[columns]\n"FU (d)" = {column = "age", unit = "fortnights"}\n',
     ", line 3: maps 'FU (d)' to age in the unit 'fortnights'", 1),
])
def test_each_mistake_is_located(series: Path, tmp_path: Path, text: str, message: str,
                                 code: int) -> None:
    write_config(series, text)
    result = run("convert", cases(series), "-o", tmp_path / "out.json")
    assert result.exit_code == code, result.stderr
    assert f"error: {series / 'casefhir.toml'}{message}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_the_file_is_utf8_text(series: Path) -> None:
    (series / "casefhir.toml").write_bytes(b'series-id = "s"\ncitation = "M\xfcller"\n')
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        read_config(str(series / "casefhir.toml"), "convert", None)


def test_key_lines_follow_sections_quoted_and_dotted_keys() -> None:
    lines = key_lines('a = 1\n[columns]\n"Patient code" = "case_id"\nsex.column = "sex"\n'
                      '[tables."b.csv"]\n  doi = "x"  # spaced\n')
    assert lines[("a",)] == 1
    assert lines[("columns",)] == 2
    assert lines[("columns", "Patient code")] == 3
    assert lines[("columns", "sex", "column")] == 4
    assert lines[("tables", "b.csv", "doi")] == 6


def test_every_key_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme[readme.index("### Per-series configuration"):]
    missing = [key for key in KEYS if f"`{key}`" not in section]
    assert not missing, missing


def test_the_readme_example_is_a_valid_file(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme[readme.index("### Per-series configuration"):]
    example = section[section.index("```toml\n") + 8:section.index("```\n", 8)]
    (tmp_path / "mutations.maf").write_text("Hugo_Symbol\n")
    write_config(tmp_path, example)
    config = read_config(str(tmp_path / "casefhir.toml"), "convert", str(tmp_path / "cohort-b.csv"))
    assert config.values["series_id"] == "kobayashi-2023-b"  # its [tables."cohort-b.csv"]
    assert config.values["no_narrative"] is True
    assert config.values["findings"] == [str(tmp_path / "mutations.maf")]
    assert config.column_map is not None and config.column_map["Colour"] is None


def test_standard_input_takes_a_config_only_when_asked(series: Path, tmp_path: Path) -> None:
    table = cases(series).read_bytes()
    asked = run("convert", "-", "-f", "csv", "--config", series / "casefhir.toml", "-o",
                tmp_path / "out.json", input=table)
    assert asked.exit_code == 0, asked.stderr
    assert bundle_resources(tmp_path / "out.json")[0]["id"] == "config-demo.P1"
    # '-' has no folder, so nothing is found on its own, even in the folder of the table
    assert run("convert", "-", "-f", "csv", "-o", tmp_path / "other.json",
               input=table).exit_code == 2


@pytest.mark.parametrize("command", ["convert", "load", "validate"])
def test_help_names_the_options(command: str) -> None:
    shown = " ".join(run(command, "--help").stdout.split())
    assert "--config FILE" in shown and "--no-config" in shown and "casefhir.toml" in shown


def test_keys_of_other_commands_are_checked_too(series: Path) -> None:
    write_config(series, 'narrative = "no"\n' + (series / "casefhir.toml").read_text())
    result = run("validate", cases(series))  # validate has no --no-narrative, yet the file is wrong
    assert result.exit_code == 2
    assert f"error: {series / 'casefhir.toml'}, line 1: narrative must be true or false" in \
        result.stderr


def test_encoding_and_a_numbered_sheet(series: Path, tmp_path: Path) -> None:
    (series / "cp1252.csv").write_bytes("Patient code,Age at dx (y),Gender,FU (d),Fusion\n"
                                        "Jos\u00e9,22,1,,\n".encode("cp1252"))
    write_config(series, 'encoding = "cp1252"\n' + (series / "casefhir.toml").read_text())
    result = run("convert", series / "cp1252.csv", "-q", "-o", tmp_path / "out.json")
    assert result.exit_code == 0, result.stderr
    assert bundle_resources(tmp_path / "out.json")[0]["identifier"][0]["value"] == \
        "config-demo#Jos\u00e9"
    write_config(series, 'series-id = "s"\nsheet = 2\n')
    assert read_config(str(series / "casefhir.toml"), "convert", None).values == \
        {"series_id": "s", "sheet": "2"}


def test_no_output_may_replace_the_file(series: Path) -> None:
    before = (series / "casefhir.toml").read_bytes()
    result = run("convert", cases(series), "-q", "-o", series / "casefhir.toml")
    assert result.exit_code == 2 and "--config" in result.stderr
    assert (series / "casefhir.toml").read_bytes() == before
