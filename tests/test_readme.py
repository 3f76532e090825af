"""The README's commands work when pasted in order on a fresh machine (issue 15).

Every code block the README marks `<!-- tested by tests/test_readme.py -->` is run, in order, in
one bash shell, in a copy of the repository's files (what a fresh clone holds), with no casefhir
on the PATH and no virtual environment active: the quick start creates and activates its own,
installing casefhir with pip as a new user would. The HAPI FHIR jar the test suite built is
linked into the copy, so `fhir-server/hapi start` starts the real server without building it
again."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "<!-- tested by tests/test_readme.py -->"
JAR = Path("fhir-server/target/casefhir-fhir-server.jar")


def marked_blocks(readme: str) -> list[str]:
    return re.findall(re.escape(MARK) + r"\n```[a-z]*\n(.*?)```", readme, re.DOTALL)


def fresh_copy(target: Path) -> None:
    """The files git tracks or would (a clone, with this checkout's changes), dated long
    ago so the linked HAPI jar is newer than every source it is built from."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for path in target.rglob("*"):
        os.utime(path, (0, 0), follow_symlinks=False)
    (target / JAR).parent.mkdir(parents=True, exist_ok=True)
    (target / JAR).symlink_to(ROOT / JAR)


def new_user_environment() -> dict[str, str]:
    """The environment without this test run's virtual environment on the PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and not Path(p, "casefhir").exists())
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def test_the_marked_blocks_are_the_quick_start_and_loading() -> None:
    blocks = marked_blocks((ROOT / "README.md").read_text())
    assert len(blocks) == 2
    assert blocks[0].startswith("python3 -m venv .venv") and "hapi start" in blocks[1]


def test_the_readme_commands_run_in_order_on_a_fresh_copy(tmp_path: Path) -> None:
    assert (ROOT / JAR).is_file(), "scripts/test builds the HAPI jar before the tests"
    copy = tmp_path / "casefhir"
    fresh_copy(copy)
    env = new_user_environment()
    assert shutil.which("casefhir", path=env["PATH"]) is None
    script = "set -euo pipefail\n" + "\n".join(marked_blocks((copy / "README.md").read_text()))
    try:
        done = subprocess.run(["bash", "-c", script], cwd=copy, env=env, capture_output=True,
                              text=True, timeout=1200)
    finally:  # a server the script started and could not stop
        subprocess.run(["bash", str(copy / "fhir-server" / "hapi"), "stop"], cwd=copy,
                       capture_output=True, timeout=120)
    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-4000:]
    assert "command not found" not in said
    bundle = (copy / "kobayashi-2023.json").read_bytes()
    assert bundle.startswith(b'{"resourceType":"Bundle"')
    # validate, summary and the piped validate: 86 resources, no problem
    assert said.count("resources: 86 ") >= 2 and "problems: 0 errors, 0 warnings" in said
    assert re.search(r"^patients\s+6$", done.stdout, re.MULTILINE), done.stdout
    totals = re.findall(r"^total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", done.stderr, re.MULTILINE)
    assert len(totals) == 2, done.stderr
    assert totals[0] == ("86", "0", "0", "0") or sum(map(int, totals[0][:3])) == 86
    assert totals[1] == ("0", "0", "86", "0")  # loading again changes nothing
    assert "GET http://127.0.0.1:" in done.stderr  # --show-queries
