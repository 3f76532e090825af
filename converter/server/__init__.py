"""converter.server."""
