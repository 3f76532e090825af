"""The `casefhir` command line: argument parsing and rendering only; every command is one call
into the library.

Exit codes: 0 success; 1 invalid input or FHIR (nothing written); 2 usage error; 3 partial
success (--skip-invalid wrote the valid cases and rejected others; the server rejected some
resources); 4 internal error (a casefhir bug; rerun with --debug for the traceback); 5 server
unreachable or credentials refused; 6 load --prune not confirmed (loaded, nothing deleted);
141 standard output was closed by its reader before everything was written (`-o - | head`);
128+n stopped by signal n (130 SIGINT, 143 SIGTERM, 129 SIGHUP), nothing left behind.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, TypeVar

import click

from converter import STARTED, __version__, signals
from converter.clickconfig import ConfigCommand, config_inputs, config_options, inline_column_map
from converter.clickerrors import ShortErrorsGroup
from converter.fhir.ids import check_series_id
from converter.fhir.write import OUTPUT_FORMATS
from converter.output.atomic import write_json_atomic
from converter.output.diskerrors import DISK_FULL_ERRNOS, OutputError, describe
from converter.paths import Output, PathProblem, check_paths, default_rejects_path
from converter.problems import InputError, Problem, Severity, counted
from converter.progress import Display, Progress, StatusLine, clear_bars, display, progress_option
from converter.report import Report
from converter.server.client import ServerError

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_PARTIAL, EXIT_INTERNAL, EXIT_SERVER = 0, 1, 2, 3, 4, 5
EXIT_UNCONFIRMED = 6  # load --prune: loaded, but the deletes were not confirmed (nothing deleted)
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as the shell reports a writer whose reader closed early

EPILOG_EXIT_CODES = """\b
Exit codes: 0 success, 1 invalid input or a write failed, e.g. a full disk (nothing
written), 2 usage error (also: an output path that cannot be written, or that is an input,
or no -o while standard output is a terminal),
3 some rows rejected (--skip-invalid), 4 internal error (rerun with --debug),
141 the reader of '-o -' closed it early (as `| head` does), 128+n stopped by signal n
(130 Ctrl-C, 143 SIGTERM, 129 SIGHUP; nothing left behind)."""


F = TypeVar("F", bound=Callable[..., Any])

REJECTS_EXAMPLES = ("out.json", "out.v2.json", "bundles/")  # --rejects help: computed, not typed

DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|",
                   "space": " "}


def _encoding_option(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from converter.read.tables import check_encoding

    why = check_encoding(value)
    if why:
        raise click.BadParameter(why)
    return value


def _delimiter_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    sep = DELIMITER_NAMES.get(value.casefold(), value)
    if len(sep) != 1 or sep in "\"\r\n" or sep.isalnum():
        raise click.BadParameter("a delimiter is one character other than a letter, digit, quote "
                                 "or line end, e.g. ';', '|' or tab")
    return sep


def table_options(command: F) -> F:
    """Options that say how to read a case-series table and which series it is."""
    options = [
        click.option("--series-id",
                     help="Short id of the case series (lower-case letters, digits, hyphens); "
                          "part of every resource id, e.g. kobayashi-2023. Needed for tables."),
        click.option("--doi", help="DOI of the publication the cases come from (recorded in "
                                   "meta.source of every resource)."),
        click.option("--citation", help="Short citation of the series (shown in the series tag)."),
        click.option("-f", "--format", "input_format",
                     type=click.Choice(("csv", "tsv", "xlsx", "ods", "xls", "json", "ndjson")),
                     help="Input format (default: from the file name, else from the content, as for '-')."),
        click.option("--sheet", help="Sheet (XLSX, ODS, XLS) name or 1-based number (default: the first)."),
        click.option("--encoding", default="utf-8", show_default=True, callback=_encoding_option,
                     help="Text encoding of CSV/TSV/JSON input, e.g. cp1252 (a file starting with a "
                          "UTF-16 or UTF-32 byte-order mark is read as such)."),
        click.option("--delimiter", callback=_delimiter_option,
                     help="CSV delimiter: one character, or tab, comma, semicolon, pipe, space "
                          "(default: detected from the header among , ; tab |)."),
        click.option("--columns", "columns_file", type=click.Path(dir_okay=False),
                     help="Map your headers to the data dictionary: JSON {\"header\": \"column\"} "
                          "or CSV header,column[,unit[,values[,from]]]; map to 'ignore' to leave a "
                          "column out. A coded column takes a codebook ({\"sex\": {\"column\": "
                          "\"sex\", \"values\": {\"1\": \"male\", \"2\": \"female\"}}}); a survival "
                          "or follow-up time its origin (\"from\": diagnosis, study entry, "
                          "randomisation, start of treatment, surgery, remission, not reported); a "
                          "value every row has, a constant ({\"trial dx\": {\"column\": "
                          "\"diagnosis\", \"constant\": \"breast cancer\"}}; JSON only)."),
        click.option("--findings", "findings", multiple=True, type=click.Path(dir_okay=False),
                     metavar="FILE",
                     help="A file with one row per molecular finding (a MAF, cBioPortal "
                          "mutations / structural variants / copy number, a supplement table) "
                          "joined to the cases by case or sample id; repeatable."),
        click.option("--ignore-unmapped", is_flag=True,
                     help="Leave out (with a warning) columns the dictionary does not know, "
                          "instead of failing."),
        click.option("--skip-invalid", is_flag=True,
                     help="Go on with the valid cases; invalid rows go to a rejects file."),
        click.option("--rejects", type=click.Path(dir_okay=False),
                     help="Rejects file for --skip-invalid. convert's default: beside the "
                          "output, named as it up to its first dot + .rejects.csv ("
                          + ", ".join(f"{out} -> {default_rejects_path(out)}"
                                      for out in REJECTS_EXAMPLES)
                          + "); needed with '-o -' and with load."),
        click.option("--strict", is_flag=True, help="Treat warnings (unknown terms...) as errors."),
        click.option("--workers", type=click.IntRange(1, 256), default=os.cpu_count() or 1,
                     show_default="the number of CPUs",
                     help="Processes that map and validate (output order and bytes are the same "
                          "for any number)."),
        click.option("--full-validation", is_flag=True,
                     help="Validate every resource with fhir.resources in full instead of once "
                          "per resource shape (same verdicts, several times slower)."),
    ]
    for option in reversed(options):
        command = option(command)
    return config_options(command)  # --config, --no-config (converter/clickconfig.py)


def _retry_on_option(ctx: click.Context, param: click.Parameter, value: str) -> None:
    """--retry-on is kept in the context (make_client reads it), so that the five commands with
    server options need no new parameter."""
    from converter.server.client import parse_retry_on

    try:
        ctx.meta["casefhir.retry_on"] = parse_retry_on(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def server_options(command: F) -> F:
    """Where the FHIR server is and how to reach it. Secrets come from the environment or
    files, never from the command line (where `ps` would show them)."""
    options = [
        click.option("--server", envvar="CASEFHIR_SERVER", metavar="URL",
                     help="FHIR base URL, e.g. http://127.0.0.1:8080/fhir (or CASEFHIR_SERVER)."),
        click.option("--token-file", type=click.Path(dir_okay=False),
                     help="File holding a bearer token, one line of printable ASCII (or set "
                          "CASEFHIR_TOKEN). Never printed: masked as *** wherever a server "
                          "echoes it."),
        click.option("--user", help="User for basic authentication (password from "
                                    "CASEFHIR_PASSWORD or --password-file)."),
        click.option("--password-file", type=click.Path(dir_okay=False),
                     help="File holding the basic-authentication password (one line of "
                          "printable ASCII)."),
        click.option("--ca-bundle", type=click.Path(dir_okay=False, exists=True),
                     help="CA certificates (PEM) to trust for https."),
        click.option("--insecure", is_flag=True,
                     help="Do not verify the server's TLS certificate (testing only; warns on "
                          "every run)."),
        click.option("--timeout", type=click.FloatRange(1, 3600), default=120, show_default=True,
                     help="Seconds each attempt of a request may take in all (connect, send, "
                          "answer), however slowly the server drips it. A request ends within "
                          "(retries+1) x timeout + the back-offs (at most 0.5+1+2+4+8 s for 5 "
                          "retries; each <= 30 s), then exit 5."),
        click.option("--retries", type=click.IntRange(0, 20), default=5, show_default=True,
                     help="Retries of dropped connections, lost answers (timeout, cut short) and "
                          "--retry-on statuses (back-off with full jitter, Retry-After "
                          "honoured); only requests safe to repeat."),
        click.option("--retry-on", metavar="STATUSES", default="409,429,500,502,503,504",
                     show_default=True, expose_value=False, callback=_retry_on_option,
                     help="HTTP statuses retried ('none': none). 409 is HAPI's conflict between "
                          "concurrent writes (never retried for --prune's deletes, where it means "
                          "a reference blocks them); $import kick-offs retry 429/503 only."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def make_client(server: str | None, token_file: str | None, user: str | None,
                password_file: str | None, ca_bundle: str | None, insecure: bool,
                timeout: float, retries: int) -> Any:
    from converter.credentials import CredentialError
    from converter.server.client import (
        RETRY_STATUSES,
        FhirClient,
        ServerConfig,
        auth_from,
        transport_warnings,
    )

    if not server:
        raise click.UsageError("give the server with --server URL (or CASEFHIR_SERVER)")
    try:
        auth = auth_from(None, token_file, user, None, password_file)
    except CredentialError as exc:  # names the file or variable, never the secret
        raise click.UsageError(str(exc)) from None
    context = click.get_current_context(silent=True)
    retry_on = context.meta.get("casefhir.retry_on", RETRY_STATUSES) if context else \
        RETRY_STATUSES
    config = ServerConfig(server, auth, verify_tls=not insecure, ca_bundle=ca_bundle,
                          timeout=timeout, max_attempts=retries + 1, retry_statuses=retry_on)
    for warning in transport_warnings(config):  # on every run, -q or not
        click.echo(warning, err=True)
    return FhirClient(config)


def table_convert_options(input_file: str, output: str, kwargs: dict[str, Any],
                          debug: bool) -> Any:
    """ConvertOptions from the table_options of a command."""
    from converter.pipeline import ConvertOptions
    from converter.read.records import load_column_map
    from converter.read.schema import Series

    series_id = kwargs["series_id"]
    if not series_id:
        raise click.UsageError("a case-series table needs --series-id (or series-id in a "
                               "casefhir.toml)")
    why = check_series_id(series_id)
    if why:
        raise click.BadParameter(why, param_hint="--series-id")
    columns_file = kwargs["columns_file"]
    column_map = _run(debug, lambda: load_column_map(columns_file)) if columns_file else \
        inline_column_map()  # the [columns] of casefhir.toml, if any
    return ConvertOptions(
        input=input_file, series=Series(series_id, kwargs["doi"], kwargs["citation"]),
        output=output, input_format=kwargs["input_format"], sheet=kwargs["sheet"],
        encoding=kwargs["encoding"], delimiter=kwargs["delimiter"], column_map=column_map,
        ignore_unmapped=kwargs["ignore_unmapped"], skip_invalid=kwargs["skip_invalid"],
        rejects=kwargs["rejects"], strict=kwargs["strict"], workers=kwargs["workers"],
        full_validation=kwargs["full_validation"], findings=tuple(kwargs["findings"]))


def _fail(lines: list[str], code: int = EXIT_INVALID) -> NoReturn:
    from converter.credentials import redact

    clear_bars()  # a message stopping the work starts on a line of its own
    for line in lines:
        click.echo(redact(line), err=True)
    sys.exit(code)


def _run(debug: bool, action: Callable[[], Any], stopped: str = "nothing was written") -> Any:
    """Run a library call; user mistakes become messages, bugs a short note (not a traceback).
    `stopped` says what a stop signal leaves."""
    try:
        return action()
    except click.ClickException:
        raise
    except InputError as exc:
        _fail([p.render() for p in exc.problems])
    except OutputError as exc:
        _fail([f"error: {exc}"])
    except ServerError as exc:  # unreachable, unusable, or refusing the credentials
        _fail([f"error: {exc}"], EXIT_SERVER)
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP (converter/signals.py)
        _fail([signals.message(exc, stopped)], signals.exit_code(exc))
    except BrokenPipeError:
        # The reader of standard output stopped early (`... -o - | head`): not a fault, so no
        # message; exit as a program killed by SIGPIPE would, and keep Python's final flush of
        # the dead pipe from printing an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_BROKEN_PIPE)
    except Exception as exc:
        if debug:  # the traceback, with no secret of this run in it
            from converter.credentials import redact

            click.echo(redact(traceback.format_exc()), err=True, nl=False)
        if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:  # a disk, not a bug
            where = f"{exc.filename}: " if exc.filename else ""
            _fail([f"error: {where}{describe(exc)}; nothing was written"])
        _fail(["internal error: casefhir hit a bug; nothing was written. Rerun with --debug "
               "and report the traceback."], EXIT_INTERNAL)


def _show(report: Report, quiet: bool) -> None:
    report.seconds = time.monotonic() - STARTED  # the run's wall time, so far
    if not quiet or report.errors:
        for line in report.render_problems():
            click.echo(line, err=True)
    if not quiet:
        from converter.credentials import redact

        click.echo(redact(report.render_summary()), err=True)


def _finish(report: Report, report_path: str | None, quiet: bool, exit_code: int,
            shown: bool = False) -> NoReturn:
    if not shown:
        _show(report, quiet)
    if report_path and not report.saved:
        try:
            report.write(report_path)
        except OutputError as exc:
            _fail([f"error: {exc}"])
    sys.exit(exit_code)


def _convert_into(spool: Any, options: Any, shown: Display, debug: bool) -> Report:
    """Convert a table into `spool` (validate and load send what it holds), with progress."""
    from converter.pipeline import convert as run_convert

    converting = Progress(shown, "convert", "cases")
    try:
        report: Report = _run(debug, lambda: run_convert(options, converting, writer=spool,
                                                        on_input=converting.measure))
        return report
    finally:
        converting.done()


def _fhir_output(output: str | None) -> str:
    """-o as given; without it standard output, but not a terminal: pages of minified JSON there
    help nobody and bury the messages (as gzip refuses to write compressed data to one)."""
    if output is not None:
        return output
    if sys.stdout.isatty():
        raise click.UsageError("FHIR JSON is not written to a terminal: give -o FILE to write a "
                               "file, or -o - to write it to the terminal anyway (or pipe it: "
                               "... | less)")
    return "-"


def _stdin_hint(inputs: Any) -> None:
    """`-` with a terminal as standard input waits for typing: say so (once), rather than seem
    hung."""
    context = click.get_current_context(silent=True)
    if context is None or context.meta.get("casefhir.stdin_hint"):
        return
    if "-" in [str(path) for path in inputs] and _stdin_is_tty():
        context.meta["casefhir.stdin_hint"] = True
        click.echo("reading standard input from the terminal (paste or type it, then Ctrl-D; "
                   "Ctrl-C stops)", err=True)


def _paths(inputs: Any, outputs: list[Output], force: bool = False,
           read: dict[str, Any] | None = None) -> None:
    """The paths a command reads and writes, checked before anything is read (converter/
    paths.py); `read` holds the files options read (columns, token_file...)."""
    _stdin_hint(inputs)
    named: list[tuple[str, str | None]] = [("INPUT", str(path)) for path in inputs]
    named += [("--" + option.replace("_", "-"), path) for option, path in (read or {}).items()
              if option != "findings"]
    named += [("--findings", path) for path in (read or {}).get("findings") or ()]
    named += config_inputs()  # the casefhir.toml read, which no output may replace
    try:
        check_paths(named, outputs, force)
    except PathProblem as exc:
        raise click.BadParameter(exc.message, param_hint=exc.option) from None


def _server_files(kwargs: dict[str, Any]) -> dict[str, str | None]:
    return {name: kwargs.get(name) for name in ("token_file", "password_file", "ca_bundle")}


class _Group(ShortErrorsGroup):
    """Stops by a signal outside a library call (say, writing the report) still end with the
    signal's exit code and one line, not click's "Aborted!"; usage errors quote values short
    (converter/clickerrors.py)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            _fail([signals.message(exc, None)], signals.exit_code(exc))


