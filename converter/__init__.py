"""casefhir's engine: read case-series tables, normalise them into records, map, validate,
bundle and write FHIR R4."""

__version__ = "0.2.0"
