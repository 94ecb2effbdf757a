"""Opening the SQLCipher 4 database with a raw 256-bit key and the pragmas the design requires."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import sqlcipher3
from sqlcipher3 import dbapi2

# sqlite-utils only recognises the stdlib/pysqlite3 exception classes; aliasing sqlcipher3 as
# pysqlite3 before sqlite_utils is imported makes its error handling work on our connection.
sys.modules.setdefault("pysqlite3", sqlcipher3)
sys.modules.setdefault("pysqlite3.dbapi2", dbapi2)

from app.domain.errors import DatabaseDamaged, DiskFull, StorageError  # noqa: E402
from db.fsutil import PRIVATE, make_private  # noqa: E402

Connection = dbapi2.Connection
DatabaseError = dbapi2.DatabaseError
IntegrityError = dbapi2.IntegrityError
OperationalError = dbapi2.OperationalError

KEY_BYTES = 32


def _apply_key(conn: Connection, raw_key: bytes) -> None:
    if len(raw_key) != KEY_BYTES:
        raise StorageError("数据库密钥长度错误")
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{raw_key.hex()}'\"")


def open_database(path: Path, raw_key: bytes, *, create: bool = False,
                  read_only: bool = False) -> Connection:
    """Open (or create) the encrypted database and set WAL, synchronous=FULL, foreign keys.

    Autocommit mode (isolation_level=None): transactions are explicit, see ``db.tx``.
    """
    path = Path(path)
    if not create and not path.exists():
        raise StorageError(f"数据库文件不存在：{path}")
    if create and not path.exists():
        # SQLite creates the file under the umask (0644); made here it is owner-only, and
        # SQLite gives the -wal and -shm files the database file's mode.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), PRIVATE))
    if read_only:
        # mode=ro: this connection never writes, checkpoints or deletes the WAL, whoever else
        # has the file open (db/applock.py).
        conn = dbapi2.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True,
                              isolation_level=None, check_same_thread=False)
    else:
        for name in (str(path), str(path) + "-wal", str(path) + "-shm"):
            make_private(Path(name))  # a database made by an older version, or copied in
        conn = dbapi2.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        _apply_key(conn, raw_key)
        # The first read is where a wrong key shows up ("file is not a database").
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except DatabaseError as exc:
        conn.close()
        failure = storage_failure(exc, path)
        if failure is None or isinstance(failure, DatabaseDamaged):
            failure = DatabaseDamaged("无法打开数据库：文件已损坏，或密钥文件不属于这个数据库。"
                                      + RESTORE_ADVICE)
        raise failure from exc
    if not read_only:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


RESTORE_ADVICE = ("请用最近的备份恢复：yibao restore 备份文件（先校验备份，再替换；"
                  "当前文件保留为 .before-restore-… 文件）")
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 10, 11, 13, 26
_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


# Bulk work (verify, a roster import or pull) follows indexes into tables far larger than
# SQLite's default 2 MiB page cache, so each lookup or insert would decrypt (and re-encrypt)
# pages it had a moment before: it borrows this much for its run (docs/PERFORMANCE.md).
BULK_CACHE_KIB = 64 * 1024


@contextlib.contextmanager
def bulk_cache(conn: Connection, kib: int = BULK_CACHE_KIB) -> Iterator[None]:
    """The connection's page cache raised to ``kib`` for the block, given back after."""
    previous = int(conn.execute("PRAGMA cache_size").fetchone()[0])
    conn.execute(f"PRAGMA cache_size = {-kib}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {previous}")


