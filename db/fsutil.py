"""Crash-safe file writes (Electrum's storage habit: temp file → fsync → rename → fsync dir)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def fsync_directory(folder: Path) -> None:
    """Make a rename inside ``folder`` durable; a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


PRIVATE = 0o600
"""Every file the app writes that holds key material or data: owner read/write only."""


def make_private(path: Path) -> None:
    """Narrow an existing file to owner read/write (POSIX; a no-op where modes do not apply)."""
    if os.name == "nt":
        return
    try:
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, PRIVATE)
    except OSError:  # gone, or not ours to change: opening it will tell
        pass


def write_atomic(path: Path, data: bytes, *, mode: int = PRIVATE) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file.

    The new file gets ``mode`` (owner read/write by default, whatever the umask): every
    caller writes key material, bundles or exports of people's data.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if os.name != "nt":
                os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def copy_private(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` as a new owner-only (0600) file, synced to disk.

    ``shutil.copyfile`` would create the copy under the umask (0644 with the usual 022), so a
    key file or database copy would be readable by every local user.
    """
    target = Path(target)
    target.unlink(missing_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(target, flags, PRIVATE)
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            fd = -1
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
    except BaseException:
        if fd != -1:
            os.close(fd)
        target.unlink(missing_ok=True)
        raise
