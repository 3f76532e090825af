"""The conversion pipeline, one case at a time: read → record → map → validate → write.

Nothing is held beyond the current case (apart from the case ids seen, to refuse duplicates),
and nothing reaches the destination unless the whole input is valid (or `skip_invalid` is set,
in which case invalid rows go to a rejects file instead).
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from converter.problems import InputError, Location, Problem, Severity, error
from converter.readers import RawRow, Table, open_table
from converter.records import RecordBuilder, SourceRow
from converter.report import Report
from converter.schema import Series
from converter.validate import integrity_errors, structure_errors
from converter.write import AtomicFile, Writer, open_writer
from mappings import Resource, map_record
from mappings.common import rid


@dataclass
class ConvertOptions:
    input: str
    series: Series
    output: str = "-"
    output_format: str = "transaction"
    per_case: bool = False
    input_format: str | None = None
    sheet: str | None = None
    encoding: str = "utf-8"
    delimiter: str | None = None
    column_map: Mapping[str, str | None] | None = None
    ignore_unmapped: bool = False
    skip_invalid: bool = False
    rejects: str | None = None
    strict: bool = False
    pretty: bool = False


def check_resources(resources: list[Resource], source: SourceRow) -> list[Problem]:
    """Every resource valid R4 structure; ids unique and references resolved within the case.

    A failure here is a casefhir bug (the record was valid), reported at the source row."""
    messages: list[str] = []
    for resource in resources:
        messages += [f"{resource['resourceType']}/{resource.get('id')}: {m}"
                     for m in structure_errors(resource)]
    messages += integrity_errors(resources)
    return [error(f"casefhir produced invalid FHIR for this case ({m}); please report this bug",
                  source.location()) for m in messages]


def default_rejects_path(output: str) -> str:
    path = Path(output)
    return str(path.with_name(path.name.split(".")[0] + ".rejects.csv"))


def _csv_safe(value: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula (CSV injection)."""
    if value[:1] in ("=", "@", "\t", "\r") or (
            value[:1] in ("+", "-") and len(value) > 1
            and not re.fullmatch(r"[+-]\d+(\.\d+)?", value)):
        return "'" + value
    return value


def write_rejects(path: str, table: Table, rejected: list[tuple[RawRow, list[Problem]]]) -> None:
    headers: list[str] = [text for text, _ in table.headers]
    for raw, _ in rejected:
        headers += [c.header for c in raw.cells if c.header not in headers]
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(["source_file", f"source_{table.row_kind}", "problems", *headers])
    for raw, problems in rejected:
        cells = {c.header: c.value or "" for c in raw.cells}
        reasons = "; ".join(f"{p.location.column + ': ' if p.location and p.location.column else ''}"
                            f"{p.message}" for p in problems if p.severity is Severity.ERROR)
        out.writerow([_csv_safe(v) for v in
                      [table.name, str(raw.number), reasons, *(cells.get(h, "") for h in headers)]])
    target = AtomicFile(path)
    try:
        target.write(buffer.getvalue().encode("utf-8"))
        target.commit()
    except BaseException:
        target.abort()
        raise


def convert(options: ConvertOptions, on_case: Callable[[int], None] | None = None,
            writer: Writer | None = None) -> Report:
    """Convert one input table. Raises InputError for input that cannot be read at all and
    OutputError for a destination that cannot be written; row problems go into the Report.
    `writer` replaces the file writer the options describe (load uses one that keeps cases)."""
    started = time.perf_counter()
    report = Report("convert", inputs=[options.input], series=options.series.id)
    table = open_table(options.input, options.input_format, options.sheet, options.encoding,
                       options.delimiter)
    builder = RecordBuilder(table, options.series, options.column_map, options.ignore_unmapped)
    report.problems.extend(builder.header_problems)
    rejects_path = options.rejects
    if options.skip_invalid and rejects_path is None:
        if options.output == "-":
            raise InputError(error("--skip-invalid with output to standard output needs "
                                   "--rejects FILE"))
        rejects_path = default_rejects_path(options.output)
    if writer is None:
        writer = open_writer(options.output, options.output_format, options.per_case,
                             options.series, options.pretty)
    rejected: list[tuple[RawRow, list[Problem]]] = []
    failed = False
    try:
        for raw in table.rows:
            if raw.is_blank():
                continue
            report.cases_read += 1
            record, source, problems = builder.build(raw)
            resources: list[Resource] = []
            if record is not None:
                resources = map_record(record)
                problems += check_resources(resources, source)
            if options.strict:
                problems = [replace(p, severity=Severity.ERROR) for p in problems]
            report.problems.extend(problems)
            if record is None or any(p.severity is Severity.ERROR for p in problems):
                report.cases_rejected += 1
                if options.skip_invalid:
                    rejected.append((raw, problems))
                else:
                    failed = True
            else:
                report.resources.update(r["resourceType"] for r in resources)
                report.cases_written += 1
                if not failed:
                    writer.add_case(rid(record), resources, source)
            if on_case is not None:
                on_case(report.cases_read)
        if report.cases_read == 0:
            report.problems.append(error("no cases: the input has a header but no data rows",
                                         Location(table.name)))
            failed = True
        elif options.skip_invalid and report.cases_written == 0:
            failed = True
        if failed:
            writer.abort()
        else:
            report.outputs = writer.commit()
            report.written = True
            if rejected and rejects_path is not None:
                write_rejects(rejects_path, table, rejected)
                report.rejects_file = rejects_path
    except BaseException:
        writer.abort()
        raise
    finally:
        report.seconds = time.perf_counter() - started
    return report
