"""Click's own usage errors quote long values short (the rest of the message kept whole)."""

from __future__ import annotations

import pytest

from converter.clickerrors import shorten_values
from tests.conftest import run


def test_long_quoted_values_and_words_are_shortened() -> None:
    message = shorten_values(f"'{'a' * 5000}' is not one of 'csv', 'tsv' (got {'b' * 5000})")
    assert message == f"'{'a' * 199}\u2026' is not one of 'csv', 'tsv' (got {'b' * 199}\u2026)"
    assert shorten_values("Path '/a/b/c.csv' does not exist.") == \
        "Path '/a/b/c.csv' does not exist."
    assert len(shorten_values("word " * 100_000)) <= 2_000


@pytest.mark.parametrize("args", [
    ["convert", "x.csv", "-f", "z" * 100_000],
    ["convert", "x.csv", "--" + "z" * 100_000],
    ["convert", "x.csv", "--workers", "z" * 100_000],
    ["convert", "x.csv", "y" * 100_000],
    ["z" * 100_000],
])
def test_the_cli_echoes_no_long_value(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "Error: " in result.stderr and len(result.stderr) < 1_000, result.stderr[:1_000]
    assert "\u2026" in result.stderr
