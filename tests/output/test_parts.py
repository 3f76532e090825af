"""Temporary parts: named after their owner, never read as input, cleaned once their owner is gone
(and only then)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from converter.fhir.files import expand
from converter.output import parts
from converter.output.atomic import AtomicFile
from converter.problems import InputError
from tests.conftest import EXAMPLES, run

HOST = "".join(c for c in socket.gethostname() if c.isalnum())[:16]


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def part(folder: Path, pid: int, target: str, host: str = HOST, folder_part: bool = False) -> Path:
    path = folder / f".casefhir-{pid}-{host}-{'d1' if folder_part else 'f1'}.{target}.part"
    if folder_part:
        path.mkdir()
        (path / "Patient.ndjson").write_text("{}\n")
    else:
        path.write_text("half a bundle")
    return path


def test_a_part_names_its_owner_and_target() -> None:
    name = parts.part_name("out.json")
    assert name.startswith(f".casefhir-{os.getpid()}-{HOST}-") and name.endswith(".out.json.part")
    assert parts.target_of(name) == "out.json"
    assert parts.owner_gone(name) is False  # this process made it
    parts.forget(name)
    assert parts.owner_gone(name) is True  # same pid, not ours: an earlier process's (container)
    assert parts.owner_gone("out.json") is None
    long = parts.part_name("x" * 250 + ".json")
    assert len(long.encode()) <= 255
    parts.forget(long)


def test_owner_alive_dead_or_elsewhere(tmp_path: Path) -> None:
    gone = dead_pid()
    assert parts.owner_gone(part(tmp_path, gone, "a.json").name) is True
    assert parts.owner_gone(part(tmp_path, 1, "b.json").name) is False  # pid 1 always runs
    assert parts.owner_gone(part(tmp_path, gone, "c.json", host="otherhost").name) is False


def test_only_the_targets_parts_of_gone_owners_are_removed(tmp_path: Path) -> None:
    gone = dead_pid()
    stale = part(tmp_path, gone, "out.json")
    stale_folder = part(tmp_path, gone, "out.json", folder_part=True)
    other_target = part(tmp_path, gone, "report.json")
    alive = part(tmp_path, 1, "out.json")
    elsewhere = part(tmp_path, gone, "out.json", host="otherhost")
    mine = tmp_path / ".casefhir-1234.part"  # not a part name of ours (an older casefhir's)
    mine.write_text("?")
    removed = parts.remove_stale(tmp_path, "out.json")
    assert sorted(removed) == sorted([stale.name, stale_folder.name])
    assert not stale.exists() and not stale_folder.exists()
    assert other_target.exists() and alive.exists() and elsewhere.exists() and mine.exists()


def test_writing_a_file_cleans_its_stale_parts(tmp_path: Path) -> None:
    stale = part(tmp_path, dead_pid(), "out.json")
    alive = part(tmp_path, 1, "out.json")
    out = AtomicFile(str(tmp_path / "out.json"))
    out.write(b"{}\n")
    out.commit()
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, "out.json"])


def test_parts_and_manifests_are_never_input(tmp_path: Path) -> None:
    folder = tmp_path / "nd"
    assert run("convert", EXAMPLES / "kobayashi-2023" / "cases.csv", "--series-id", "k",
               "-t", "ndjson", "-o", folder, "-q").exit_code == 0
    part(folder, dead_pid(), "Patient.ndjson")
    (folder / ".casefhir-99-x-1.Patient.ndjson").write_text("not json")  # any .casefhir- name
    expected = sorted(str(p) for p in folder.glob("[A-Z]*.ndjson"))
    assert expand([str(folder)]) == expected
    result = run("validate", folder)
    assert result.exit_code == 0, result.stderr
    assert "casefhir-manifest" not in result.stderr


def test_a_folder_whose_writing_was_interrupted_is_refused_as_input(tmp_path: Path) -> None:
    folder = tmp_path / "nd"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text('{"resourceType": "Patient", "id": "p"}\n')
    (folder / ".casefhir-manifest").write_bytes(orjson.dumps(
        {"casefhir": "0.1.0", "complete": False, "files": ["Patient.ndjson", "Condition.ndjson"]}))
    with pytest.raises(InputError, match="stopped while writing this folder"):
        expand([str(folder)])
    result = run("validate", folder)
    assert result.exit_code == 1 and "run the conversion that writes it again" in result.stderr
