"""Creating, unlocking and managing an encrypted workspace (one database = one device)."""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from app.domain import events as ev
from app.domain.bulk import collector_paused
from app.domain.errors import AuthError, Refused, StorageError, ValidationError
from app.domain.ledger import LedgerState
from app.domain.text import clean_text
from app.services.base.roles import any_role
from db import journal, migrations
from db.applock import IN_USE_MESSAGE, AppLock, DatabaseInUse
from db.connection import Connection, open_database, storage_failure, tx
from db.fsutil import copy_private
from db.keyfile import KeyFile
from db.projector import project

log = logging.getLogger(__name__)

def key_path_for(db_path: Path) -> Path:
    """The key file sits beside the database: ``yibao.db`` → ``yibao.db.key``."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".key")


@dataclass
class Workspace:
    """An unlocked database and who is using it; services take it as their first argument."""

    path: Path
    conn: Connection
    user: str
    role: str
    device_id: str
    data_key: bytes = field(repr=False)
    # Said once at unlock, without stopping it (a damaged recovery entry in the key file).
    warnings: list[str] = field(default_factory=list, repr=False)
    _closed: bool = field(default=False, repr=False)
    # Opened beside a running desktop: a read-only connection that never writes,
    # checkpoints or deletes the WAL (db/applock.py).
    read_only: bool = field(default=False, repr=False)
    # The desktop's lock file on this database, released at close (db/applock.py).
    app_lock: AppLock | None = field(default=None, repr=False)
    # Each workspace object folds for itself: a copy made with dataclasses.replace (another
    # user on the same connection) must not share a fold whose mark it does not share.
    _ledger: LedgerState | None = field(default=None, repr=False, init=False)
    _ledger_mark: tuple[int, str] = field(default=(0, journal.GENESIS), repr=False,
                                          init=False)

    def record(self, type: str, payload: dict[str, Any], *,
               at: str | None = None, plain: bool = False) -> journal.Event:
        """Append a journal event inside the caller's transaction (``plain``: the payload
        holds no float; see :func:`db.journal.append`)."""
        return journal.append(
            self.conn, device_id=self.device_id, type=type, payload=payload, actor=self.user,
            at=at, plain=plain)

    def ledger(self) -> LedgerState:
        """The journal folded by the one ledger model, up to its head (kept and caught up).

        The fold is kept between calls and only the events since are folded; if the event it
        stopped at is no longer the one in the journal (a transaction rolled back, a restore),
        it is folded again from the start.
        """
        seq, digest = self._ledger_mark
        recorded = journal.head(self.conn)
        if self._ledger is not None and recorded == self._ledger_mark:
            return self._ledger  # nothing journaled since: the usual case, one query
        if self._ledger is not None and seq:
            row = self.conn.execute("SELECT hash FROM journal WHERE seq = ?", (seq,)).fetchone()
            if row is None or row[0] != digest:
                self._ledger = None
        if self._ledger is None:
            self._ledger, self._ledger_mark = LedgerState(), (0, journal.GENESIS)
        with collector_paused():
            for event in journal.iter_ledger_events(self.conn, after_seq=self._ledger_mark[0]):
                self._ledger.step(event)
        self._ledger_mark = journal.head(self.conn)
        return self._ledger

    def commit_event(self, payload: ev.Payload, *, at: datetime | None = None) -> journal.Event:
        """Check a ledger event against the folded ledger, write its rows and journal it, all
        inside the caller's transaction; refused (nothing written) when it breaks a rule."""
        when = journal.stamp(at)
        state = self.ledger()
        event = ev.JournalEvent(state.seq + 1, self.device_id, payload.TYPE, self.user, when,
                                payload)
        problems = state.check(event)
        if problems:
            raise Refused(problems[0], details={"problems": problems})
        project(self.conn, payload, actor=self.user, at=when)
        return self.record(payload.TYPE, ev.payload_of(payload), at=when)

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def signing_key(self) -> Ed25519PrivateKey:
        row = self.conn.execute("SELECT signing_key FROM device WHERE id = ?",
                                (self.device_id,)).fetchone()
        return Ed25519PrivateKey.from_private_bytes(bytes(row[0]))

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Checkpoint the WAL into the main file and close; closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        try:
            if not self.read_only:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self.conn.close()
            if self.app_lock is not None:
                self.app_lock.release()


