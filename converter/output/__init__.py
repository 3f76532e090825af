"""converter.output."""
