"""The conversion pipeline, one case at a time: read → record → map → validate → write.

Nothing is held beyond the current case (apart from the case ids seen, to refuse duplicates),
and nothing reaches the destination unless the whole input is valid (or `skip_invalid` is set,
in which case invalid rows go to a rejects file instead).
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace

import orjson

from converter.coverage import CellOutcome, Coverage, row_coverage
from converter.csvcells import csv_safe
from converter.fhir.fastvalidate import fast_structure_errors
from converter.fhir.narrative import add_narratives
from converter.fhir.validate import integrity_errors, structure_errors
from converter.fhir.write import Writer, open_writer
from converter.output.atomic import AtomicFile
from converter.paths import default_rejects_path
from converter.problems import InputError, Location, Problem, Severity, error
from converter.read.cbioportal import is_study, open_study
from converter.read.columnmap import ColumnMap
from converter.read.findingsfile import JoinedFindings, read_findings
from converter.read.records import CaseIds, RecordBuilder, SourceRow
from converter.read.rows import RawRow, ReadPosition, Table, display_name
from converter.read.schema import Series
from converter.read.tables import open_table
from converter.read.titles import without_titles_and_footnotes
from converter.report import Report
from converter.signals import blocked, critical, init_worker
from converter.signals import check as check_stop
from mappings.case import map_record
from mappings.common import Resource, rid

BATCH_ROWS = 64  # rows a worker converts at a time


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
    column_map: ColumnMap | None = None
    ignore_unmapped: bool = False
    skip_invalid: bool = False
    rejects: str | None = None
    strict: bool = False
    pretty: bool = False
    full_validation: bool = False
    workers: int = 1
    crosswalk: str | None = None  # also write the crosswalk (converter/tables/crosswalk.py) here
    report: str | None = None  # write the report here, put in place with the outputs
    force: bool = False  # an output folder may hold files casefhir did not write (left alone)
    findings: tuple[str, ...] = ()  # findings files (one row per finding) joined to the cases
    coverage: bool = False  # count what each column's cells became (converter/coverage.py)
    narrative: bool = True  # each resource's `text` (converter/fhir/narrative.py)


def check_resources(resources: list[Resource], source: SourceRow,
                    full_validation: bool = False) -> list[Problem]:
    """Every resource valid R4 structure (through the shape cache of converter/fhir/fastvalidate.py
    unless `full_validation`); ids unique and references resolved within the case.

    A failure here is a casefhir bug (the record was valid), reported at the source row."""
    validate = structure_errors if full_validation else fast_structure_errors
    messages: list[str] = []
    for resource in resources:
        messages += [f"{resource['resourceType']}/{resource.get('id')}: {m}"
                     for m in validate(resource)]
    messages += integrity_errors(resources)
    return [error(f"casefhir produced invalid FHIR for this case ({m}); please report this bug",
                  source.location()) for m in messages]




def stage_rejects(path: str, table: Table, rejected: list[tuple[RawRow, list[Problem]]]
                  ) -> AtomicFile:
    """The rejects CSV written beside `path`, to publish() with the outputs."""
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
        out.writerow([csv_safe(v) for v in
                      [table.name, str(raw.number), reasons, *(cells.get(h, "") for h in headers)]])
    target = AtomicFile(path)
    try:
        target.write(buffer.getvalue().encode("utf-8"))
        target.finish()
    except BaseException:
        target.abort()
        raise
    return target


# ------------------------------------------------------------------ one case, anywhere
@dataclass(frozen=True, slots=True)
class CaseResult:
    """What converting one row gives, small enough to send back from a worker process."""

    case_id: str | None
    key: str | None  # the Patient id, when the row made a record
    source: SourceRow
    problems: list[Problem]
    payload: bytes | None  # the case's resources as a JSON array, when valid
    coverage: tuple[CellOutcome, ...] | None = None  # each cell's outcome, when counted


def convert_rows(builder: RecordBuilder, rows: list[RawRow], strict: bool,
                 full_validation: bool, coverage: bool = False,
                 narrative: bool = True) -> list[CaseResult]:
    """Record → mapping → narrative → validation for a batch of rows (in this or a worker
    process); with `coverage`, also what each cell of a valid row became (converter/coverage.py,
    which reads the mappings alone: the narrative repeats what they made)."""
    results = []
    for raw in rows:
        parsed = builder.parse(raw)
        record, source, problems = builder.record(parsed)
        resources: list[Resource] = []
        if record is not None:
            resources = map_record(record)
            if narrative:
                resources = add_narratives(resources)
            problems += check_resources(resources, source, full_validation)
        if strict:
            problems = [replace(p, severity=Severity.ERROR) for p in problems]
        valid = record is not None and not any(p.severity is Severity.ERROR for p in problems)
        case_id = record.case_id if record is not None else next(
            (p.case_id for p in problems if p.case_id is not None), None)
        outcomes = None
        if coverage and valid:
            assert record is not None
            outcomes = row_coverage(builder, parsed, record, problems)
        results.append(CaseResult(case_id, rid(record) if record is not None else None, source,
                                  problems, orjson.dumps(resources) if valid else None, outcomes))
    return results


_worker: tuple[RecordBuilder, bool, bool, bool, bool] | None = None


def _start_worker(table: Table, options: ConvertOptions, parent: int,
                  joined: JoinedFindings | None) -> None:
    global _worker
    init_worker(parent)  # ignore Ctrl-C (the main process stops us); die with the main process
    _worker = (record_builder(table, options, joined), options.strict, options.full_validation,
               options.coverage, options.narrative)


def record_builder(table: Table, options: ConvertOptions,
                   joined: JoinedFindings | None) -> RecordBuilder:
    return RecordBuilder(table, options.series, options.column_map, options.ignore_unmapped,
                         joined.by_case if joined else None,
                         ", ".join(f.name for f in joined.files) if joined else None)


def open_findings(paths: tuple[str, ...], encoding: str,
                  case_of_sample: Mapping[str, str] | None = None) -> JoinedFindings | None:
    """The findings files, read whole (they are joined to cases as these stream by), or None."""
    if not paths:
        return None
    return JoinedFindings([read_findings(open_table(path, None, None, encoding), case_of_sample)
                           for path in paths])


def open_input(options: ConvertOptions) -> tuple[Table, ConvertOptions, JoinedFindings | None,
                                                 list[Problem]]:
    """The cases table and the findings joined to it: a table and its --findings files, or a
    cBioPortal study folder (whose clinical attributes the dictionary does not know are left
    out)."""
    if is_study(options.input):
        study = open_study(options.input, options.encoding)
        options = replace(options, ignore_unmapped=True,
                          findings=(*study.findings, *options.findings))
        joined = open_findings(options.findings, options.encoding, study.case_of_sample)
        return study.table, options, joined, study.problems
    table = open_table(options.input, options.input_format, options.sheet, options.encoding,
                       options.delimiter)
    table, notes = without_titles_and_footnotes(table)
    return table, options, open_findings(options.findings, options.encoding), notes


def _work(rows: list[RawRow]) -> list[CaseResult]:
    assert _worker is not None
    builder, strict, full_validation, coverage, narrative = _worker
    return convert_rows(builder, rows, strict, full_validation, coverage, narrative)


def _batches(rows: Iterator[RawRow], size: int) -> Iterator[list[RawRow]]:
    batch: list[RawRow] = []
    for raw in rows:
        if raw.is_blank():
            continue
        batch.append(raw)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def converted(table: Table, builder: RecordBuilder, options: ConvertOptions,
              joined: JoinedFindings | None = None,
              ) -> Generator[tuple[RawRow, CaseResult], None, None]:
    """Every non-blank row with its result, in input order. With more than one worker and more
    than a couple of batches of rows, batches go to worker processes (a bounded number ahead)."""
    batches = _batches(table.rows, BATCH_ROWS)
    head = list(itertools.islice(batches, 2))
    if options.workers <= 1 or len(head) < 2:
        for batch in itertools.chain(head, batches):
            yield from zip(batch, convert_rows(builder, batch, options.strict,
                                               options.full_validation, options.coverage,
                                               options.narrative), strict=True)
        return
    # The first batch is converted here, before the fork: that imports fhir.resources and builds
    # every model's validator once, so forked workers share those pages rather than each
    # building a copy; gc.freeze keeps the collector from touching (and so copying) them.
    first = head.pop(0)
    yield from zip(first, convert_rows(builder, first, options.strict, options.full_validation,
                                       options.coverage, options.narrative),
                   strict=True)
    gc.freeze()
    context = multiprocessing.get_context("fork" if "fork" in
                                          multiprocessing.get_all_start_methods() else "spawn")
    shell = replace(table, rows=iter(()), position=None)  # the parent reads; workers convert
    pool = ProcessPoolExecutor(options.workers, mp_context=context, initializer=_start_worker,
                               initargs=(shell, options, os.getpid(), joined))
    try:
        window: deque[tuple[list[RawRow], Future[list[CaseResult]]]] = deque()
        for batch in itertools.chain(head, batches):
            with blocked():  # the first submit forks the workers and starts the pool's threads
                submitted = pool.submit(_work, batch)
            window.append((batch, submitted))
            if len(window) >= 3 * options.workers:
                done, future = window.popleft()
                yield from zip(done, future.result(), strict=True)
        while window:
            done, future = window.popleft()
            yield from zip(done, future.result(), strict=True)
    finally:  # stopped early (an error, a signal): batches not begun are dropped, not waited for
        pool.shutdown(wait=True, cancel_futures=True)


# ------------------------------------------------------------------ the whole table
def convert(options: ConvertOptions, on_case: Callable[[int], None] | None = None,
            writer: Writer | None = None,
            on_input: Callable[[ReadPosition | None], None] | None = None) -> Report:
    """Convert one input table. Raises InputError for input that cannot be read at all and
    OutputError for a destination that cannot be written; row problems go into the Report.
    `writer` replaces the file writer the options describe (load uses one that keeps cases).
    `on_input` is told, once the input is open, how to see how far it has been read (None:
    it cannot be told); `on_case` is given the number of cases read after each case."""
    started = time.perf_counter()
    report = Report("convert", inputs=[display_name(options.input)], series=options.series.id)
    table, options, joined, input_problems = open_input(options)
    if on_input is not None:
        on_input(table.position)
    builder = record_builder(table, options, joined)
    report.problems.extend(input_problems)
    input_problems_seen = len(input_problems)  # footnote rows add theirs as they are read
    report.problems.extend(builder.header_problems)
    if joined is not None:
        report.inputs += [f.name for f in joined.files]
        report.problems.extend(joined.problems)
    joined_cases: set[str] = set()
    coverage = None
    if options.coverage:
        coverage = Coverage(table, builder)
    rejects_path = options.rejects
    if options.skip_invalid and rejects_path is None:
        if options.output == "-":
            raise InputError(error("--skip-invalid with output to standard output needs "
                                   "--rejects FILE"))
        rejects_path = default_rejects_path(options.output)
    if writer is None:
        writer = open_writer(options.output, options.output_format, options.per_case,
                             options.series, options.pretty, options.force)
        if options.crosswalk is not None:
            from converter.tables.crosswalk import CrosswalkFile, CrosswalkTee

            try:
                writer = CrosswalkTee(writer, CrosswalkFile(options.crosswalk,
                                                            with_outcomes=False))
            except BaseException:
                writer.abort()
                raise
    case_ids = CaseIds(table.row_kind)
    rejected: list[tuple[RawRow, list[Problem]]] = []
    staged: list[AtomicFile] = []  # written, to be put in place with the outputs
    failed = False
    results = converted(table, builder, options, joined)
    try:
        for raw, result in results:
            report.cases_read += 1
            problems = result.problems
            duplicate = (case_ids.check(result.case_id, result.source)
                         if result.case_id is not None else None)
            if duplicate is not None:
                problems = [*problems, duplicate]
            report.problems.extend(problems)
            if joined is not None and result.case_id is not None:
                joined_cases.add(result.case_id)
            if coverage is not None:  # a rejected row's cells are counted as such
                coverage.add(raw, result.coverage if duplicate is None else None)
            if result.payload is None or duplicate is not None:
                report.cases_rejected += 1
                if options.skip_invalid:
                    rejected.append((raw, problems))
                else:
                    failed = True
            else:
                resources = orjson.loads(result.payload)
                report.resources.update(r["resourceType"] for r in resources)
                report.cases_written += 1
                if not failed:
                    assert result.key is not None
                    writer.add_case(result.key, resources, result.source)
            if on_case is not None:
                on_case(report.cases_read)
            check_stop()
        if report.cases_read == 0:
            report.problems.append(error(
                "no cases: the input has a header but no data rows" if table.row_kind == "row"
                else "no cases: the input holds no records", Location(table.name)))
            failed = True
        elif options.skip_invalid and report.cases_written == 0:
            failed = True
        report.problems.extend(input_problems[input_problems_seen:])
        if joined is not None:  # a finding no case takes would be lost
            lost = joined.unmatched(joined_cases)
            report.problems.extend(lost)
            failed = failed or bool(lost) or any(p.severity is Severity.ERROR
                                                 for p in joined.problems)
        results.close()  # worker processes end here
        if coverage is not None:
            report.coverage = coverage.to_json()
        if failed:
            writer.abort()
        else:
            # every output written out first (a full disk shows here), then all renamed into
            # place together: either every output appears, or none
            report.outputs = writer.finish()
            if rejected and rejects_path is not None:
                staged.append(stage_rejects(rejects_path, table, rejected))
                report.rejects_file = rejects_path
            report.written = True
            if options.report is not None:
                report.seconds = time.perf_counter() - started
                staged.append(report.stage(options.report))
            with critical():
                writer.publish()
                for item in staged:
                    item.publish()
            report.saved = options.report is not None
    except BaseException:
        writer.abort()
        for item in staged:
            item.abort()
        raise
    finally:
        results.close()
        report.seconds = time.perf_counter() - started
    return report
