"""Encrypted backups (SQLCipher backup API) and checked restores."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.domain.errors import IntegrityProblem, StorageError, ValidationError, YibaoError
from app.services.base.roles import any_role
from app.services.base.settings import get_setting
from app.services.base.workspace import Workspace, key_path_for, load_key_file, open_with_key
from app.services.upkeep.verify import verify_workspace
from db.connection import open_database
from db.fsutil import copy_private, fsync_directory, make_private

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    key_path: Path
    events: int


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


@any_role
def backup_database(ws: Workspace, out: Path) -> BackupResult:
    """Write an encrypted copy and a copy of the key file beside it (``out`` + ``.key``).

    The copy is encrypted with the same data key, so it opens with the same passphrases or
    the recovery code; nothing readable is ever written.
    """
    out = Path(out)
    if out.resolve() == ws.path.resolve():
        raise ValidationError("备份文件不能与数据库是同一个文件")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.unlink(missing_ok=True)
    target = open_database(tmp, ws.data_key, create=True)
    try:
        ws.conn.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")
    finally:
        target.close()
    _fsync_file(tmp)
    os.replace(tmp, out)
    key_copy = key_path_for(out)
    copy_private(key_path_for(ws.path), key_copy)
    fsync_directory(out.parent)
    events = ws.conn.execute("SELECT count(*) FROM journal").fetchone()[0]
    log.info("backup written to %s (%d events)", out.name, events)
    return BackupResult(out, key_copy, events)


@any_role
def auto_backup(ws: Workspace, *, now: datetime | None = None) -> BackupResult | None:
    """Back up to the configured folder (typically a USB stick) and keep the newest N."""
    folder = get_setting(ws, "backup_folder")
    if not folder:
        return None
    keep = max(1, int(get_setting(ws, "backup_keep")))
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    result = backup_database(ws, Path(folder) / f"yibao-{stamp}.db")
    backups = sorted(Path(folder).glob("yibao-*.db"))
    for old in backups[:-keep]:
        old.unlink(missing_ok=True)
        key_path_for(old).unlink(missing_ok=True)
    return result


def restore_database(target: Path, backup_file: Path, *, user: str | None,
                     passphrase: str) -> dict[str, object]:
    """Replace ``target`` with ``backup_file`` after its integrity and journal check out.

    The backup is opened with its own key file copy; the current database is kept as
    ``target.before-restore-<time>`` so a restore is never a loss.
    """
    backup_file = Path(backup_file)
    target = Path(target)
    if not backup_file.exists():
        raise StorageError(f"找不到备份文件：{backup_file}")
    kf = load_key_file(backup_file)
    name = kf.resolve_user(user)
    data_key = kf.unlock(name, passphrase)
    ws = open_with_key(backup_file, data_key, name)
    try:
        report = verify_workspace(ws)
    finally:
        ws.close()
    if not report.ok:
        raise IntegrityProblem("备份文件未通过校验，未恢复：" + "；".join(report.problems[:3]))
    target.parent.mkdir(parents=True, exist_ok=True)
    kept = None
    if target.exists():
        kept = target.with_name(f"{target.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
        os.replace(target, kept)
        make_private(kept)
        if key_path_for(target).exists():
            copy_private(key_path_for(target), key_path_for(kept))
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
    tmp = target.with_name(f".{target.name}.restore.tmp")
    copy_private(backup_file, tmp)
    os.replace(tmp, target)
    copy_private(key_path_for(backup_file), key_path_for(target))
    fsync_directory(target.parent)
    return {"restored": str(target), "events": report.events, "head": report.head,
            "previous_kept_as": str(kept) if kept else None}


@any_role
def close_with_backup(ws: Workspace) -> BackupResult | None:
    """Closing the app: back up to the configured folder, then close the database.

    A missing USB stick must not keep the clerk from closing: the failure is logged and the
    database still closes cleanly.
    """
    try:
        return auto_backup(ws)
    except (OSError, YibaoError) as exc:
        log.warning("automatic backup failed: %s", type(exc).__name__)
        return None
    finally:
        ws.close()
