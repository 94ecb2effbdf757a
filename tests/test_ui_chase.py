"""The 催缴 page: last year's enrolled people not yet renewed, saved as Excel, the notices
printed and saved as one PDF (offscreen)."""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.services.village import campaigns
from tests.helpers_ui import click, main_window
from tests.test_chase import T1, collect_2026, next_policy, print_all
from ui.printing import PRINT_TO_PDF_ENV


@pytest.fixture
def two_campaigns(ws: Any) -> Any:
    made = collect_2026(ws)
    print_all(ws)
    campaigns.start_campaign(ws, next_policy(), now=T1)
    return ws, made["village"].households


def test_chase_page_lists_saves_and_prints(qtbot, two_campaigns, tmp_path, monkeypatch):
    ws, h = two_campaigns
    prints = tmp_path / "prints"
    prints.mkdir()
    monkeypatch.setenv(PRINT_TO_PDF_ENV, str(prints))
    expected = {*h[0].members, *h[1].members, h[2].members[0], *h[3].members[:2],
                h[4].members[0], h[4].members[2]}
    with main_window(qtbot, ws) as win:
        page = win.chase
        assert win.tabs.tabText(win.tabs.indexOf(page)) == "催缴"
        assert win.tabs.indexOf(page) == win.tabs.indexOf(win.progress) + 1
        win.tabs.setCurrentWidget(page)
        qtbot.waitUntil(lambda: page.model.rowCount() == len(expected), timeout=10_000)
        assert {r["id_number"] for r in page.model.rows()} == expected
        assert "2027年度已参保" in page.summary.text() and "5 户" in page.summary.text()
        assert page.title.text().startswith("催缴名单 — 2028年度")
        assert page.model.columns[6].title == "上年档次"

        out = tmp_path / "催缴.xlsx"
        page.save_xlsx(out)
        qtbot.waitUntil(lambda: "已导出" in page.note.text(), timeout=10_000)
        ids = {r[5] for r in list(load_workbook(out).active.iter_rows(values_only=True))[1:]}
        assert ids == expected

        pdf = tmp_path / "通知单.pdf"
        page.save_pdf(pdf)
        qtbot.waitUntil(lambda: "5 户" in page.note.text() and pdf.exists(), timeout=10_000)
        assert len(PdfReader(pdf).pages) >= 5

        click(qtbot, page.print_button)
        qtbot.waitUntil(lambda: "已打印 5 户" in page.note.text(), timeout=20_000)
        printed = list(prints.glob("*.pdf"))
        assert printed and len(PdfReader(printed[0]).pages) >= 5


def test_the_township_has_no_chase_page(qtbot, ws):
    from tests.conftest import PASSPHRASE
    from tests.helpers_ledger import township

    campaigns.load_policy(ws, next_policy(0))
    with township(ws, PASSPHRASE) as tws, main_window(qtbot, tws) as win:
        assert win.chase is None
        assert "催缴" not in [win.tabs.tabText(i) for i in range(win.tabs.count())]
