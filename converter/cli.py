"""The `casefhir` command line: argument parsing and rendering only; every command is one call
into the library.

Exit codes: 0 success; 1 invalid input or FHIR (nothing written); 2 usage error; 3 partial
success (--skip-invalid wrote the valid cases and rejected others); 4 internal error (a casefhir
bug; rerun with --debug for the traceback).
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

import click

from converter import __version__
from converter.ids import check_series_id
from converter.problems import InputError
from converter.report import Report
from converter.write import OUTPUT_FORMATS, OutputError, write_json_atomic

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_PARTIAL, EXIT_INTERNAL = 0, 1, 2, 3, 4

EPILOG_EXIT_CODES = """\b
Exit codes: 0 success, 1 invalid input (nothing written), 2 usage error,
3 some rows rejected (--skip-invalid), 4 internal error (rerun with --debug)."""


def _fail(lines: list[str], code: int = EXIT_INVALID) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(code)


class Progress:
    """A one-line counter on a terminal (stderr), refreshed at most 5 times a second."""

    def __init__(self, enabled: bool, noun: str) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.noun = noun
        self.last = 0.0
        self.count = 0

    def __call__(self, count: int) -> None:
        self.count = count
        now = time.monotonic()
        if self.enabled and now - self.last > 0.2:
            self.last = now
            click.echo(f"\r{count:,} {self.noun}...", err=True, nl=False)

    def done(self) -> None:
        if self.enabled and self.last:
            click.echo("\r" + " " * 40 + "\r", err=True, nl=False)


def _run(debug: bool, action: Callable[[], Any]) -> Any:
    """Run a library call; user mistakes become messages, bugs a short note (not a traceback)."""
    try:
        return action()
    except InputError as exc:
        _fail([p.render() for p in exc.problems])
    except OutputError as exc:
        _fail([f"error: {exc}"])
    except KeyboardInterrupt:
        _fail(["interrupted; nothing was written"], 130)
    except Exception:
        if debug:
            traceback.print_exc()
        _fail(["internal error: casefhir hit a bug; nothing was written. Rerun with --debug "
               "and report the traceback."], EXIT_INTERNAL)


def _finish(report: Report, report_path: str | None, quiet: bool, exit_code: int) -> NoReturn:
    if not quiet or report.errors:
        for line in report.render_problems():
            click.echo(line, err=True)
    if not quiet:
        click.echo(report.render_summary(), err=True)
    if report_path:
        try:
            write_json_atomic(report_path, report.to_json())
        except OutputError as exc:
            _fail([f"error: {exc}"])
    sys.exit(exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="casefhir")
def main() -> None:
    """casefhir: oncology case-series tables → validated, profiled FHIR R4.

    \b
    Start with:
      casefhir template -o cases.xlsx          # an empty table with every column
      casefhir convert cases.csv --series-id my-series -o bundle.json
      casefhir validate bundle.json
      casefhir summary bundle.json             # the cohort table, from the FHIR alone
    """


@main.command(epilog=EPILOG_EXIT_CODES)
@click.argument("input_file", metavar="INPUT")
@click.option("--series-id", required=True,
              help="Short id of the case series (lower-case letters, digits, hyphens); part of "
                   "every resource id, e.g. kobayashi-2023.")
@click.option("--doi", help="DOI of the publication the cases come from (recorded in "
                            "meta.source of every resource).")
@click.option("--citation", help="Short citation of the series (shown in the series tag).")
@click.option("-o", "--output", default="-", show_default=True,
              help="Output file, or folder for --per-case / ndjson; '-' for standard output.")
@click.option("-t", "--to", "output_format", type=click.Choice(OUTPUT_FORMATS),
              default="transaction", show_default=True,
              help="Bundle type (PUT Type/id entries for transaction/batch), or NDJSON files.")
@click.option("--per-case", is_flag=True, help="One Bundle per case (files in a folder).")
@click.option("-f", "--format", "input_format",
              type=click.Choice(("csv", "tsv", "xlsx", "json", "ndjson")),
              help="Input format (default: from the file name; needed for '-').")
@click.option("--sheet", help="XLSX sheet name or 1-based number (default: the first).")
@click.option("--encoding", default="utf-8", show_default=True,
              help="Text encoding of CSV/TSV/JSON input, e.g. cp1252.")
@click.option("--delimiter", help="CSV delimiter (default: detected from the header).")
@click.option("--columns", "columns_file", type=click.Path(dir_okay=False),
              help="Map your headers to the data dictionary: JSON {\"header\": \"column\"} or "
                   "CSV header,column; map to 'ignore' to leave a column out.")
@click.option("--ignore-unmapped", is_flag=True,
              help="Leave out (with a warning) columns the dictionary does not know, instead "
                   "of failing.")
@click.option("--skip-invalid", is_flag=True,
              help="Write the valid cases and put invalid rows in a rejects file.")
@click.option("--rejects", type=click.Path(dir_okay=False),
              help="Rejects file for --skip-invalid (default: <output>.rejects.csv).")
@click.option("--strict", is_flag=True, help="Treat warnings (unknown terms...) as errors.")
@click.option("--pretty", is_flag=True, help="Indent the JSON.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Write the summary and every problem as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def convert(input_file: str, series_id: str, doi: str | None, citation: str | None, output: str,
            output_format: str, per_case: bool, input_format: str | None, sheet: str | None,
            encoding: str, delimiter: str | None, columns_file: str | None,
            ignore_unmapped: bool, skip_invalid: bool, rejects: str | None, strict: bool,
            pretty: bool, report_path: str | None, quiet: bool, debug: bool) -> None:
    """Convert a case-series table (CSV, TSV, XLSX, JSON, NDJSON) to FHIR R4.

    \b
    Examples:
      casefhir convert cases.csv --series-id kobayashi-2023 --doi 10.3892/mco.2023.2610 -o out.json
      casefhir convert cases.xlsx --series-id s1 --per-case -o bundles/
      casefhir convert cases.csv --series-id s1 -t ndjson -o ndjson/
      cat cases.tsv | casefhir convert - -f tsv --series-id s1 -o - > bundle.json
      casefhir convert raw.csv --series-id s1 --columns my-headers.json --skip-invalid -o out.json
    """
    from converter.pipeline import ConvertOptions
    from converter.pipeline import convert as run_convert
    from converter.records import load_column_map
    from converter.schema import Series

    why = check_series_id(series_id)
    if why:
        raise click.BadParameter(why, param_hint="--series-id")
    column_map = _run(debug, lambda: load_column_map(columns_file)) if columns_file else None
    options = ConvertOptions(
        input=input_file, series=Series(series_id, doi, citation), output=output,
        output_format=output_format, per_case=per_case, input_format=input_format, sheet=sheet,
        encoding=encoding, delimiter=delimiter, column_map=column_map,
        ignore_unmapped=ignore_unmapped, skip_invalid=skip_invalid, rejects=rejects,
        strict=strict, pretty=pretty)
    progress = Progress(not quiet, "cases")
    report: Report = _run(debug, lambda: run_convert(options, progress))
    progress.done()
    if not report.written:
        code = EXIT_INVALID
    elif report.cases_rejected:
        code = EXIT_PARTIAL
    else:
        code = EXIT_OK
    _finish(report, report_path, quiet, code)


@main.command(epilog=EPILOG_EXIT_CODES)
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Write the summary and every problem as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def validate(files: tuple[str, ...], report_path: str | None, quiet: bool, debug: bool) -> None:
    """Check FHIR files (Bundles, resources, NDJSON, or folders of them): every resource
    against the FHIR R4 structure, unique ids, and references resolving within the files.

    \b
    Examples:
      casefhir validate out.json
      casefhir validate bundles/ ndjson/
    """
    from converter.validate import validate_files

    report: Report = _run(debug, lambda: validate_files(list(files)))
    _finish(report, report_path, quiet, EXIT_INVALID if report.errors else EXIT_OK)


@main.command()
@click.option("-o", "--output", default="cases-template.xlsx", show_default=True,
              help="Template file: .xlsx (cases + dictionary sheets) or .csv (plus "
                   "<name>.dictionary.csv); '-' prints the CSV header.")
@click.option("--dictionary-markdown", is_flag=True,
              help="Print the data dictionary as Markdown instead.")
def template(output: str, dictionary_markdown: bool) -> None:
    """Write an empty input table with the canonical headers and the data dictionary.

    \b
    Examples:
      casefhir template -o cases.xlsx
      casefhir template -o cases.csv
    """
    from converter.template import dictionary_markdown as markdown
    from converter.template import write_template

    if dictionary_markdown:
        click.echo(markdown(), nl=False)
        return
    written = _run(False, lambda: write_template(output))
    if output != "-":
        click.echo("written: " + ", ".join(written), err=True)


@main.command()
@click.option("-o", "--output", default="-", show_default=True,
              help="Where to write the CodeSystem JSON ('-': standard output).")
@click.option("--markdown", is_flag=True, help="Print every code casefhir uses, as Markdown.")
def terminology(output: str, markdown: bool) -> None:
    """Write casefhir's own CodeSystem (https://casefhir.org/fhir/CodeSystem/casefhir), to load
    beside the data so validators know its codes.

    \b
    Example:
      casefhir terminology -o casefhir-codesystem.json
    """
    from mappings.terminology.codesystem import casefhir_codesystem, terminology_markdown

    if markdown:
        click.echo(terminology_markdown(), nl=False)
        return
    _run(False, lambda: write_json_atomic(output, casefhir_codesystem()))


@main.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def summary(files: tuple[str, ...], as_json: bool, debug: bool) -> None:
    """The cohort table (sex, age, fusions, preoperative diagnoses, recurrence, metastasis,
    MRI findings) recomputed from FHIR files alone.

    \b
    Example:
      casefhir summary out.json
    """
    import orjson

    from converter.cohort import cohort, render_table
    from converter.fhirfiles import iter_resources

    def compute() -> dict[str, Any]:
        return cohort(f.resource for f in iter_resources(list(files))
                      if f.resource is not None).to_json()

    data = _run(debug, compute)
    if as_json:
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(render_table(data))


if __name__ == "__main__":
    main()
