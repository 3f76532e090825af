"""Output folders (`--per-case`, `-t ndjson`), put in place whole or not at all, touching only
files casefhir wrote.

Files are written into a temporary part folder (converter/output/parts.py) together with a manifest
naming them (converter/output/manifest.py). When every file is complete, publish() puts them in place
in one of two ways:

- **Swap** (the folder does not exist, or holds only files its manifest names): the part
  folder takes the folder's place in one step (renameat2 RENAME_EXCHANGE where the system has
  it, else two renames), and the old folder is removed. A reader sees the old folder or the new
  one, never a mix. The folder keeps its permissions; a symbolic link to it stays a link.
- **In place** (the folder also holds files casefhir did not write, allowed with --force; or
  it cannot be swapped: a mount point, the current folder, a parent folder casefhir may not
  write): first a manifest marked incomplete and naming the old files and the new ones
  replaces the old manifest; then each new file is renamed into the folder (replacing one of
  the same name), the old files no longer made are removed, and last the final manifest
  (complete, the new files only) replaces the interim one. A run stopped at any point (even by
  SIGKILL or a power cut) leaves a folder whose casefhir files are all named by its manifest,
  so the next run still knows what it may replace and touches nothing else; until a run
  completes, reading the folder as FHIR input is refused (fhir/files.expand).

Two runs writing the same folder at the same moment take turns (an flock on the parent folder).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from converter.output import parts
from converter.output.diskerrors import OutputError, describe, write_error, writing
from converter.output.manifest import MANIFEST, FolderContents, Manifest, foreign_message, survey
from converter.signals import critical

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


DIR_MODE = 0o777 & ~_umask()  # what a plainly made folder gets (part folders are private)
FILE_MODE = 0o666 & ~_umask()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False when the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive flock on `folder` while in the block (none where it cannot be opened)."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Replace the folder's manifest in one step (raises OSError)."""
    fd, temp = parts.create_file(folder, MANIFEST)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(manifest.to_bytes())
        os.chmod(temp, FILE_MODE)
        os.replace(temp, folder / MANIFEST)
    finally:
        parts.remove(temp)


class AtomicDir:
    """A folder of output files that appear at `path` only on publish(). `force` allows a
    folder holding files casefhir did not write (they are left alone; only files of the same
    name are replaced)."""

    def __init__(self, path: str, force: bool = False, series: str | None = None,
                 output: str | None = None) -> None:
        self.given = path
        self.force = force
        self.series, self.output = series, output
        self.files: list[str] = []
        self.published = False
        try:
            self.path = Path(os.path.realpath(path))  # a symbolic link's target; the link stays
            if self.path.exists() and not self.path.is_dir():
                raise OutputError(f"{path}: exists and is not a folder")
        except OSError as exc:  # a loop of symbolic links
            raise OutputError(f"{path}: {describe(exc)}") from None
        self.parent = self.path.parent
        if not self.parent.is_dir():
            raise OutputError(f"{path}: the folder {self.parent} does not exist")
        contents = survey(self.path, force)
        if contents.foreign and not force:
            raise OutputError(foreign_message(path, contents.foreign, contents.manifest))
        parts.remove_stale(self.parent, self.path.name)
        for name in contents.stale:
            parts.remove(self.path / name)
        self.temp: Path | None = None
        try:
            if self._swappable(contents):
                try:
                    self.temp = parts.create_folder(self.parent, self.path.name)
                except OSError:
                    if not contents.exists:
                        raise
                    # a parent folder casefhir may not write: write inside the folder instead
            if self.temp is None:
                self.temp = parts.create_folder(self.path, self.path.name)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write here ({describe(exc)})") from None

    def _swappable(self, contents: FolderContents) -> bool:
        if not contents.exists:
            return True
        if contents.foreign or contents.busy or os.path.ismount(self.path):
            return False
        try:  # renaming the current folder away would strand whoever works in it
            return not os.path.samefile(self.path, os.getcwd())
        except OSError:
            return True

    # ------------------------------------------------------------------ writing
    def create(self, name: str) -> IO[bytes]:
        """A new file of the folder (raises FileExistsError for a name already written: on a
        case-insensitive disk two names can be one file)."""
        assert self.temp is not None
        try:
            handle = (self.temp / name).open("xb")
        except FileExistsError:
            raise
        except OSError as exc:
            raise write_error(self.given, exc) from None
        self.files.append(name)
        return handle

    def finish(self) -> None:
        """Write the manifest: everything is now on disk, nothing is in place yet."""
        assert self.temp is not None
        manifest = Manifest(self.files, True, self.series, self.output)
        with writing(self.given):
            (self.temp / MANIFEST).write_bytes(manifest.to_bytes())
            os.chmod(self.temp / MANIFEST, FILE_MODE)

    def publish(self) -> None:
        assert self.temp is not None
        with critical(), _locked(self.parent), writing(self.given):
            contents = survey(self.path, self.force)  # again: another run may have written
            if contents.foreign and not self.force:
                raise OutputError(foreign_message(self.given, contents.foreign,
                                                  contents.manifest))
            if self.temp.parent == self.parent and self._swappable(contents):
                self._swap(contents.exists)
            else:
                self._move_in(contents)
            self.published = True

    def commit(self) -> None:
        self.finish()
        self.publish()

    def abort(self) -> None:
        if not self.published and self.temp is not None:
            parts.remove(self.temp)

    # ------------------------------------------------------------------ putting in place
    def _swap(self, exists: bool) -> None:
        assert self.temp is not None
        if not exists:
            os.chmod(self.temp, DIR_MODE)
            os.rename(self.temp, self.path)
            parts.forget(self.temp)
            return
        os.chmod(self.temp, self.path.stat().st_mode & 0o7777)
        if _exchange(self.temp, self.path):
            old = self.temp  # now the old folder
        else:
            old = self.parent / parts.part_name(self.path.name)
            os.rename(self.path, old)
            os.rename(self.temp, self.path)
            parts.forget(self.temp)
        parts.remove(old)

    def _move_in(self, contents: FolderContents) -> None:
        assert self.temp is not None
        old = set(contents.manifest.files) if contents.manifest is not None else set()
        new = set(self.files)
        for name in sorted(new):  # checked before anything changes
            there = self.path / name
            if there.is_dir() and not there.is_symlink():
                raise OutputError(f"{self.given}: {name} is a folder; casefhir would write a "
                                  "file of that name")
        interim = Manifest(sorted(old | new), False, self.series, self.output)
        write_manifest(self.path, interim)
        for name in sorted(new):
            os.replace(self.temp / name, self.path / name)
        for name in sorted(old - new):
            gone = self.path / name
            if gone.is_symlink() or gone.is_file():
                gone.unlink()
        os.replace(self.temp / MANIFEST, self.path / MANIFEST)
        parts.remove(self.temp)
