"""The 报表 page opens every report (previewed as page images, printed, saved as PDF and
xlsx), and the settings page backs up to a chosen folder and changes the passphrase."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from app.domain.errors import AuthError
from app.services.base.workspace import open_workspace
from app.services.village.collect import collect_household
from tests.conftest import PASSPHRASE
from tests.helpers_ledger import T0, make_village, township
from tests.helpers_ui import main_window
from ui.printing import PRINT_TO_PDF_ENV

NEW_PASSPHRASE = "a much newer passphrase 2026"


@pytest.fixture
def prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "prints"
    folder.mkdir()
    monkeypatch.setenv(PRINT_TO_PDF_ENV, str(folder))
    return folder


@pytest.fixture
def village(ws: Any) -> Any:
    made = make_village(ws, households=4, members=(2, 3))
    for hh in made.households[:2]:
        collect_household(ws, household_no=hh.no, tier_code="1", now=T0)
    return ws


def _preview(qtbot: Any, page: Any, key: str) -> None:
    page.list.setCurrentRow([k.key for k in page.kinds].index(key))
    page.preview()
    qtbot.waitUntil(lambda: page.pdf is not None, timeout=20_000)
    assert page.pages_layout.count() >= 1
    first = page.pages_layout.itemAt(0).widget().pixmap()
    assert first.width() > 500 and first.height() > first.width()  # an A4 page, drawn


def test_every_village_report_opens_prints_and_saves(qtbot, village, prints, tmp_path):
    with main_window(qtbot, village) as win:
        page = win.reports
        win.tabs.setCurrentWidget(page)
        assert win.tabs.tabText(win.tabs.indexOf(page)) == "报表"
        assert [k.key for k in page.kinds] == ["daily", "settlement", "notice", "coverage",
                                               "subsidised"]
        qtbot.waitUntil(lambda: page.book.count() == 1 and page.tier.count() == 2,
                        timeout=10_000)
        page.day.setDate(page.day.date().fromString("2026-10-15", "yyyy-MM-dd"))
        page.household.setText("3404220010003")
        for key in ("daily", "settlement", "notice", "coverage", "subsidised"):
            _preview(qtbot, page, key)
            assert page.pdf.startswith(b"%PDF") and "页" in page.status.text()
        # Print the previewed report through the printing thread.
        page.print_report()
        qtbot.waitUntil(lambda: "已打印" in page.status.text(), timeout=20_000)
        assert list(prints.glob("*.pdf"))
        page.save_to(tmp_path / "名册.pdf")
        qtbot.waitUntil(lambda: (tmp_path / "名册.pdf").exists(), timeout=10_000)
        assert (tmp_path / "名册.pdf").read_bytes() == page.pdf
        page.list.setCurrentRow(3)
        assert page.save_xlsx_button.isVisibleTo(page)
        page.save_to(tmp_path / "进度.xlsx")
        qtbot.waitUntil(lambda: "已保存" in page.status.text(), timeout=10_000)
        rows = list(openpyxl.load_workbook(tmp_path / "进度.xlsx")["各村进度"].values)
        assert rows[0][:3] == ("村", "应参保", "已参保")
        # A household with nothing to pay: the refusal is shown, the window goes on.
        page.list.setCurrentRow(2)
        page.household.setText("3404220010000")
        page.preview()
        qtbot.waitUntil(lambda: "未能生成" in page.status.text(), timeout=10_000)
        assert page.preview_button.isEnabled()


def test_township_reports_page_lists_its_reports(qtbot, ws, village):
    with township(ws, PASSPHRASE) as tws, main_window(qtbot, tws) as win:
        page = win.reports
        assert [k.key for k in page.kinds] == ["coverage", "subsidised"]


def test_backup_to_a_chosen_folder_and_passphrase_change(qtbot, village, tmp_path):
    with main_window(qtbot, village) as win:
        page = win.settings
        win.tabs.setCurrentWidget(page)
        page.choose_backup_target()
        assert page.backup_chooser is not None and page.backup_chooser.isVisible()
        page.backup_chooser.reject()
        stick = tmp_path / "U盘"
        page.backup_to(stick)
        qtbot.waitUntil(lambda: "已备份" in page.upkeep_result.text(), timeout=20_000)
        backups = list(stick.glob("yibao-backup-*.db"))
        assert len(backups) == 1 and Path(f"{backups[0]}.key").exists()
        copy = open_workspace(backups[0], user=None, passphrase=PASSPHRASE)
        copy.close()

        page.old_pass.setText(PASSPHRASE)
        page.new_pass.setText(NEW_PASSPHRASE)
        page.confirm_pass.setText(NEW_PASSPHRASE + "x")
        page.change_passphrase()
        assert page.upkeep_result.text() == "两次输入的新口令不一致，请重新输入。"
        page.old_pass.setText("wrong passphrase here")
        page.confirm_pass.setText(NEW_PASSPHRASE)
        page.change_passphrase()
        qtbot.waitUntil(lambda: "口令未修改" in page.upkeep_result.text(), timeout=20_000)
        page.old_pass.setText(PASSPHRASE)
        page.new_pass.setText(NEW_PASSPHRASE)
        page.confirm_pass.setText(NEW_PASSPHRASE)
        page.change_passphrase()
        qtbot.waitUntil(lambda: "口令已修改" in page.upkeep_result.text(), timeout=20_000)
        assert page.old_pass.text() == "" and page.change_pass.isEnabled()
    path = village.path
    with pytest.raises(AuthError):
        open_workspace(path, user=None, passphrase=PASSPHRASE)
    open_workspace(path, user=None, passphrase=NEW_PASSPHRASE).close()