EPILOG_MAIN = """\b
Every command's --help ends with its exit codes: 0 success, 1 invalid input (nothing
written or sent), 2 usage error, 3 partly done (rows rejected, resources refused), 4 internal
error (rerun with --debug), 5 server unreachable, 6 --prune not confirmed, 141 '-o -' closed
early, 128+n stopped by signal n.
\b
Shell completion (bash, zsh, fish), e.g. for bash in ~/.bashrc:
  eval "$(_CASEFHIR_COMPLETE=bash_source casefhir)"
"""


@click.group(cls=_Group, epilog=EPILOG_MAIN,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="casefhir")
@click.pass_context
def main(ctx: click.Context) -> None:
    """casefhir: oncology case-series tables → validated, profiled FHIR R4.

    \b
    Start with:
      casefhir template -o cases.xlsx          # an empty table with every column
      casefhir convert cases.csv --series-id my-series -o bundle.json
      casefhir validate bundle.json
      casefhir summary bundle.json             # the cohort table, from the FHIR alone
    """
    # SIGTERM and SIGHUP stop a run as Ctrl-C does, cleaning up (converter/signals.py)
    ctx.call_on_close(signals.install())


@main.command(cls=ConfigCommand, epilog=EPILOG_EXIT_CODES)
@click.argument("input_file", metavar="INPUT")
@table_options
@click.option("-o", "--output",
              help="Output file, or folder for --per-case / ndjson; '-' for standard output "
                   "(default: standard output, unless it is a terminal).")
