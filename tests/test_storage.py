"""Encryption at rest, migrations, backups and restores, logging redaction."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.domain.errors import IntegrityProblem, StorageError
from app.logsetup import setup_logging
from app.services.base.settings import set_setting
from app.services.base.workspace import key_path_for, open_workspace
from app.services.upkeep.backup import auto_backup, backup_database, restore_database
from app.services.village.roster import add_household, add_person
from db import migrations
from db.connection import open_database, tx
from tests.conftest import PASSPHRASE

NAME = "欧阳建国"
ID_NUMBER = "340422196503120211"


def test_database_file_is_encrypted(ws, new_db):
    assert not new_db.path.read_bytes().startswith(b"SQLite format 3")
    with pytest.raises(StorageError):
        open_database(new_db.path, b"\x00" * 32)


def test_no_plaintext_in_database_wal_backups_or_logs(ws, new_db, tmp_path):
    log_file = setup_logging(tmp_path / "logs")
    add_household(ws, household_no="3404220010001", head_name=NAME, group="一组")
    add_person(ws, household_no="3404220010001", name=NAME, id_number=ID_NUMBER,
               relation="户主")
    logging.getLogger("yibao.test").warning("collected %s %s", NAME, ID_NUMBER)
    backup_database(ws, tmp_path / "usb" / "b.db")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "欧**国" in log_file.read_text(encoding="utf-8")
    needles = [NAME.encode("utf-8"), ID_NUMBER.encode(), NAME.encode("utf-16-le"),
               b"340422196503", PASSPHRASE.encode("utf-8")]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.endswith("-wal") for p in files)
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"{needle!r} found in {path.name}"


def test_newer_database_is_refused(ws, new_db):
    with tx(ws.conn):
        ws.conn.execute("INSERT INTO schema_migrations VALUES (999, 'from the future', 'x')")
    ws.close()
    with pytest.raises(StorageError, match="更新版本"):
        open_workspace(new_db.path, user=None, passphrase=PASSPHRASE)


def test_upgrade_backs_up_first_and_records_each_step(ws, new_db, monkeypatch):
    step = migrations.Step(len(migrations.STEPS) + 1, "test step",
                           ["CREATE TABLE upgrade_probe (x INTEGER)"])
    monkeypatch.setattr(migrations, "STEPS", [*migrations.STEPS, step])
    ws.close()
    with open_workspace(new_db.path, user=None, passphrase=PASSPHRASE) as upgraded:
        assert migrations.current_version(upgraded.conn) == step.version
        desc = upgraded.conn.execute(
            "SELECT description FROM schema_migrations WHERE version = ?", (step.version,)
        ).fetchone()[0]
    assert desc == "test step"
    backups = list(new_db.path.parent.glob("*.bak"))
    assert len(backups) == 1 and not backups[0].read_bytes().startswith(b"SQLite format 3")


def test_failed_migration_leaves_previous_version(ws, new_db, monkeypatch):
    before = migrations.current_version(ws.conn)
    bad = migrations.Step(before + 1, "broken", ["CREATE TABLE ok_table (x)", "NOT SQL"])
    monkeypatch.setattr(migrations, "STEPS", [*migrations.STEPS, bad])
    with pytest.raises(Exception, match="syntax"):
        migrations.migrate(ws.conn)
    assert migrations.current_version(ws.conn) == before
    assert ws.conn.execute("SELECT name FROM sqlite_master WHERE name='ok_table'").fetchone() \
        is None


def test_auto_backup_keeps_the_newest(ws, tmp_path):
    from datetime import datetime, timedelta

    folder = tmp_path / "usb"
    set_setting(ws, "backup_folder", str(folder))
    set_setting(ws, "backup_keep", 3)
    start = datetime(2026, 11, 23, 9, 0, 0)
    for i in range(5):
        auto_backup(ws, now=start + timedelta(minutes=i))
    kept = sorted(p.name for p in folder.glob("yibao-*.db"))
    assert kept == ["yibao-20261123-090200.db", "yibao-20261123-090300.db",
                    "yibao-20261123-090400.db"]
    assert all(key_path_for(folder / k).exists() for k in kept)


def test_restore_refuses_a_tampered_backup(ws, new_db, tmp_path):
    bak = tmp_path / "b.db"
    backup_database(ws, bak)
    with open_workspace(bak, user=None, passphrase=PASSPHRASE) as copy:
        copy.conn.execute("DROP TRIGGER journal_no_update")
        copy.conn.execute("UPDATE journal SET actor = 'mallory'")
    ws.close()
    before = new_db.path.read_bytes()
    with pytest.raises(IntegrityProblem, match="未通过校验"):
        restore_database(new_db.path, bak, user=None, passphrase=PASSPHRASE)
    assert new_db.path.read_bytes() == before


def test_restore_keeps_the_previous_database(ws, new_db, tmp_path):
    bak = tmp_path / "b.db"
    backup_database(ws, bak)
    with tx(ws.conn):
        ws.record("after.backup", {})
    ws.close()
    result = restore_database(new_db.path, bak, user=None, passphrase=PASSPHRASE)
    assert Path(result["previous_kept_as"]).exists()
    with open_workspace(new_db.path, user=None, passphrase=PASSPHRASE) as restored:
        assert restored.conn.execute("SELECT count(*) FROM journal").fetchone()[0] == 1


def test_closing_backs_up_to_the_configured_folder(ws, tmp_path):
    from app.services.upkeep.backup import close_with_backup

    set_setting(ws, "backup_folder", str(tmp_path / "usb"))
    result = close_with_backup(ws)
    assert result is not None and result.path.exists()
    assert ws._closed


def test_closing_with_the_usb_stick_missing_still_closes(ws, tmp_path):
    from app.services.upkeep.backup import close_with_backup

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    set_setting(ws, "backup_folder", str(blocker / "usb"))
    assert close_with_backup(ws) is None
    assert ws._closed