@dataclass(frozen=True)
class InitResult:
    path: Path
    device_id: str
    recovery_code: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat()


def init_database(
    path: Path,
    *,
    user: str,
    role: str,
    passphrase: str,
    village: str | None = None,
    recovery_public_key: X25519PublicKey | None = None,
) -> InitResult:
    """Create a new encrypted database with its key file, device key and first user."""
    path = Path(path)
    user = clean_text(user)
    village = clean_text(village) or None
    kpath = key_path_for(path)
    if path.exists() or kpath.exists():
        raise ValidationError(f"数据库已存在：{path}（不会覆盖）")
    path.parent.mkdir(parents=True, exist_ok=True)
    data_key = os.urandom(32)
    db_id = str(uuid.uuid4())
    _, code = KeyFile.create(
        kpath, db_id=db_id, data_key=data_key, user=user, role=role, passphrase=passphrase,
        recovery_public_key=recovery_public_key,
    )
    try:
        conn = open_database(path, data_key, create=True)
        try:
            migrations.migrate(conn)
            device_key = Ed25519PrivateKey.generate()
            device_id = str(uuid.uuid4())
            public = device_key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            with tx(conn):
                conn.execute(
                    "INSERT INTO device (id, signing_key, public_key, created_at) VALUES (?,?,?,?)",
                    (device_id, device_key.private_bytes(
                        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                        serialization.NoEncryption()), public, _now()),
                )
                for key, value in {"db_id": db_id, "device_id": device_id,
                                   "village": village or ""}.items():
                    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
                conn.execute("INSERT INTO users (name, role, created_at) VALUES (?,?,?)",
                             (user.strip(), role, _now()))
                journal.append(conn, device_id=device_id, type="database.created", actor=user,
                               payload={"db_id": db_id, "device_public_key": public.hex(),
                                        "village": village or "", "user": user.strip(),
                                        "role": role})
        finally:
            conn.close()
    except BaseException:
        path.unlink(missing_ok=True)
        kpath.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    log.info("created database %s", path.name)
    return InitResult(path, device_id, code)


def _pre_upgrade_backup(path: Path, conn: Connection) -> Path:
    target = path.with_name(f"{path.name}.v{migrations.current_version(conn)}.bak")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy_private(path, target)
    return target


def open_with_key(path: Path, data_key: bytes, user: str, *,
                  read_only: bool = False) -> Workspace:
    conn = open_database(path, data_key, read_only=read_only)
    try:
        if not read_only:
            migrations.migrate(conn, backup=lambda _v: _pre_upgrade_backup(path, conn))
        elif migrations.current_version(conn) != migrations.latest_version():
            raise DatabaseInUse(f"{IN_USE_MESSAGE}（数据库需要先在程序里升级）")
        row = conn.execute("SELECT role FROM users WHERE name = ?", (user,)).fetchone()
        if row is None:
            raise AuthError(f"用户“{user}”不在此数据库中")
        device_id = conn.execute("SELECT value FROM meta WHERE key='device_id'").fetchone()[0]
    except Exception as exc:
        conn.close()
        failure = storage_failure(exc, Path(path))  # a damaged page, a full disk
        if failure is None or failure is exc:
            raise
        raise failure from exc
    except BaseException:
        conn.close()
        raise
    return Workspace(Path(path), conn, user, str(row[0]), str(device_id), data_key,
                     read_only=read_only)


def load_key_file(path: Path) -> KeyFile:
    path = Path(path)
    if not path.exists():
        raise StorageError(f"数据库文件不存在：{path}。请先运行 yibao init 创建数据库。")
    return KeyFile.load(key_path_for(path))


