"""Progress of the server commands on a real HAPI server, without a terminal and with
--progress (plain lines): load counts the cases against the number converted, --prune the
deletes against the plan, validate --server the resources against those it sends."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from converter.progress import INTERVAL_ENV
from tests.conftest import EXAMPLES, run

CASES = EXAMPLES / "published-molecular" / "cases.csv"


@pytest.fixture(autouse=True)
def every_call_a_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "0.000001")


def test_load_then_prune_show_their_progress_against_their_totals(hapi: Any,
                                                                   tmp_path: Path) -> None:
    loaded = run("load", CASES, "--series-id", "progress-srv", "--server", hapi.base,
                 "--progress", "--workers", "1")
    assert loaded.exit_code == 0, loaded.stderr
    assert re.search(r"^load: \d+ of 16 cases \(\d+%\), [\d,]+ cases/s, \d+ s left$",
                     loaded.stderr, re.M), loaded.stderr
    assert re.search(r"^load: done: 16 cases in \d+ s", loaded.stderr, re.M)

    fewer = tmp_path / "fewer.csv"  # the last two cases gone: their resources are pruned
    fewer.write_text("".join(CASES.read_text().splitlines(keepends=True)[:-2]))
    pruned = run("load", fewer, "--series-id", "progress-srv", "--server", hapi.base,
                 "--prune", "--yes", "--progress", "--workers", "1")
    assert pruned.exit_code == 0, pruned.stderr
    deleted = re.search(r"^pruned: (\d+) resources deleted", pruned.stderr, re.M)
    assert deleted, pruned.stderr
    assert re.search(rf"^prune: done: {deleted.group(1)} resources in \d+ s", pruned.stderr,
                     re.M), pruned.stderr


def test_validate_on_the_server_counts_the_resources_sent(hapi: Any) -> None:
    bundle = EXAMPLES / "published-molecular" / "bundle.json"
    result = run("validate", bundle, "--server", hapi.base, "--progress")
    assert result.exit_code in (0, 1), result.stderr  # verdicts depend on installed profiles
    total = re.search(r"^resources: (\d+)", result.stderr, re.M)
    assert total, result.stderr
    assert re.search(rf"^\$validate: \d+ of {total.group(1)} resources \(\d+%\)", result.stderr,
                     re.M), result.stderr
    assert re.search(rf"^\$validate: done: {total.group(1)} resources in \d+ s", result.stderr,
                     re.M)
