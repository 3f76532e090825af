"""converter.tables."""