def open_workspace(path: Path, *, user: str | None, passphrase: str,
                   read_only: bool = False, hold_lock: bool = False) -> Workspace:
    """Unlock with a user's passphrase and open the database (upgrading it if needed).

    ``hold_lock``: the desktop's way — the database's lock file is held until close, so a CLI
    beside it only reads. ``read_only``: a connection that cannot write (a CLI command that
    only reads, while the desktop holds the lock).
    """
    kf = load_key_file(path)
    name = kf.resolve_user(user)
    data_key = kf.unlock(name, passphrase)
    lock = AppLock(Path(path)) if hold_lock else None
    try:
        ws = open_with_key(Path(path), data_key, name, read_only=read_only)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    ws.app_lock = lock
    if ws.role != kf.role_of(name):
        ws.close()
        raise AuthError("密钥文件中的角色与数据库记录不符")
    problem = kf.recovery_problem(data_key)
    if problem is not None:
        log.warning("the key file's recovery entry is damaged")
        ws.warnings.append(problem)
    return ws


@any_role
def key_file_problems(ws: Workspace) -> list[str]:
    """What `verify` says about the key file: a damaged recovery entry (checked against its
    tag), or a file that no longer loads."""
    try:
        problem = load_key_file(ws.path).recovery_problem(ws.data_key)
    except StorageError as exc:
        return [exc.message]
    return [] if problem is None else [problem]


def change_passphrase(path: Path, *, user: str | None, old: str, new: str) -> str:
    """Rewrap the data key under a new passphrase; returns the user name."""
    kf = load_key_file(path)
    name = kf.resolve_user(user)
    kf.change_passphrase(name, old, new)
    log.info("passphrase changed")
    return name


def recover(
    path: Path,
    *,
    user: str | None,
    new_passphrase: str,
    code: str | None = None,
    private_key: X25519PrivateKey | None = None,
) -> str:
    """Set a new passphrase using the recovery code or the township's private key."""
    kf = load_key_file(path)
    name = kf.resolve_user(user)
    if (code is None) == (private_key is None):
        raise ValidationError("请提供恢复码或财政所恢复私钥（二选一）")
    data_key = kf.recover_with_code(code) if code is not None else \
        kf.recover_with_private_key(private_key)  # type: ignore[arg-type]
    # Prove the key opens the database before touching the user's entry.
    conn = open_database(Path(path), data_key)
    conn.close()
    kf.seal_recovery_check(data_key)  # the entry just proved itself: its tag is renewed
    kf.set_passphrase(data_key, name, new_passphrase)
    with open_workspace(path, user=name, passphrase=new_passphrase) as ws, tx(ws.conn):
        ws.record("user.recovered", {"user": name, "via": "code" if code else "township_key"})
    return name


@any_role
def add_user(ws: Workspace, *, name: str, role: str, passphrase: str) -> None:
    """Add a user who unlocks the same data key with their own passphrase."""
    kf = load_key_file(ws.path)
    name = clean_text(name)
    kf.add_user(ws.data_key, name, role, passphrase)
    try:
        with tx(ws.conn):
            ws.conn.execute("INSERT INTO users (name, role, created_at) VALUES (?,?,?)",
                            (name, role, _now()))
            ws.record("user.added", {"user": name, "role": role})
    except BaseException:
        kf.data["users"] = [u for u in kf.data["users"] if u["name"] != name]
        kf.save()
        raise


@any_role
def database_info(ws: Workspace) -> dict[str, Any]:
    seq, head = journal.head(ws.conn)
    users = [{"name": n, "role": r} for n, r in
             ws.conn.execute("SELECT name, role FROM users ORDER BY created_at")]
    return {
        "path": str(ws.path),
        "db_id": ws.meta("db_id"),
        "device_id": ws.device_id,
        "village": ws.meta("village") or None,
        "user": ws.user,
        "role": ws.role,
        "users": users,
        "schema_version": migrations.current_version(ws.conn),
        "journal_events": seq,
        "journal_head": head,
        # How far the county has countersigned this journal (None: never).
        "countersigned_seq": ws.conn.execute(
            "SELECT max(seq) FROM county_countersignatures").fetchone()[0],
    }


@any_role
def open_second_connection(ws: Workspace) -> Workspace:
    """Another connection to the same unlocked database for another thread (county sync), so
    long network work never queues behind the clerk's actions. WAL lets both read at once and
    IMMEDIATE transactions take turns writing. The caller closes it."""
    return open_with_key(ws.path, ws.data_key, ws.user)
