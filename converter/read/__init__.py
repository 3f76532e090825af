"""Reading case-series tables: files in, validated case records out.

rows.py (what every reader produces: rows of located text cells), tables.py (CSV, TSV, JSON,
NDJSON, and choosing the reader), sniff.py (the kind of input, from its first bytes), stdin.py
(standard input, looked at before it is read), xlsx.py with xlsxpackage.py, xlsxbook.py and
xlsxsheet.py (XLSX within stated limits; xlsx.rows_table turns any spreadsheet's rows into a
Table), ods.py with odscontent.py (ODS, on the same ZIP guard and limits), xls.py (legacy .xls
through xlrd, checked before it parses), sheetkind.py (which spreadsheet a file is, from its
first bytes), dictionary.py (the canonical columns and their aliases), schema.py (the
record types the mappings read), records.py (rows → CaseRecords, every problem located), and
values/ (one parser module per kind of value: text, terms, times, sizes, sites, fusions,
outcomes).

May import: converter.problems, converter.csvcells, converter.signals, converter.output,
converter.report and mappings.terminology (the vocabularies); never fhir, server, tables or the
mapping modules.
"""
