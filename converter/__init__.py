"""casefhir's engine and command line, in stages that read like the data flow:

    read/     tables in (CSV, TSV, JSON, NDJSON, XLSX) → rows of cells → validated case records
    (mappings/, beside converter/: records → FHIR resources, and back)
    fhir/     FHIR resources checked (structure, ids, references), bundled, written, read back
    server/   a FHIR server: the client, load, bulk $import, prune, $validate, profiles
    tables/   FHIR back to tables (flatten, the cohort summary), and the tables written beside
              the FHIR (crosswalk, template)
    output/   files and folders that appear whole or not at all
    pipeline.py  read → record → map → validate → write, one case at a time
    cli.py       the `casefhir` command: options in, one library call, messages out

Cross-cutting modules at the top: problems.py (located problems), report.py (the run report),
signals.py (stopping cleanly), credentials.py (this run's secrets, and their redaction),
csvcells.py (the CSV formula guard), paths.py (the CLI's checks of the paths a command reads and
writes), clickerrors.py (click's usage errors, shortened), config.py and clickconfig.py (a
series' casefhir.toml: read and checked, then applied as option defaults).

May import: each stage only the stages below it — output; read; mappings; fhir; server; tables;
then pipeline, paths and cli on top (docs/architecture.md; tests/test_architecture.py). The
cross-cutting modules import none of the stages but output.
"""

import time

__version__ = "0.6.0"

# When this process began running casefhir (importing this package is the first thing it does):
# a command's summary reports the time since, its real wall time, start-up and imports included.
STARTED = time.monotonic()