@click.option("-t", "--to", "output_format", type=click.Choice(OUTPUT_FORMATS),
              default="transaction", show_default=True,
              help="Bundle type (PUT Type/id entries for transaction/batch), or NDJSON files.")
@click.option("--per-case", is_flag=True, help="One Bundle per case (files in a folder).")
@click.option("--pretty", is_flag=True, help="Indent the JSON.")
@click.option("--crosswalk", "crosswalk_path", type=click.Path(dir_okay=False),
              help="Also write the crosswalk: one line per resource with the source file, row, "
                   "row SHA-256 and case id it came from (CSV; .json or .ndjson by name).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Write the summary, every problem and the per-column coverage as JSON.")
@click.option("--coverage/--no-coverage", "show_coverage", default=None,
              help="--coverage also prints, after the summary, what each column's non-empty "
                   "cells became: coded, text only, dropped with a warning, dropped silently "
                   "(0 unless casefhir has a bug), not recorded (NA...), left out (ignored "
                   "columns), in rejected rows. --report counts them too (two to three times the "
                   "CPU time of the conversion) unless --no-coverage.")
@click.option("--force", is_flag=True,
              help="Write into an output folder that holds files casefhir did not write: they "
                   "are left untouched (never removed); only files of the same name are "
                   "replaced. Without it such a folder is refused. Also lets the default "
                   "rejects file replace a file casefhir did not write.")
