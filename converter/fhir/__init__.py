"""converter.fhir."""
