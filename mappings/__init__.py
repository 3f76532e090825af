"""Mapping modules: pure functions `CaseRecord -> list[resource dict]`, one module per resource
family (patient, condition, genomics, pathology, imaging, procedure, treatment, outcome,
provenance), each with the inverse `from_fhir_*` beside its `to_fhir_*`; `case.py` runs them
all over one record (`map_record`) and back (`table_row`); `common.py` the small builders they
share; `profiles.py` the profile URLs; `terminology/` every code, as data.

May import: converter.read.schema (the record types), converter.fhir.ids and
converter.fhir.references, converter.problems, and each other; never the readers, the writers,
a server or the tables (tests/test_architecture.py).
"""
