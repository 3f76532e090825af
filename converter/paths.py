"""The paths a command will write, checked before anything is read.

- No two of the inputs (tables, FHIR files or folders, and files options read: --columns,
  --token-file...) and outputs (-o, --report, --crosswalk, --rejects, and the paths casefhir
  picks itself: the default rejects file, a CSV template's dictionary) may be the same file,
  after following symbolic links and `..`, and comparing device and inode (hard links, bind
  mounts); none may lie inside an output folder (it is replaced) or, for an output, inside an
  input folder (a later read of that folder would take it for input).
- Every output must be writable: its folder exists and takes a new file (tried, with a part
  file removed at once, so a read-only disk, missing permission or a full inode table shows
  now), it is not a folder (or, for an output folder, not a file), not a read-only file; an
  output folder holds nothing casefhir did not write (converter/output/manifest.py) unless --force.
- A path casefhir picks itself never replaces a file casefhir did not write (unless --force):
  the user never named it. A path the user names with an option is replaced, as `cp` or
  `curl -o` would (but never when it is also an input).

A problem is a PathProblem naming the option; the CLI makes it a usage error (exit 2): nothing
was read or written, and the fix is a different option value.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from converter.output import parts
from converter.output.atomic import file_target, is_stream
from converter.output.diskerrors import OutputError, describe
from converter.output.manifest import foreign_message, survey


class PathProblem(Exception):
    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option
        self.message = message


@dataclass(frozen=True)
class Output:
    option: str  # how the command line names it: "-o", "--report", "the default --rejects"
    path: str
    folder: bool = False  # an output folder (--per-case, -t ndjson)
    chosen_begins: str | None = None  # picked by casefhir: how a file it wrote there begins
    hint: str = ""  # chosen paths: what to do instead, e.g. "give --rejects FILE"


@dataclass(frozen=True)
class _Path:
    option: str
    path: str
    real: str
    identity: tuple[int, int] | None
    is_folder: bool
    output: Output | None


def _described(option: str, path: str, output: Output | None = None) -> _Path | None:
    if path == "-":
        return None
    try:
        found = os.stat(path)
    except OSError:
        found = None
    if found is not None and not (stat.S_ISREG(found.st_mode) or stat.S_ISDIR(found.st_mode)):
        return None  # /dev/null, /dev/stdin, a pipe: written or read as a stream, never replaced
    return _Path(option, path, os.path.realpath(path),
                 (found.st_dev, found.st_ino) if found is not None else None,
                 found is not None and stat.S_ISDIR(found.st_mode), output)


def _inside(path: str, folder: str) -> bool:
    return path != folder and path.startswith(folder.rstrip(os.sep) + os.sep)


def _named(entry: _Path) -> str:
    return entry.path if entry.option == "INPUT" else f"{entry.option} {entry.path}"


def _conflicts(entries: list[_Path]) -> None:
    for index, later in enumerate(entries):
        for earlier in entries[:index]:
            output = later if later.output is not None else earlier
            other = earlier if output is later else later
            if output.output is None:
                continue  # two inputs: reading a file twice harms nothing
            same = earlier.real == later.real or (
                earlier.identity is not None and earlier.identity == later.identity)
            if same:
                what = "the input" if other.output is None else "also"
                raise PathProblem(output.option, f"{output.path} is {what} {_named(other)} "
                                  "(the same file); write to another file")
    for folder in entries:
        if folder.output is not None and folder.output.folder:
            for entry in entries:
                if entry is folder or not _inside(entry.real, folder.real):
                    continue
                if entry.output is None:
                    raise PathProblem(folder.option, (
                        f"{folder.path}: the output folder holds the input {entry.path}; an "
                        "output folder is for casefhir's files alone: choose another folder"))
                raise PathProblem(entry.option, (
                    f"{entry.path} lies inside the output folder {folder.path} ({folder.option}), "
                    "which is for the files of the output alone; write it elsewhere"))
        elif folder.output is None and folder.is_folder:
            for entry in entries:
                if entry.output is not None and _inside(entry.real, folder.real):
                    raise PathProblem(entry.option, (
                        f"{entry.path} lies inside the input folder {folder.path}, where a later "
                        "read of that folder would take it for input; write it elsewhere"))


def _check_folder(output: Output, force: bool) -> None:
    try:
        real = Path(os.path.realpath(output.path))
        if real.exists() and not real.is_dir():
            raise PathProblem(output.option, f"{output.path}: exists and is not a folder (for "
                              "--per-case and -t ndjson, -o names a folder)")
        if not real.parent.is_dir():
            raise PathProblem(output.option,
                              f"{output.path}: the folder {real.parent} does not exist")
        contents = survey(real, force)
    except OutputError as exc:
        raise PathProblem(output.option, str(exc)) from None
    except OSError as exc:  # a loop of symbolic links
        raise PathProblem(output.option, f"{output.path}: {describe(exc)}") from None
    if contents.foreign and not force:
        raise PathProblem(output.option,
                          foreign_message(output.path, contents.foreign, contents.manifest))
    try:
        parts.probe(real.parent)
        return
    except OSError as exc:
        if not contents.exists:
            raise PathProblem(output.option, f"{output.path}: cannot write in {real.parent} "
                              f"({describe(exc)})") from None
    try:  # a parent casefhir may not write: the folder itself must take the files
        parts.probe(real)
    except OSError as exc:
        raise PathProblem(output.option,
                          f"{output.path}: cannot write in it ({describe(exc)})") from None


def _begins(path: Path, prefix: str) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(len(prefix.encode()) + 3)
    except OSError:
        return False
    return head.removeprefix(b"\xef\xbb\xbf").startswith(prefix.encode())


def _check_file(output: Output, force: bool) -> None:
    try:
        target = file_target(output.path)
    except OutputError as exc:
        raise PathProblem(output.option, str(exc)) from None
    if output.chosen_begins is not None and target.exists() and not force \
            and not _begins(target, output.chosen_begins):
        raise PathProblem(output.option, (
            f"{output.path} exists and was not written by casefhir, which picked this name "
            f"itself; {output.hint or 'remove it'} (or pass --force to replace it)"))
    try:
        parts.probe(target.parent)
    except OSError as exc:
        raise PathProblem(output.option, f"{output.path}: cannot write in {target.parent} "
                          f"({describe(exc)})") from None


def check_paths(inputs: Sequence[tuple[str, str | None]], outputs: Sequence[Output],
                force: bool = False) -> None:
    """Raise PathProblem for the first problem found. `inputs` are (option, path) pairs, the
    option "INPUT" for the command's arguments; None and `-` paths are left out."""
    entries = [e for option, path in inputs if path
               for e in [_described(option, path)] if e is not None]
    wanted = [o for o in outputs if o.path]
    entries += [e for o in wanted for e in [_described(o.option, o.path, o)] if e is not None]
    _conflicts(entries)
    for output in wanted:
        if is_stream(output.path):  # `-`, /dev/null, a pipe
            continue
        if output.folder:
            _check_folder(output, force)
        else:
            _check_file(output, force)


