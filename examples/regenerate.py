"""Rewrite the golden outputs of the examples (see examples.toml) and of the corpus of published
tables (tests/corpus/corpus.toml, converted with tests/corpus/ as the working directory, so its
paths are relative to it). Run after a deliberate mapping change, then review the diff:
`python examples/regenerate.py && git diff examples/ tests/corpus/`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
CORPUS = ROOT / "tests" / "corpus"


def regenerate(catalogue: Path, coverage: bool = False) -> None:
    """Convert every table the catalogue lists, in its own folder, into its golden output; with
    `coverage`, also its per-column coverage (--report's `coverage`) as coverage.json beside it."""
    folder = catalogue.parent.resolve()
    for name, table in tomllib.loads(catalogue.read_text()).items():
        with tempfile.TemporaryDirectory() as scratch:
            report = Path(scratch) / "report.json"
            command = [sys.executable, "-m", "converter", "convert", table["input"],
                       *table["args"], "--pretty", "-q", "-o", table["output"],
                       *(["--report", str(report)] if coverage else [])]
            # the converter is this checkout's, wherever the working directory is
            environment = {**os.environ, "PYTHONPATH": str(ROOT.resolve())}
            subprocess.run(command, check=True, cwd=folder, env=environment)
            if coverage:
                columns = json.loads(report.read_bytes())["coverage"]
                coverage_file(folder / table["output"]).write_text(
                    json.dumps(columns, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{name}: {(folder / table['output']).relative_to(ROOT.resolve())}")


def coverage_file(output: Path) -> Path:
    """Where the per-column coverage of a golden output is kept."""
    return output.with_name("coverage.json")


def main() -> None:
    regenerate(HERE / "examples.toml")
    regenerate(CORPUS / "corpus.toml", coverage=True)


if __name__ == "__main__":
    main()
