"""Reading FHIR files back: Bundles (JSON), single resources, NDJSON, or folders of them.

Yields each resource with where it was found (file and Bundle entry or NDJSON line), so checks
of existing output can point at the exact place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from converter.manifest import ManifestError
from converter.manifest import read as read_manifest
from converter.parts import is_internal
from converter.problems import InputError, Location, error


@dataclass(frozen=True, slots=True)
class Found:
    location: Location
    resource: dict[str, Any] | None  # None when the item could not be read
    problem: str | None = None
    entry: dict[str, Any] | None = None  # the Bundle entry around the resource, if any


def expand(paths: list[str]) -> list[str]:
    """Files named, plus the .json/.ndjson files of folders named (sorted). casefhir's own files
    in a folder (its manifest, parts of an unfinished or killed run: every `.casefhir-` name)
    are never input; a folder whose last casefhir write did not finish is refused."""
    files: list[str] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            try:
                manifest = read_manifest(p)
            except ManifestError:
                manifest = None  # not ours to judge: the folder's files are read as they are
            if manifest is not None and not manifest.complete:
                raise InputError(error(
                    "casefhir was stopped while writing this folder, so it holds a mix of old and "
                    "new files; run the conversion that writes it again", Location(path)))
            files += sorted(str(f) for f in p.iterdir()
                            if f.suffix in (".json", ".ndjson", ".jsonl") and f.is_file()
                            and not is_internal(f.name))
        elif p.exists() or path == "-":
            files.append(path)
        else:
            raise InputError(error("no such file", Location(path)))
    return files


def _read(path: str) -> bytes:
    import sys

    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(error(f"cannot read: {exc.strerror}", Location(path))) from None


def _is_ndjson(path: str, data: bytes) -> bool:
    if Path(path).suffix in (".ndjson", ".jsonl"):
        return True
    first, _, rest = data.strip().partition(b"\n")
    return bool(rest.strip()) and first.strip().startswith(b"{") and first.strip().endswith(b"}")


def iter_file(path: str) -> Iterator[Found]:
    name = "<stdin>" if path == "-" else path
    data = _read(path).removeprefix(b"\xef\xbb\xbf")
    if _is_ndjson(path, data):
        for number, line in enumerate(data.split(b"\n"), start=1):
            if not line.strip():
                continue
            location = Location(name, number, None, "line")
            try:
                item = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield Found(location, None, f"not valid JSON: {exc}")
                continue
            yield from _items(item, location)
        return
    try:
        item = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield Found(Location(name), None, f"not valid JSON: {exc}")
        return
    yield from _items(item, Location(name))


def _items(item: Any, location: Location) -> Iterator[Found]:
    if not isinstance(item, dict) or "resourceType" not in item:
        yield Found(location, None, "not a FHIR resource (no resourceType)")
        return
    if item["resourceType"] != "Bundle":
        yield Found(location, item)
        return
    for index, entry in enumerate(item.get("entry") or [], start=1):
        where = Location(location.file, index, None, "entry") if location.row is None else \
            Location(location.file, location.row, f"entry {index}", location.row_kind)
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            yield Found(where, None, "Bundle entry without a resource")
            continue
        yield Found(where, resource, None, entry)


def iter_resources(paths: list[str]) -> Iterator[Found]:
    for path in expand(paths):
        yield from iter_file(path)