@click.option("--no-narrative", is_flag=True,
              help="Leave out each resource's generated narrative (text: one XHTML paragraph "
                   "saying what the resource says); about a fifth smaller output.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@progress_option
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def convert(input_file: str, output: str | None, output_format: str, per_case: bool, pretty: bool,
            crosswalk_path: str | None, report_path: str | None, show_coverage: bool | None,
            force: bool, no_narrative: bool, quiet: bool, show_progress: bool, debug: bool,
            **table: Any) -> None:
    """Convert a case-series table (CSV, TSV, XLSX, JSON, NDJSON) to FHIR R4.

    \b
    Output appears only when everything is valid, all outputs together. An output folder
    (--per-case, -t ndjson) gets a manifest (.casefhir-manifest) naming the files
    casefhir wrote; a later run replaces or removes only those. A folder holding other files
    is refused unless --force. No output may be an input or lie in an output folder.

    \b
    Examples:
      casefhir convert cases.csv --series-id kobayashi-2023 --doi 10.3892/mco.2023.2610 -o out.json
      casefhir convert cases.xlsx --series-id s1 --per-case -o bundles/
      casefhir convert cases.csv --series-id s1 -t ndjson -o ndjson/
      cat cases.tsv | casefhir convert - --series-id s1 | casefhir validate -
      casefhir convert raw.csv --series-id s1 --columns my-headers.json --skip-invalid -o out.json
      casefhir convert cases.csv --series-id s1 -o out.json --crosswalk crosswalk.csv
      casefhir convert cases.csv --series-id s1 -o out.json --report report.json --coverage
      casefhir convert cases.csv --series-id s1 -o out.json --no-narrative
      casefhir convert cases.csv -o out.json   # options from the casefhir.toml beside it
    """
    from dataclasses import replace

    from converter.paths import convert_outputs
    from converter.pipeline import convert as run_convert

    output = _fhir_output(output)
    _paths([input_file], convert_outputs(output, per_case or output_format == "ndjson",
                                         report_path, crosswalk_path, table["rejects"],
                                         table["skip_invalid"]),
           force, {"columns": table["columns_file"], "findings": table["findings"]})
    options = replace(table_convert_options(input_file, output, table, debug),
                      output_format=output_format, per_case=per_case, pretty=pretty,
                      crosswalk=crosswalk_path, report=report_path, force=force,
                      narrative=not no_narrative, coverage=bool(show_coverage) or (report_path is not None and
                                                       show_coverage is None))
    progress = Progress(display(quiet, show_progress), "convert", "cases")

    def attempt() -> Report:
        try:
            return run_convert(options, progress, on_input=progress.measure)
        except InputError as exc:  # unreadable input: --report still says why
            if report_path is None:
                raise
            from converter.read.rows import display_name

            failed = Report("convert", inputs=[display_name(input_file)], series=options.series.id)
            failed.problems.extend(exc.problems)
            return failed

    try:
        report: Report = _run(debug, attempt)
    finally:  # the bar is gone before any message
        progress.done()
    if show_coverage:  # after the summary, so shown here
        _show(report, quiet)
        if report.coverage is not None:
            from converter.coverage import render

            click.echo("\n".join(["coverage (non-empty cells of each column):",
                                   *render(report.coverage)]), err=True)
    if not report.written:
        code = EXIT_INVALID
    elif report.cases_rejected:
        code = EXIT_PARTIAL
    else:
        code = EXIT_OK
    _finish(report, report_path, quiet, code, shown=bool(show_coverage))


EPILOG_VALIDATE_EXIT_CODES = """\b
Exit codes: 0 valid (warnings may have been printed), 1 errors found, 2 usage error,
4 internal error, 5 server unreachable or credentials refused, 128+n stopped by signal n
(130 Ctrl-C, 143 SIGTERM)."""


@main.command(cls=ConfigCommand, epilog=EPILOG_VALIDATE_EXIT_CODES)
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@server_options
@table_options
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True,
              help="$validate requests in flight at once (with --server).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Write the summary and every problem as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@progress_option
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def validate(files: tuple[str, ...], concurrency: int, report_path: str | None, quiet: bool,
             show_progress: bool,
             debug: bool, server: str | None, token_file: str | None, user: str | None,
             password_file: str | None, ca_bundle: str | None, insecure: bool, timeout: float,
             retries: int, **table: Any) -> None:
    """Check FHIR files (Bundles, resources, NDJSON, or folders of them): every resource
    against the FHIR R4 structure, unique ids, and references resolving within the files. A
    case-series table (as for convert) is converted in memory and checked the same way.

    With --server, every resource is also sent to the server's $validate, which checks it
    against FHIR R4 and the profiles it claims (install them first with install-profiles);
    each error and warning is reported at the table row and columns, or the file entry, it
    came from, with the element path the server names.

    \b
    Examples:
      casefhir validate out.json
      casefhir validate bundles/ ndjson/
      casefhir validate out.json --server http://127.0.0.1:8080/fhir
      casefhir validate cases.csv --series-id kobayashi-2023 --server $URL --report report.json
    """
    from converter.fhir.semantics import case_problems
    from converter.fhir.validate import validate_files
    from converter.server.caseindex import units_from_files
    from converter.server.caseunits import CaseSpool, is_fhir_input
    from converter.server.validate import ServerValidationReport, validate_on_server

    _stdin_hint(files)  # before standard input is looked at
    fhir = [path for path in files if is_fhir_input(path, table["input_format"])]
    if fhir and len(fhir) != len(files):
        raise click.UsageError("give either FHIR files or one case-series table, not both")
    if not fhir and len(files) > 1:
        raise click.UsageError("validate one case-series table at a time")
    if table["skip_invalid"]:
        raise click.UsageError("--skip-invalid is for convert and load; validate reports every row")
    _paths(files, [Output("--report", report_path or "")],
           read={"columns": table["columns_file"], "findings": table["findings"], **_server_files(locals())})
    client = None if not server else _run(debug, lambda: make_client(
        server, token_file, user, password_file, ca_bundle, insecure, timeout, retries))
    report = ServerValidationReport("validate", inputs=list(files))
    shown = display(quiet, show_progress)
    if fhir:
        checking = Progress(shown, "validate", "resources")
        try:
            local: Report = _run(debug, lambda: validate_files(list(files), checking))
        finally:
            checking.done()
        report.inputs, report.resources, report.problems = local.inputs, local.resources, \
            local.problems
        units = _run(debug, lambda: units_from_files(list(files)))[0] if client else []
    else:
        options = table_convert_options(files[0], "-", table, debug)
        options.coverage = report_path is not None  # the table's coverage in --report too
        spool = CaseSpool()
        converted: Report = _convert_into(spool, options, shown, debug)
        report.series, report.problems = converted.series, converted.problems
        report.coverage = converted.coverage
        report.cases_read, report.resources = converted.cases_read, converted.resources
        if not converted.written:
            _finish(report, report_path, quiet, EXIT_INVALID)
        units = spool.replayable()
        report.problems += _run(debug, lambda: case_problems(units))
    if client is not None:
        progress = Progress(shown, "$validate", "resources",
                            sum(report.resources.values()))
        try:
            _run(debug, lambda: validate_on_server(units, client, report, concurrency, progress))
        finally:
            progress.done()
            client.close()
    _finish(report, report_path, quiet, EXIT_INVALID if report.errors else EXIT_OK)


EPILOG_INSTALL_EXIT_CODES = """\b
Exit codes: 0 everything installed, 1 a source cannot be read (nothing sent), 2 usage error,
3 the server refused some resources, 4 internal error, 5 server unreachable or credentials
refused, 128+n stopped by signal n (130 Ctrl-C, 143 SIGTERM; re-run to finish)."""


@main.command("install-profiles", epilog=EPILOG_INSTALL_EXIT_CODES)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@server_options
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Requests in flight at once.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Write the outcome per resource type and every problem as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@progress_option
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def install_profiles(paths: tuple[str, ...], concurrency: int, report_path: str | None,
                     quiet: bool, show_progress: bool, debug: bool, server: str | None,
                     token_file: str | None,
                     user: str | None, password_file: str | None, ca_bundle: str | None,
                     insecure: bool, timeout: float, retries: int) -> None:
    """Install the conformance resources a server needs to validate casefhir's output: the
    StructureDefinitions, ValueSets and CodeSystems of npm packages (.tgz; their examples are
    left out), of folders of resource JSON files, or of single JSON files, plus casefhir's own
    CodeSystem. Each is sent as PUT Type/id, so running it again changes nothing. Run it before
    `casefhir validate --server`.

    \b
    Examples:
      casefhir install-profiles --server http://127.0.0.1:8080/fhir \\
          hl7.fhir.us.core-6.1.0.tgz mcode-stu4/
      CASEFHIR_SERVER=$URL casefhir install-profiles my-profile.json --token-file token.txt
    """
    from converter.server.conformance import InstallReport, install

    if not server:
        raise click.UsageError("give the server with --server URL (or CASEFHIR_SERVER)")
    _paths(paths, [Output("--report", report_path or "")], read=_server_files(locals()))
    client = _run(debug, lambda: make_client(server, token_file, user, password_file, ca_bundle,
                                             insecure, timeout, retries))
    progress = Progress(display(quiet, show_progress), "install-profiles", "resources")
    try:
        report: InstallReport = _run(debug, lambda: install(list(paths), client, concurrency,
                                                            progress, progress.set_total))
    finally:
        progress.done()
        client.close()
    _finish(report, report_path, quiet, EXIT_PARTIAL if report.failed else EXIT_OK)


EPILOG_LOAD_EXIT_CODES = """\b
Exit codes: 0 everything loaded (and pruned), 1 invalid input (nothing sent), 2 usage error
(a malformed token or password too), 3 the server rejected some resources, or their outcome
is unknown, or a case would overwrite another series' resource (or --skip-invalid left rows
out; with --prune nothing is deleted then), 4 internal error, 5 server unreachable, not
answering within (retries+1) x timeout + back-offs, or credentials refused (re-run to finish),
6 --prune not confirmed (loaded; nothing deleted), 128+n stopped by signal n (130 Ctrl-C,
143 SIGTERM; re-run to finish).
\b
An answer lost or in doubt (retried after a dropped connection or timeout, or a 500 the server
may send after storing) is settled by reading the resources back from the server."""


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


class InputTracker:
    """Watches the cases on their way to the loader: the series tags and, for --prune only
    (the set grows with the input), every Type/id; in input order, each case for the
    crosswalk."""

    def __init__(self, crosswalk: Any = None, keep_keys: bool = False) -> None:
        self.keys: set[str] = set()
        self.keep_keys = keep_keys
        self.series: set[str] = set()
        self.crosswalk = crosswalk

    def __call__(self, units: Any) -> Any:
        from converter.server.ownership import series_tags

        for unit in units:
            for resource in unit.resources:
                if self.keep_keys:
                    self.keys.add(f"{resource['resourceType']}/{resource['id']}")
                self.series |= series_tags(resource)
            if self.crosswalk is not None:
                self.crosswalk.expect(unit)
            yield unit


def _prune(client: Any, series: str, produced: set[str], report: Any, dry_run: bool, yes: bool,
           concurrency: int, debug: bool, legacy: bool = False,
           shown: Display | None = None) -> int:
    """Show what --prune deletes, ask (or take --yes), delete; the exit code."""
    from converter.server.prune import execute, plan_prune

    plan = _run(debug, lambda: plan_prune(client, series, produced, concurrency, legacy))
    report.prune = {"plan": plan.to_json(), "confirmed": False, "dry_run": dry_run}
    for line in plan.render():
        click.echo(line, err=True)
    if not plan.groups:
        return EXIT_OK
    if dry_run:
        click.echo("dry run: nothing was deleted", err=True)
        return EXIT_OK
    if not yes:
        if not _stdin_is_tty():
            click.echo(f"prune: nothing was deleted: deleting needs confirmation; run again "
                       f"with --yes to delete these {counted(plan.total, 'resource')} (exit code "
                       f"{EXIT_UNCONFIRMED})", err=True)
            return EXIT_UNCONFIRMED
        if not click.confirm(f"Delete these {counted(plan.total, 'resource')} from {client.base}?",
                             default=False, err=True):
            click.echo("prune: nothing was deleted", err=True)
            return EXIT_UNCONFIRMED
    report.prune["confirmed"] = True
    progress = Progress(shown or display(True, False), "prune", "resources", plan.total)
    try:
        result = _run(debug, lambda: execute(client, plan, concurrency, progress))
    finally:
        progress.done()
    report.prune["result"] = result.to_json()
    for line in result.render():
        click.echo(line, err=True)
    return EXIT_PARTIAL if result.failures else EXIT_OK


@main.command(cls=ConfigCommand, epilog=EPILOG_LOAD_EXIT_CODES)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@server_options
@table_options
@click.option("--mode", type=click.Choice(("transaction", "batch")), default="transaction",
              show_default=True,
              help="transaction: one Bundle per case, all-or-nothing; batch: Bundles of whole "
                   "cases up to --batch-size entries, each entry on its own.")
@click.option("--transaction-size", type=click.IntRange(1, 10_000), default=1,
              show_default=True,
              help="Entries per transaction: whole cases are grouped up to this size; a group "
                   "the server rejects is sent again case by case, so each case stays "
                   "all-or-nothing (1: one case per transaction).")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=100, show_default=True,
              help="Entries per batch Bundle (halved automatically if the server says 413).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Requests in flight at once.")
