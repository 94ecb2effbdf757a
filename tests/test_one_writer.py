"""One writer, many readers (hardening issue, finding 1): with the desktop open, a real Qt file
dialog browsing the database's folder and a CLI run beside it lose no write and leave the WAL
in place; the CLI's writes are refused with a clear message, its reads still answer."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog

from app.services.base.workspace import open_workspace
from app.services.upkeep.verify import verify_workspace
from app.services.village.collect import collect_household
from db.applock import IN_USE_MESSAGE, AppLock, DatabaseInUse, app_is_running
from tests.conftest import PASSPHRASE, run_cli
from tests.helpers_ui import main_window
from tests.test_ui_collect import build_village, call

ENV = {"YIBAO_PASSPHRASE": PASSPHRASE}


def _payments(path: Path) -> int:
    with open_workspace(path, user=None, passphrase=PASSPHRASE) as ws:
        assert verify_workspace(ws).ok
        return int(ws.conn.execute("SELECT count(*) FROM payments").fetchone()[0])


def _households(ws: Any) -> list[str]:
    return [r[0] for r in ws.conn.execute("SELECT household_no FROM households "
                                          "ORDER BY household_no")]


@pytest.mark.parametrize("dialog", ["plain Qt dialog", "the app's dialog"])
def test_a_file_dialog_and_a_cli_beside_the_app_lose_nothing(qtbot, new_db, dialog):
    path = new_db.path
    with open_workspace(path, user=None, passphrase=PASSPHRASE) as ws:
        build_village(ws)
        before = int(ws.conn.execute("SELECT count(*) FROM payments").fetchone()[0])
    ws = open_workspace(path, user=None, passphrase=PASSPHRASE, hold_lock=True)
    nos = _households(ws)
    with main_window(qtbot, ws) as win:
        assert app_is_running(path)
        call(qtbot, win, lambda w: collect_household(w, household_no=nos[0], tier_code="1"))
        # Browse the folder that holds the database, as 花名册 → 导入 → 选择文件 does.
        if dialog == "plain Qt dialog":
            chooser = QFileDialog(win, "x", str(path.parent))
        else:
            from ui.common import file_dialog
            chooser = file_dialog(win, "x", str(path.parent))
        chooser.setOption(QFileDialog.Option.DontUseNativeDialog)
        chooser.show()
        qtbot.wait(1500)  # the file system model looks at every file meanwhile
        chooser.close()

        info = run_cli("info", "--db", str(path), "--json", env=ENV)
        assert info.returncode == 0, info.stderr  # reads answer beside the app
        assert json.loads(info.stdout)["journal_events"] > 0
        wrote = run_cli("roster", "add-household", "--no", "3404220010999",
                        "--head", "新户", "--db", str(path), "--json", env=ENV)
        assert wrote.returncode == 1 and IN_USE_MESSAGE in wrote.stderr
        assert json.loads(wrote.stdout)["error"] == "database_in_use"
        assert os.path.exists(str(path) + "-wal"), "the app's WAL was deleted under it"

        # The app goes on writing, and nothing it wrote is lost.
        call(qtbot, win, lambda w: collect_household(w, household_no=nos[1], tier_code="1"))
    assert not app_is_running(path)
    assert _payments(path) == before + 2


def test_a_second_desktop_on_the_same_database_is_refused(new_db):
    first = AppLock(new_db.path)
    try:
        with pytest.raises(DatabaseInUse, match="另一个医保收缴通窗口"):
            open_workspace(new_db.path, user=None, passphrase=PASSPHRASE, hold_lock=True)
    finally:
        first.release()
    open_workspace(new_db.path, user=None, passphrase=PASSPHRASE, hold_lock=True).close()


def test_restore_is_refused_while_the_app_is_open(new_db, tmp_path):
    lock = AppLock(new_db.path)
    try:
        done = run_cli("restore", str(tmp_path / "any.db"), "--db", str(new_db.path), env=ENV)
        assert done.returncode == 1 and IN_USE_MESSAGE in done.stderr
    finally:
        lock.release()
