"""The manifest casefhir writes into every output folder (`--per-case`, `-t ndjson`): the files it
wrote there, so that a later run replaces or removes exactly those and nothing else.

    .casefhir-manifest   {"casefhir": "0.1.0", "series": "s1", "output": "ndjson",
                               "complete": true, "files": ["Condition.ndjson", ...]}

`complete` is false while casefhir moves files into a folder that also holds files it did not
write (see converter/output/folder.py): the manifest then names the old files and the new ones, so
a run stopped midway leaves a folder whose every casefhir file is still known; readers refuse
such a folder until a run completes. The manifest is never FHIR input: folder expansion skips
every `.casefhir-` name (output/parts.is_internal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from converter import __version__
from converter.output.diskerrors import OutputError
from converter.output.parts import is_internal, owner_gone

MANIFEST = ".casefhir-manifest"
# a name casefhir writes into an output folder: a case id or resource type, and a suffix
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")
_MAX_BYTES = 64 << 20


class ManifestError(Exception):
    """A manifest that cannot be read or does not have the expected shape."""


@dataclass
class Manifest:
    files: list[str]
    complete: bool = True
    series: str | None = None
    output: str | None = None
    version: str = __version__

    def to_bytes(self) -> bytes:
        data = {"casefhir": self.version, "series": self.series, "output": self.output,
                "complete": self.complete, "files": sorted(set(self.files))}
        return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"


def parse(data: bytes) -> Manifest:
    try:
        value: Any = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ManifestError(f"not valid JSON ({exc})") from None
    if not isinstance(value, dict) or not isinstance(value.get("files"), list):
        raise ManifestError("not a casefhir manifest (no list of files)")
    files = value["files"]
    bad = [f for f in files if not isinstance(f, str) or not _SAFE_NAME.fullmatch(f)
           or is_internal(f)]
    if bad:  # a manifest must never make casefhir touch ../something or a hidden file
        raise ManifestError(f"names a file casefhir never writes ({str(bad[0])[:60]!r})")
    series, output = value.get("series"), value.get("output")
    return Manifest(list(files), value.get("complete") is not False,
                    series if isinstance(series, str) else None,
                    output if isinstance(output, str) else None,
                    str(value.get("casefhir") or "?"))


def read(folder: Path) -> Manifest | None:
    """The folder's manifest, None when it has none; raises ManifestError."""
    path = folder / MANIFEST
    try:
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise ManifestError("is not a regular file")
        with path.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ManifestError(f"cannot be read ({exc.strerror})") from None
    if len(data) > _MAX_BYTES:
        raise ManifestError("is too large")
    return parse(data)


@dataclass
class FolderContents:
    """What an output folder holds, as far as casefhir is concerned."""

    exists: bool
    manifest: Manifest | None = None
    ours: list[str] = field(default_factory=list)  # named by the manifest
    foreign: list[str] = field(default_factory=list)  # everything casefhir did not write
    busy: list[str] = field(default_factory=list)  # parts of a run that may still be running
    stale: list[str] = field(default_factory=list)  # parts whose run is gone


def survey(folder: Path, force: bool = False) -> FolderContents:
    """Classify the entries of `folder` (which need not exist). An unreadable manifest is an
    OutputError, unless `force` (then it names nothing: every file is left alone)."""
    if not folder.is_dir():
        return FolderContents(exists=False)
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError as exc:
        raise OutputError(f"{folder}: cannot list the folder ({exc.strerror})") from None
    try:
        manifest = read(folder)
    except ManifestError as why:
        if not force:
            raise OutputError(
                f"{folder}: its casefhir manifest {MANIFEST} {why}, so casefhir cannot tell which "
                "files it wrote there; remove the manifest, choose another folder, or pass "
                "--force (files are then only added or overwritten, never removed)") from None
        manifest = None
    named = set(manifest.files) if manifest is not None else set()
    contents = FolderContents(exists=True, manifest=manifest)
    for name in names:
        if name == MANIFEST:
            continue
        if is_internal(name):
            gone = owner_gone(name)
            (contents.stale if gone else contents.busy).append(name)
        elif name in named:
            contents.ours.append(name)
        else:
            contents.foreign.append(name)
    return contents


def foreign_message(folder: str, foreign: list[str], manifest: Manifest | None) -> str:
    shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
    hint = ""
    if manifest is None and all(name.endswith((".json", ".ndjson")) for name in foreign):
        hint = (" (if an older casefhir wrote them: it kept no manifest, so remove them or "
                "choose a new folder)")
    return (f"{folder}: the folder holds files casefhir did not write ({shown}){hint}; choose a "
            "new or empty folder, or pass --force to write beside them (they are left "
            "untouched; only files of the same name are overwritten)")
