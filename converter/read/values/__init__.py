"""converter.read.values."""