@contextlib.contextmanager
def indexes_built_after(conn: Connection, tables: tuple[str, ...]) -> Iterator[None]:
    """The tables' own indexes dropped for the block and built again at its end, inside the
    caller's transaction: for a load of many rows into a table holding few.

    Each row inserted walks every index at a random place; building an index sorts once, which
    for 60,000 persons into an empty roster is a third of the inserts' time. A unique index
    built again still refuses a duplicate (the transaction then rolls back, indexes and all).
    Constraint indexes (PRIMARY KEY, UNIQUE) cannot be dropped and stay; on an error the
    indexes are not built: the caller's rollback brings them back.
    """
    if not conn.in_transaction:
        raise RuntimeError("indexes_built_after must run inside the caller's transaction")
    marks = ",".join("?" * len(tables))
    indexes = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name", tables).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        conn.execute(sql)


def space_needed(db_path: Path | None) -> int:
    """Free space to ask for: room for the database to be copied once (checkpoint, backup,
    upgrade copy) plus its WAL, and 20 MB to spare."""
    size = 0
    if db_path is not None:
        for name in (str(db_path), str(db_path) + "-wal"):
            with contextlib.suppress(OSError):
                size += os.path.getsize(name)
    return 2 * size + 20 * 1024 * 1024


def disk_full(db_path: Path | None) -> DiskFull:
    needed = space_needed(db_path)
    folder = Path(db_path).resolve().parent if db_path is not None else Path.cwd()
    mb = -(-needed // (1024 * 1024))
    free = ""
    try:
        left = shutil.disk_usage(folder).free
        if left < needed:
            free = f"（现在只剩 {left // (1024 * 1024)} MB）"
    except OSError:
        pass
    return DiskFull(f"磁盘空间已满，这次操作没有保存：请在 {folder} 所在的磁盘上腾出至少 {mb} MB"
                    f" 空间{free}，然后重试", needed_bytes=needed)


def _no_room(folder: Path) -> bool:
    """Whether 1 MiB more can be written in ``folder``: SQLite reports a write refused with
    EFBIG (a file size limit) or a quota as a plain I/O error, without the errno."""
    try:
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"\0" * (1024 * 1024))
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return exc.errno in _DISK_FULL_ERRNOS
    return False


def storage_failure(exc: BaseException, db_path: Path | None = None) -> StorageError | None:
    """The typed, Chinese error for a disk or database-file failure; None for anything else.

    SQLITE_FULL and ENOSPC/EFBIG/EDQUOT are a full disk (how much to free is estimated from
    the database size); SQLITE_CORRUPT and SQLITE_NOTADB a damaged file (restore advice);
    SQLITE_IOERR a read or write the disk refused.
    """
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError):
        return disk_full(db_path) if exc.errno in _DISK_FULL_ERRNOS else None
    if not isinstance(exc, DatabaseError):
        return None
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(exc).lower()
    if code == _SQLITE_FULL or "disk is full" in text:
        return disk_full(db_path)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text \
            or "not a database" in text:
        return DatabaseDamaged("数据库文件已损坏，无法读取。" + RESTORE_ADVICE)
    if code == _SQLITE_IOERR or "disk i/o error" in text:
        if db_path is not None and _no_room(Path(db_path).resolve().parent):
            return disk_full(db_path)  # a write refused for lack of room (EFBIG, a quota)
        return StorageError("读写数据库文件时磁盘出错：请检查磁盘（或 U 盘）是否还连着、空间是否"
                            "足够，然后重试；如果反复出现，" + RESTORE_ADVICE)
    return None


class tx:
    """``with tx(conn):`` runs one IMMEDIATE transaction: commit on success, roll back on error.

    IMMEDIATE takes the write lock up front so two writers never deadlock half-way. Inside an
    open transaction it becomes a savepoint, so a batch (demo data, an import) can wrap many
    service calls in one all-or-nothing transaction.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.nested = False

    def __enter__(self) -> Connection:
        self.nested = self.conn.in_transaction
        self.conn.execute("SAVEPOINT nested_tx" if self.nested else "BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.nested:
            if exc_type is not None:
                self.conn.execute("ROLLBACK TO nested_tx")
            self.conn.execute("RELEASE nested_tx")
        elif exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
