"""Rewrite the golden outputs of the examples (see examples.toml). Run after a deliberate
mapping change, then review the diff: `python examples/regenerate.py && git diff examples/`."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).parent


def main() -> None:
    examples = tomllib.loads((HERE / "examples.toml").read_text())
    for name, example in examples.items():
        command = [sys.executable, "-m", "converter", "convert", str(HERE / example["input"]),
                   *example["args"], "--pretty", "-q", "-o", str(HERE / example["output"])]
        subprocess.run(command, check=True)
        print(f"{name}: {example['output']}")


if __name__ == "__main__":
    main()
