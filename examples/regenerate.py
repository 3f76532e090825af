"""Rewrite the golden outputs of the examples (see examples.toml) and of the corpus of published
tables (tests/corpus/corpus.toml, converted with tests/corpus/ as the working directory, so its
paths are relative to it). Run after a deliberate mapping change, then review the diff:
`python examples/regenerate.py && git diff examples/ tests/corpus/`."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
CORPUS = ROOT / "tests" / "corpus"


def regenerate(catalogue: Path) -> None:
    """Convert every table the catalogue lists, in its own folder, into its golden output."""
    folder = catalogue.parent.resolve()
    for name, table in tomllib.loads(catalogue.read_text()).items():
        command = [sys.executable, "-m", "converter", "convert", table["input"], *table["args"],
                   "--pretty", "-q", "-o", table["output"]]
        # the converter is this checkout's, wherever the working directory is
        environment = {**os.environ, "PYTHONPATH": str(ROOT.resolve())}
        subprocess.run(command, check=True, cwd=folder, env=environment)
        print(f"{name}: {(folder / table['output']).relative_to(ROOT.resolve())}")


def main() -> None:
    regenerate(HERE / "examples.toml")
    regenerate(CORPUS / "corpus.toml")


if __name__ == "__main__":
    main()
