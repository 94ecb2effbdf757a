"""One writer, many readers (单一写入者): the desktop holds a lock file beside its database.

SQLite's own locks are POSIX ``fcntl`` locks, and closing *any* handle a process has on a file
drops all of that process's ``fcntl`` locks on it. Qt's file dialog does exactly that while it
looks at the files in a folder (it opens each one to guess its type), so the running app can
lose SQLite's locks without knowing; a second process then finds nobody holding the database,
and when it closes it checkpoints and deletes the WAL the app still writes to.

So the desktop takes an exclusive ``flock`` (``LockFileEx`` through ``msvcrt`` on Windows) on
``<database>.lock`` for as long as it has the database open. ``flock`` locks belong to the
open file, not to the process, so no other handle can drop this one. The CLI asks before it
opens the database: while the app holds the lock it refuses every command that writes and
opens a read-only connection for those that only read (a read-only connection never
checkpoints or deletes the WAL).
"""

from __future__ import annotations

import os
from pathlib import Path

from app.domain.errors import StorageError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

IN_USE_MESSAGE = "程序正在使用该数据库，请在程序里操作或先关闭程序"


class DatabaseInUse(StorageError):
    """The desktop has the database open: only reads may go beside it."""

    code = "database_in_use"


def lock_path_for(db_path: Path) -> Path:
    return Path(str(db_path) + ".lock")


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


class AppLock:
    """The desktop's hold on one database; released by :meth:`release` (or process exit)."""

    def __init__(self, db_path: Path) -> None:
        self.path = lock_path_for(db_path)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        if not _try_lock(fd):
            os.close(fd)
            raise DatabaseInUse("该数据库已在另一个医保收缴通窗口中打开：请使用那个窗口，"
                                "或先关闭它")
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None


def app_is_running(db_path: Path) -> bool:
    """Whether a desktop holds this database's lock right now."""
    path = lock_path_for(db_path)
    if not path.exists():
        return False
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    except OSError:
        return False
    try:
        if not _try_lock(fd):
            return True
        _unlock(fd)
        return False
    finally:
        os.close(fd)
