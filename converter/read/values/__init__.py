"""Value parsers: a cell's text as real tables write it → a typed value of the record schema,
one module per kind of value (text, terms, times, sizes, sites, hgvs, alterations, outcomes)
and parsers.py, which names the parser of each kind of column. Each parser takes the cell text,
the unit hint from the header and a `warn` callback, and returns a value or raises InvalidValue
with a message a researcher can act on. New kinds of value (a treatment parser) get a module of
their own here.

May import: converter.problems, converter.read.schema, mappings.terminology, and each other.
"""
