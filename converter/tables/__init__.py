"""Tables beside and from the FHIR: FHIR back to the canonical table (flatten.py), the cohort
summary recomputed from FHIR (cohort.py), the crosswalk from source rows to resources and server
outcomes (crosswalk.py), the empty input template (template.py), and writing tables people open in
spreadsheets, safe against formula injection (write.py).

May import: every stage below it — converter.output, converter.read, mappings, converter.fhir,
converter.server (flatten and the summary read a series from a server; the crosswalk records load
outcomes) — and the cross-cutting modules; never pipeline or cli.
"""