@click.option("--dry-run", is_flag=True,
              help="Read, convert and validate everything and show what would be sent; send "
                   "nothing. With --prune, also show what would be deleted (the server is only "
                   "read).")
@click.option("--crosswalk", "crosswalk_path", type=click.Path(dir_okay=False),
              help="Write the crosswalk: one line per resource with the source file, row, row "
                   "SHA-256 and case id it came from and what the server did with it (created, "
                   "updated, unchanged, rejected, unknown, not sent; HTTP status, version, "
                   "message). CSV, or JSON / NDJSON when the name ends in .json / .ndjson.")
@click.option("--prune", is_flag=True,
              help="After loading, delete from the server the resources of the series that no "
                   "longer come from the input (found by the series tag; deleted only when their "
                   "ids prove they are the series'), after showing them and asking (see --yes). "
                   "Not done when anything failed to load.")
@click.option("--prune-legacy-ids", is_flag=True,
              help="--prune: also delete the series' resources at casefhir 0.1 ids "
                   "(<series>-<case>-<role>), to move a series to the current ids; see "
                   "docs/mapping.md.")
@click.option("--yes", is_flag=True,
              help="--prune: delete without asking (needed when standard input is not a "
                   "terminal).")
@click.option("--bulk", is_flag=True,
              help="Use the server's $import: NDJSON files served from a temporary HTTP server "
                   "of casefhir's, imported in steps ordered by their references (--mode, "
                   "--transaction-size, --batch-size and --concurrency do not apply).")
