"""converter.read."""
