"""Opening the SQLCipher 4 database with a raw 256-bit key and the pragmas the design requires."""

from __future__ import annotations

import sys
from pathlib import Path

import sqlcipher3
from sqlcipher3 import dbapi2

# sqlite-utils only recognises the stdlib/pysqlite3 exception classes; aliasing sqlcipher3 as
# pysqlite3 before sqlite_utils is imported makes its error handling work on our connection.
sys.modules.setdefault("pysqlite3", sqlcipher3)
sys.modules.setdefault("pysqlite3.dbapi2", dbapi2)

from app.domain.errors import StorageError  # noqa: E402

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


def open_database(path: Path, raw_key: bytes, *, create: bool = False) -> Connection:
    """Open (or create) the encrypted database and set WAL, synchronous=FULL, foreign keys.

    Autocommit mode (isolation_level=None): transactions are explicit, see ``db.tx``.
    """
    path = Path(path)
    if not create and not path.exists():
        raise StorageError(f"数据库文件不存在：{path}")
    conn = dbapi2.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        _apply_key(conn, raw_key)
        # The first read is where a wrong key shows up ("file is not a database").
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except DatabaseError as exc:
        conn.close()
        raise StorageError("无法打开数据库：密钥不正确或文件已损坏") from exc
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


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