@click.option("--bulk-host", default="127.0.0.1", show_default=True, metavar="ADDRESS",
              help="--bulk: the address to serve the NDJSON files on, as the FHIR server must "
                   "reach it (another machine's server needs an address of this one).")
@click.option("--bulk-port", type=click.IntRange(0, 65535), default=0,
              help="--bulk: the port to serve the NDJSON files on (default: a free one).")
@click.option("--bulk-timeout", type=click.FloatRange(1, 7 * 86400), default=3600,
              show_default=True,
              help="--bulk: seconds to wait for the $import jobs of each step.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Write the outcome per resource type and every problem as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@progress_option
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def load(inputs: tuple[str, ...], mode: str, transaction_size: int, batch_size: int,
         concurrency: int, dry_run: bool, crosswalk_path: str | None, prune: bool,
         prune_legacy_ids: bool, yes: bool,
         bulk: bool, bulk_host: str, bulk_port: int, bulk_timeout: float,
         report_path: str | None, quiet: bool, show_progress: bool, debug: bool,
         server: str | None,
         token_file: str | None, user: str | None, password_file: str | None,
         ca_bundle: str | None, insecure: bool, timeout: float, retries: int,
         **table: Any) -> None:
    """Load into a FHIR server: converter output (Bundles, NDJSON, folders) or a case-series
    table directly (converted and validated first; nothing is sent if a row is invalid).

    Every resource is sent as PUT Type/id with its deterministic id, so loading again changes
    nothing and an interrupted load is finished by running it again. Loading an edited table
    updates the resources that changed; the server keeps the others at their version.

    With --prune, the resources of the series on the server that the input no longer makes
    (rows removed, values that no longer give a resource) are listed, grouped by case, and
    deleted once confirmed; only that series is ever touched.

    With --bulk, the resources go as NDJSON through the server's $import (bulk data import),
    served from a temporary HTTP server on --bulk-host (loopback by default) that the FHIR
    server must be able to reach, in steps computed from the references (what a resource
    refers to is imported in an earlier step); see docs/bulk.md.

    \b
    Examples:
      casefhir load bundle.json --server http://127.0.0.1:8080/fhir
      casefhir load cases.csv --series-id kobayashi-2023 --server $URL --token-file token.txt
      casefhir load ndjson/ --mode batch --batch-size 200 --concurrency 8 --server $URL
      casefhir load cases.xlsx --series-id s1 --dry-run
      casefhir load cases.csv --series-id s1 --server $URL --crosswalk crosswalk.csv
      casefhir load cases.csv --series-id s1 --server $URL --prune --dry-run
      casefhir load cases.csv --series-id s1 --server $URL --prune --yes
      casefhir load ndjson/ --bulk --server $URL
      casefhir load cases.csv --series-id s1 --bulk --bulk-host 10.0.0.5 --server $URL
    """
    from converter.server.bulk import BulkOptions, BulkReport
    from converter.server.caseindex import stream_units
    from converter.server.caseunits import (
        CaseSpool,
        is_fhir_input,
        resource_units,
        unreadable_items,
    )
    from converter.server.load import LoadOptions, LoadReport

    _stdin_hint(inputs)  # before standard input is looked at
    fhir = [path for path in inputs if is_fhir_input(path, table["input_format"])]
    if fhir and len(fhir) != len(inputs):
        raise click.UsageError("give either FHIR files or one case-series table, not both")
    if not fhir and len(inputs) > 1:
        raise click.UsageError("load one case-series table at a time")
    if crosswalk_path and bulk:
        raise click.UsageError("--crosswalk needs the server's answer for each resource, which "
                               "$import does not give: load without --bulk (or write the "
                               "crosswalk with `casefhir convert --crosswalk`)")
    if yes and not prune:
        raise click.UsageError("--yes confirms --prune; there is nothing to confirm without it")
    if prune_legacy_ids and not prune:
        raise click.UsageError("--prune-legacy-ids is a kind of --prune; give --prune too")
    if prune and table["skip_invalid"]:
        raise click.UsageError("--prune cannot be used with --skip-invalid: the cases of the "
                               "rows left out would be deleted from the server")
    _paths(inputs, [Output("--report", report_path or ""),
                    Output("--crosswalk", crosswalk_path or ""),
                    Output("--rejects", table["rejects"] if table["skip_invalid"] else "")],
           read={"columns": table["columns_file"], "findings": table["findings"], **_server_files(locals())})
    client = None if dry_run and not prune else _run(debug, lambda: make_client(
        server, token_file, user, password_file, ca_bundle, insecure, timeout, retries))
    sender = None if dry_run else client
    report = (BulkReport if bulk else LoadReport)("load", inputs=list(inputs))
    shown = display(quiet, show_progress)
    cases: int | None = None  # how many the load sends, when known before it starts
    if fhir:
        unreadable = _run(debug, lambda: unreadable_items(list(inputs)))
        report.problems += [Problem(Severity.ERROR, message, where)
                            for where, message in unreadable]
        if unreadable:  # nothing is sent from input that cannot all be read
            _finish(report, report_path, quiet, EXIT_INVALID)
        units = resource_units(list(inputs)) if bulk else stream_units(list(inputs))
    else:
        options = table_convert_options(inputs[0], "-", table, debug)
        if options.skip_invalid and options.rejects is None:
            raise click.UsageError("--skip-invalid with load needs --rejects FILE")
        spool = CaseSpool()
        converted: Report = _convert_into(spool, options, shown, debug)
        cases = spool.count
        report.series = converted.series
        report.problems += converted.problems
        report.cases_read = converted.cases_read
        report.cases_rejected = converted.cases_rejected
        if not converted.written:
            _finish(report, report_path, quiet, EXIT_INVALID)
        units = spool.units()
    crosswalk = None
    if crosswalk_path:
        from converter.tables.crosswalk import LoadCrosswalk

        crosswalk = _run(debug, lambda: LoadCrosswalk(crosswalk_path))
    tracker = InputTracker(crosswalk, keep_keys=prune)
    try:
        code = _load(tracker(units), sender, report, crosswalk, Progress(shown, "load", "cases", cases),
                     debug, bulk,
                     BulkOptions(bulk_host, bulk_port, bulk_timeout, dry_run),
                     LoadOptions(mode, batch_size, concurrency, dry_run, transaction_size))
        if fhir and not bulk:
            report.cases_read = report.cases_written  # every case read was sent
        if not prune:
            _finish(report, report_path, quiet, code)
        _show(report, quiet)
        if code != EXIT_OK:
            click.echo(f"prune: not done: {counted(report.failed + report.unknown, 'resource')} "
                       "failed to load or have an unknown outcome; deleting "
                       "from a series that did not load completely could lose data. Fix the "
                       "errors above and load again with --prune.", err=True)
            _finish(report, report_path, quiet, code, shown=True)
        series = sorted(tracker.series)
        if len(series) != 1:
            click.echo("error: --prune: " + (
                f"the input holds {counted(len(series), 'series', 'series')} "
                f"({', '.join(series)}); load and prune "
                "one series at a time" if series else
                "the input carries no series tag, so there is no series to prune"), err=True)
            _finish(report, report_path, quiet, EXIT_USAGE, shown=True)
        code = _prune(client, series[0], tracker.keys, report, dry_run, yes, concurrency, debug,
                      prune_legacy_ids, shown)
        _finish(report, report_path, quiet, code, shown=True)
    finally:
        if client is not None:
            client.close()


LOAD_STOPPED = "what was sent stays on the server; run the same command again to finish"


def _load(units: Any, client: Any, report: Any, crosswalk: Any, progress: Progress, debug: bool,
          bulk: bool, bulk_options: Any, options: Any) -> int:
    """Send the cases (the load part of `load`) with their progress shown; the exit code so
    far."""
    from converter.server.bulk import bulk_load
    from converter.server.load import load_units

    if bulk:
        status = StatusLine(progress.shown, "load")
        try:
            _run(debug, lambda: bulk_load(units, client, bulk_options, report, status),
                 stopped=LOAD_STOPPED)
        finally:
            status.done()
    else:
        on_answers = crosswalk.answered if crosswalk is not None else None
        try:
            _run(debug, lambda: load_units(units, client, options, report, progress,
                                           on_answers), stopped=LOAD_STOPPED)
        except SystemExit:
            if crosswalk is not None:
                crosswalk.abort()
                click.echo(f"crosswalk not written ({crosswalk.path}): the load did not finish; "
                           "run the same command again", err=True)
            raise
        finally:
            progress.done()
    if crosswalk is not None:
        _run(debug, crosswalk.commit)
        report.outputs.append(crosswalk.path)
    return EXIT_PARTIAL if report.failed or report.unknown or report.cases_rejected else EXIT_OK


EPILOG_TEMPLATE_EXIT_CODES = """\b
Exit codes: 0 written, 1 a write failed, e.g. a full disk (nothing written), 2 usage error
(also: an output that cannot be written, or a dictionary file casefhir did not write, without
--force), 4 internal error, 128+n stopped by signal n (130 Ctrl-C, 143 SIGTERM)."""


@main.command(epilog=EPILOG_TEMPLATE_EXIT_CODES)
@click.option("-o", "--output", default="cases-template.xlsx", show_default=True,
              help="Template file: .xlsx (cases + dictionary sheets) or .csv (plus "
                   "<name>.dictionary.csv); '-' prints the CSV header.")
@click.option("--dictionary-markdown", is_flag=True,
              help="Print the data dictionary as Markdown instead.")
@click.option("--force", is_flag=True,
              help="Replace <name>.dictionary.csv even if casefhir did not write it.")
def template(output: str, dictionary_markdown: bool, force: bool) -> None:
    """Write an empty input table with the canonical headers and the data dictionary.

    \b
    Examples:
      casefhir template -o cases.xlsx
      casefhir template -o cases.csv
    """
    from converter.paths import template_outputs
    from converter.tables.template import dictionary_markdown as markdown
    from converter.tables.template import write_template

    if dictionary_markdown:
        click.echo(markdown(), nl=False)
        return
    _paths([], template_outputs(output), force)
    written = _run(False, lambda: write_template(output))
    if output != "-":
        click.echo("written: " + ", ".join(written), err=True)


EPILOG_TERMINOLOGY_EXIT_CODES = """\b
Exit codes: 0 written, 1 a FHIR-FILE cannot be read, or a write failed (nothing written),
2 usage error (also: no -o while standard output is a terminal, or an output that cannot be
written), 4 internal error, 141 the reader of '-o -' closed it early, 128+n stopped by
signal n (130 Ctrl-C, 143 SIGTERM)."""


@main.command(epilog=EPILOG_TERMINOLOGY_EXIT_CODES)
@click.argument("files", nargs=-1, metavar="[FHIR-FILE...]")
@click.option("-o", "--output",
              help="Where to write the CodeSystem (or with --bundle the Bundle) JSON ('-': "
                   "standard output; default: standard output, unless it is a terminal).")
@click.option("--bundle", is_flag=True,
              help="Write casefhir's whole local terminology as a collection Bundle: its "
                   "CodeSystem, its OncoTree CodeSystem, a CodeSystem of the series (those "
                   "tagged in FHIR-FILEs, and each --series-id) and NamingSystems of its "
                   "identifier systems. Load it beside the data (casefhir load) or into a "
                   "validator (hl7validate --ig).")
@click.option("--series-id", "series_ids", multiple=True, metavar="ID",
              help="With --bundle: list this series too (repeatable; no title unless a "
                   "FHIR-FILE's tag gives one).")
@click.option("--markdown", is_flag=True, help="Print every code casefhir uses, as Markdown.")
@click.option("--gene", "genes", multiple=True, metavar="SYMBOL",
              help="Show what a gene symbol resolves to in the HGNC table (repeatable).")
def terminology(files: tuple[str, ...], output: str | None, bundle: bool, series_ids: tuple[str, ...],
                markdown: bool, genes: tuple[str, ...]) -> None:
    """Write casefhir's own CodeSystem (https://casefhir.org/fhir/CodeSystem/casefhir), or with
    --bundle all of casefhir's local terminology, to load beside the data so validators know its
    codes; name the releases of the code tables casefhir ships (HGNC genes, Sequence Ontology);
    look gene symbols up.

    \b
    Examples:
      casefhir terminology -o casefhir-codesystem.json
      casefhir terminology --bundle out.json -o terminology.json
      casefhir terminology --bundle --series-id kobayashi-2023 -o terminology.json
      casefhir terminology --gene KRAS2 --gene HER2
    """
    from mappings.terminology.codesystem import casefhir_codesystem, terminology_markdown
    from mappings.terminology.genes import HGNC_RELEASE, resolve_gene
    from mappings.terminology.sequence_ontology import SO_RELEASE

    if (files or series_ids) and not bundle:
        raise click.UsageError("FHIR files and --series-id go with --bundle")
    if markdown:
        click.echo(terminology_markdown(), nl=False)
        return
    if genes:
        for symbol in genes:
            found = resolve_gene(symbol)
            entry = found.entry
            coded = f"{entry.symbol} {entry.hgnc_id} ({entry.name})" if entry else "not coded"
            click.echo(f"{symbol}: {found.status}: {coded}" +
                       (f" — {found.message}" if found.message else ""))
        return
    output = _fhir_output(output)
    _paths(files, [Output("-o", output)])
    if bundle:
        _run(False, lambda: write_json_atomic(output, _terminology_bundle(files, series_ids)))
    else:
        _run(False, lambda: write_json_atomic(output, casefhir_codesystem()))
    click.echo(f"gene ids: HGNC {HGNC_RELEASE}; sequence terms: Sequence Ontology {SO_RELEASE}",
               err=True)


def _terminology_bundle(files: tuple[str, ...], series_ids: tuple[str, ...]) -> dict[str, Any]:
    from converter.fhir.files import iter_resources
    from converter.problems import error
    from mappings.terminology.delivery import series_of_resources, terminology_bundle

    def resources() -> Iterator[dict[str, Any]]:  # streamed: only the series are kept
        for found in iter_resources(list(files)):
            if found.resource is None:
                raise InputError(error(found.problem or "unreadable", found.location))
            yield found.resource

    series = series_of_resources(resources())
    for series_id in series_ids:
        series.setdefault(series_id, None)
    return terminology_bundle(series)


EPILOG_SUMMARY_EXIT_CODES = """\b
Exit codes: 0 shown, 1 a FILE cannot be read, 2 usage error, 4 internal error, 5 server
unreachable, not answering, or credentials refused, 128+n stopped by signal n (130 Ctrl-C,
143 SIGTERM)."""


@main.command(epilog=EPILOG_SUMMARY_EXIT_CODES)
@click.argument("files", nargs=-1, metavar="[FILE...]")
@server_options
@click.option("--series-id", help="With --server: only this series (its meta.tag).")
@click.option("--show-queries", is_flag=True, help="With --server: print the FHIR searches.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def summary(files: tuple[str, ...], series_id: str | None, show_queries: bool, as_json: bool,
            debug: bool, server: str | None, token_file: str | None, user: str | None,
            password_file: str | None, ca_bundle: str | None, insecure: bool, timeout: float,
            retries: int) -> None:
    """The cohort table (sex, age, fusions, preoperative diagnoses, recurrence, metastasis,
    MRI findings) recomputed from FHIR alone: from files, or from a server with FHIR searches.

    \b
    Examples:
      casefhir summary out.json
      casefhir summary --server http://127.0.0.1:8080/fhir --series-id kobayashi-2023
      casefhir summary --server $URL --series-id kobayashi-2023 --show-queries
    """
    import orjson

    from converter.fhir.files import iter_resources
    from converter.tables.cohort import cohort, render_table, server_cohort, server_queries

    if bool(files) == bool(server):
        raise click.UsageError("give FHIR files, or --server (not both)")
    _stdin_hint(files)

    def compute() -> dict[str, Any]:
        if server:
            client = make_client(server, token_file, user, password_file, ca_bundle, insecure,
                                 timeout, retries)
            client.capability()
            return server_cohort(client, series_id).to_json()
        return cohort(f.resource for f in iter_resources(list(files))
                      if f.resource is not None).to_json()

    data = _run(debug, compute)
    if show_queries and server:
        for query in server_queries():
            tag = f"&_tag=https://casefhir.org/fhir/sid/series|{series_id}" if series_id else ""
            click.echo(f"GET {server.rstrip('/')}/{query.search}{tag}", err=True)
    if as_json:
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(render_table(data))


@main.command(epilog="""\b
Exit codes: 0 success, 1 invalid input or a write failed (nothing written), 2 usage error,
4 internal error, 5 server unreachable or refusing the credentials, 141 the reader of '-o -'
closed it early, 128+n stopped by signal n (130 Ctrl-C, 143 SIGTERM).""")
@click.argument("files", nargs=-1, metavar="[FILE...]")
@server_options
@click.option("--series-id", help="Only this series (required with --server).")
@click.option("-o", "--output", default="-", show_default=True,
              help="The table: .csv, .xlsx or .json ('-': CSV on standard output).")
@click.option("-t", "--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]),
              help="Table format (default: from the output's extension, else CSV).")
@click.option("--all-columns", is_flag=True,
              help="Every canonical column, not only those some case fills.")
@click.option("--findings-output", "findings_output", type=click.Path(dir_okay=False),
              metavar="FILE", help="Also write one row per molecular finding (CSV, XLSX or "
                                   "JSON by the name), readable back with convert --findings.")
@click.option("-q", "--quiet", is_flag=True, help="No summary.")
@progress_option
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def flatten(files: tuple[str, ...], series_id: str | None, output: str, fmt: str | None,
            all_columns: bool, findings_output: str | None, quiet: bool, show_progress: bool,
            debug: bool,
            server: str | None,
            token_file: str | None, user: str | None, password_file: str | None,
            ca_bundle: str | None, insecure: bool, timeout: float, retries: int) -> None:
    """FHIR made by casefhir back into the canonical table (one row per case), through the
    inverse of each mapping: from Bundle/NDJSON files, or a series on a server. Converting the
    table again gives the same FHIR. Cells a spreadsheet could run as formulas are made safe.

    \b
    Examples:
      casefhir flatten bundle.json -o cases.csv
      casefhir flatten out-ndjson/ -o cases.xlsx
      casefhir flatten --server http://127.0.0.1:8080/fhir --series-id kobayashi-2023 -o -
      casefhir flatten bundle.json -o cases.csv --findings-output findings.csv
    """
    from converter.tables.flatten import file_resources, server_resources, used_columns
    from converter.tables.flatten import flatten as flatten_resources
    from converter.tables.write import table_format, write_table
    from mappings.genomics import FINDING_COLUMNS

    if bool(files) == bool(server):
        raise click.UsageError("give FHIR files, or --server (not both)")
    if server and not series_id:
        raise click.UsageError("--server needs --series-id (the series to flatten)")
    table_kind = table_format(output, fmt)
    if table_kind == "xlsx" and output == "-":
        raise click.UsageError("XLSX cannot go to standard output; give -o FILE.xlsx")
    findings_kind = table_format(findings_output, None) if findings_output else None
    outputs = [Output("-o", output)]
    if findings_output:
        outputs.append(Output("--findings-output", findings_output))
    _paths(files, outputs, read=_server_files(locals()))
    progress = Progress(display(quiet, show_progress), "flatten", "resources")

    def tallied(resources: Iterator[Any]) -> Iterator[Any]:  # the resources read, as they go
        for number, resource in enumerate(resources, start=1):
            progress(number)
            yield resource

    def run() -> Any:
        if server:
            client = make_client(server, token_file, user, password_file, ca_bundle, insecure,
                                 timeout, retries)
            client.capability()
            resources = server_resources(client, str(series_id))
        else:
            resources = file_resources(list(files))
        try:
            result = flatten_resources(tallied(resources), series_id)
        finally:
            progress.done()
        headers = used_columns(result.rows, every=all_columns)
        write_table(output, headers, result.rows, table_kind)
        if findings_output and findings_kind:
            write_table(findings_output, FINDING_COLUMNS, result.findings, findings_kind)
        return result

    result = _run(debug, run)
    if not quiet:
        skipped = "".join(f"; {n:,} left out: {why}" for why, n in sorted(result.skipped.items()))
        click.echo(f"flatten: {counted(len(result.rows), 'case')} of series "
                   f"{', '.join(result.series) or '(none)'} from "
                   f"{counted(result.resources, 'resource')}"
                   f"{skipped}" + ("" if output == "-" else f"; written: {output}"), err=True)


if __name__ == "__main__":
    main()