REJECTS_HEADER = "source_file,source_"  # how every rejects file casefhir writes begins


def default_rejects_path(output: str) -> str:
    """Beside the output: its name up to the first dot, then `.rejects.csv` (out.json →
    out.rejects.csv, bundles/ → bundles.rejects.csv)."""
    path = Path(output)
    return str(path.with_name(path.name.split(".")[0] + ".rejects.csv"))


def rejects_output(output: str, rejects: str | None, skip_invalid: bool) -> list[Output]:
    """The rejects file `--skip-invalid` writes: --rejects, or the one casefhir picks beside the
    output (never replacing a file casefhir did not write)."""
    if not skip_invalid:
        return []
    if rejects:
        return [Output("--rejects", rejects)]
    if output == "-":
        return []
    return [Output("the default --rejects", default_rejects_path(output),
                   chosen_begins=REJECTS_HEADER, hint="give --rejects FILE, or remove it")]


def convert_outputs(output: str, folder: bool, report: str | None, crosswalk: str | None,
                    rejects: str | None, skip_invalid: bool) -> list[Output]:
    """What `convert` writes."""
    return [Output("-o", output, folder=folder), Output("--report", report or ""),
            Output("--crosswalk", crosswalk or ""),
            *rejects_output(output, rejects, skip_invalid)]


def template_outputs(output: str) -> list[Output]:
    """What `template` writes: the table and, for CSV, its dictionary beside it."""
    from converter.tables.template import DICTIONARY_HEADER, dictionary_path

    return [Output("-o", output),
            Output("the dictionary of -o", dictionary_path(output) or "",
                   chosen_begins=DICTIONARY_HEADER, hint="choose another -o name, or remove it")]
