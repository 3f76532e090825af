"""Reading FHIR files back: Bundles (JSON), single resources, NDJSON, or folders of them.

Yields each resource with where it was found (file and Bundle entry or NDJSON line), so checks
of existing output can point at the exact place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Any

import orjson

from converter.output.manifest import ManifestError
from converter.output.manifest import read as read_manifest
from converter.output.parts import is_internal
from converter.problems import InputError, Location, error
from converter.read import stdin

BOM = b"\xef\xbb\xbf"


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


def _open(path: str) -> IO[bytes]:
    if path == "-":  # FHIR is read more than once (checked, then sent): kept in a spool
        return stdin.binary(rereadable=True)
    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise InputError(error(f"cannot read: {exc.strerror}", Location(path))) from None


def iter_file(path: str) -> Iterator[Found]:
    """The items of one file. NDJSON is read a line at a time (a file of a million resources
    is never held); a JSON document (a Bundle, a resource) is read whole, as JSON must be."""
    name = "<stdin>" if path == "-" else path
    handle = _open(path)
    try:
        yield from _iter_handle(name, path, handle)
    except OSError as exc:
        raise InputError(error(f"cannot read: {exc.strerror}", Location(name))) from None
    finally:
        handle.close()


def _iter_handle(name: str, path: str, handle: IO[bytes]) -> Iterator[Found]:
    lines = _without_bom(handle)  # split at b"\n", line ends kept (JSON ignores them)
    seen: list[bytes] = []  # the lines read before the kind of file is known
    if Path(path).suffix not in (".ndjson", ".jsonl"):
        # NDJSON when the first line that is not blank is a whole object and more follows
        first = next((line for line in _recorded(lines, seen) if line.strip()), b"").strip()
        more = first != b"" and any(line.strip() for line in _recorded(lines, seen))
        if not (more and first.startswith(b"{") and first.endswith(b"}")):
            rest = handle.read()
            data = seen[0] if len(seen) == 1 and not rest else b"".join(seen) + rest
            try:
                item = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                yield Found(Location(name), None, f"not valid JSON: {exc}")
                return
            yield from _items(item, Location(name))
            return
    for number, line in enumerate(chain(seen, lines), start=1):
        if not line.strip():
            continue
        location = Location(name, number, None, "line")
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Found(location, None, f"not valid JSON: {exc}")
            continue
        yield from _items(item, location)


def _without_bom(handle: IO[bytes]) -> Iterator[bytes]:
    lines = iter(handle)
    first = next(lines, None)
    if first is not None:
        yield first.removeprefix(BOM)
        yield from lines


def _recorded(lines: Iterator[bytes], seen: list[bytes]) -> Iterator[bytes]:
    """`lines`, each also kept in `seen`."""
    for line in lines:
        seen.append(line)
        yield line


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
