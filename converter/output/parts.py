"""Temporary parts: what casefhir writes beside a destination before renaming it into place.

A part's name says whose it is and what it is for:

    .casefhir-<pid>-<host>-<token>.<target name>.part       (a file or a folder)

so a part left behind by a run that was killed (SIGKILL, a power cut) is recognised as such:
never read as FHIR (folder expansion skips every `.casefhir-` name), never counted as someone
else's file in an output folder, and removed by the next run that writes the same target once
its owner is known to be gone (same host, pid no longer running). A part of a run still alive,
or of another host (a shared network folder), is never touched.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
from pathlib import Path

PREFIX = ".casefhir-"
SUFFIX = ".part"
_TAG_BYTES = 120  # of the target's name kept in a part's name (file names have 255 bytes)
_PART = re.compile(r"\.casefhir-(\d+)-([A-Za-z0-9]{0,16})-([a-z0-9]+)\.(.*)\.part")

PROBE = "probe"  # the target name of a probe part (see probe())
_own: set[str] = set()  # names of the parts this process made and has not yet removed


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:16]


def _tag(target_name: str) -> str:
    data = target_name.encode("utf-8", "surrogateescape")[:_TAG_BYTES]
    return data.decode("utf-8", "ignore")


def is_internal(name: str) -> bool:
    """Whether a file name is one of casefhir's own (a part, a manifest): never data."""
    return name.startswith(PREFIX)


def part_name(target_name: str) -> str:
    name = f"{PREFIX}{os.getpid()}-{_host()}-{secrets.token_hex(4)}.{_tag(target_name)}{SUFFIX}"
    _own.add(name)
    return name


def forget(path: Path | str) -> None:
    _own.discard(Path(path).name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def owner_gone(name: str) -> bool | None:
    """True when the part's owner has certainly stopped, False when it may be running, None
    when the name is not a part."""
    match = _PART.fullmatch(name)
    if match is None:
        return None
    pid, host = int(match.group(1)), match.group(2)
    if host != _host():
        return False  # another machine's run, maybe alive
    if pid == os.getpid():  # this process, or an earlier one with the same pid (a container)
        return name not in _own
    return not _alive(pid)


def target_of(name: str) -> str | None:
    match = _PART.fullmatch(name)
    return match.group(4) if match else None


def remove(path: Path) -> None:
    """A part, file or folder (never following a symbolic link)."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass  # cleaning up is best effort; what is left is cleaned by a later run
    forget(path)


def remove_stale(directory: Path, target_name: str | None = None) -> list[str]:
    """Remove the parts in `directory` whose owner is gone: those for `target_name`, or all."""
    removed: list[str] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    tag = None if target_name is None else _tag(target_name)
    for name in names:
        if owner_gone(name) and (tag is None or target_of(name) in (tag, PROBE)):
            remove(directory / name)
            removed.append(name)
    return removed


def create_file(directory: Path, target_name: str) -> tuple[int, Path]:
    """A new, private, empty part file in `directory` (raises OSError)."""
    while True:
        path = directory / part_name(target_name)
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                           0o600), path
        except FileExistsError:
            forget(path)
            continue
        except OSError:
            forget(path)
            raise


def create_folder(directory: Path, target_name: str) -> Path:
    while True:
        path = directory / part_name(target_name)
        try:
            path.mkdir(0o700)
            return path
        except FileExistsError:
            forget(path)
            continue
        except OSError:
            forget(path)
            raise


def probe(directory: Path) -> None:
    """Create and remove a part in `directory`: raises the OSError that writing there would."""
    fd, path = create_file(directory, PROBE)
    os.close(fd)
    remove(path)
