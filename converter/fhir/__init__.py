"""FHIR as files: ids from business keys (ids.py), references (references.py), validation in
full and fast (validate.py, fastvalidate.py), Bundles (bundle.py), the writers of Bundles and
NDJSON (write.py), and reading FHIR files back (files.py).

May import: converter.problems, converter.signals, converter.output, converter.report,
converter.read (the record schema and source rows) and mappings; never server or tables.
"""
