"""Talking to a FHIR server: the REST client with deadlines, retries and TLS (client.py), cases as
units of work (caseunits.py) and their on-disk grouping from FHIR files (caseindex.py), loading
in transactions or batches (load.py), bulk $import (bulk.py), who holds an id (ownership.py),
outcomes read back when an answer is lost (readback.py), pruning a series (prune.py), server-side
$validate (validate.py), installing conformance resources (conformance.py), and bounded
concurrency (concurrency.py).

May import: converter.problems, converter.signals, converter.credentials, converter.output,
converter.report, converter.read, converter.fhir and mappings; never tables, pipeline or cli.
"""
