"""One name for a campaign's year (issue 13, item 12): the benefit year, "2027年度", with the
collection period beside it where there is room — in the window title, on the progress page
and the township's progress report, on receipts and payment notices, and in the township's
duplicate-enrolment problems. The campaign year the money is collected in (2026) is never
shown as "2026年度".

The villages' policies: campaign 2026, benefit year 2027 (tests/data/policy-two-tier.json:
collection 2026-09-01 … 2026-12-31).
"""

# The shared fixtures come from test_ui_pages / test_ui_collect and are requested by name.
# ruff: noqa: F811

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from app.services.base.workspace import init_database, open_workspace
from app.services.demo.township import create_township_demo
from app.services.exchange import township_bundles as tb
from app.services.papers.printing import payment_notice_pdf, receipt_pdf
from app.services.township import progress as prog
from app.services.township import reconcile as trec
from app.services.village import books, campaigns, collect, roster
from tests.conftest import PASSPHRASE
from tests.helpers_ledger import POLICY_TWO_TIER, SERIES, T0, new_id_number
from tests.helpers_ui import main_window
from tests.test_sync_support import opened
from tests.test_ui_collect import call, prints, village  # noqa: F401 - fixtures by name
from tests.test_ui_pages import collected, page_window  # noqa: F401 - fixtures by name

YEAR = "2027年度"
LABEL = "2027年度（征缴期 2026-09-01至2026-12-31）"


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_window_progress_receipt_and_notice_name_the_same_year(qtbot: Any,
                                                               page_window: Any) -> None:
    win = page_window
    policy = call(qtbot, win, lambda ws: campaigns.active_campaign(ws).policy)
    label = policy.label()
    assert (policy.campaign_year, policy.year_label()) == (2026, YEAR)
    assert label == f"{YEAR}（征缴期 {policy.collection_start}至{policy.collection_end}）"

    # The window title has room for the period; the crowded status bar shows the year and
    # keeps the period in its tooltip.
    assert win.windowTitle() == f"医保收缴通 — {label} — 收款员 李会计"
    assert win.campaign_label.text() == YEAR
    assert win.campaign_label.toolTip() == policy.period_label()

    page = win.progress
    win.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.title.text() != "", timeout=10_000)
    assert page.title.text() == f"征缴进度 — {label}"

    receipt = pdf_text(call(qtbot, win, lambda ws: receipt_pdf(ws, "00012001")))
    assert receipt.count(YEAR) == 3  # one for each of the three parts
    notice = pdf_text(call(qtbot, win, lambda ws: payment_notice_pdf(ws, "3404220010004", "1")))
    assert f"缴费年度：{label}" in notice
    assert f"根据{YEAR}城乡居民基本医疗保险集中征缴安排" in notice
    assert f"逾期将影响{YEAR}医保待遇" in notice

    for text in (win.windowTitle(), win.campaign_label.text(), page.title.text(), receipt,
                 notice):
        assert "2026年度" not in text and "2026年征缴" not in text


@pytest.fixture
def township(tmp_path: Path) -> dict[str, Any]:
    """A township with no policy of its own and two villages (V1, V2) that both collected
    for the same person: a duplicate enrolment (重复参保)."""
    tpath = tmp_path / "township" / "yibao.db"
    init_database(tpath, user="王所长", role="township", passphrase=PASSPHRASE, village="T01")
    key = tmp_path / "township.key"
    with opened(tpath) as tws:
        tb.export_township_key(tws, key)
    twice = new_id_number()
    for i, code in enumerate(("V1", "V2")):
        vpath = tmp_path / code / "yibao.db"
        init_database(vpath, user=f"会计{i}", role="collector", passphrase=PASSPHRASE,
                      village=code)
        with opened(vpath) as ws:
            campaigns.load_policy(ws, POLICY_TWO_TIER)
            books.register_book(ws, series=SERIES, first=1 + 100 * i, last=100 * (i + 1))
            no = f"34042200{i}0001"
            roster.add_household(ws, household_no=no, head_name="王重复")
            roster.add_person(ws, household_no=no, name="王重复", id_number=twice,
                              relation="02")
            collect.collect_household(ws, household_no=no, tier_code="1", now=T0)
            tb.export_for_township(ws, tmp_path / f"{code}.bundle", township_key=key)
        with opened(tpath) as tws:
            tb.import_village_bundle(tws, tmp_path / f"{code}.bundle")
    return {"township": tpath, "tmp": tmp_path, "id_number": twice}


def test_township_progress_report_and_duplicates_name_the_benefit_year(
        township: dict[str, Any]) -> None:
    with opened(township["township"]) as tws:
        with pytest.raises(Exception, match="还没有启用的征缴年度"):
            campaigns.active_campaign(tws)  # the benefit year comes from the villages' payments
        data = prog.progress(tws)
        assert (data["campaign_year"], data["benefit_year"]) == (2026, 2027)
        assert data["year_label"] == data["label"] == YEAR  # no policy here: no period known
        out = township["tmp"] / "progress.pdf"
        prog.export_progress(tws, out)
        report = pdf_text(out.read_bytes())
        assert f"{YEAR}城乡居民医保征缴进度表" in report
        problems = [p for p in trec.reconcile_villages(tws)["problems"]
                    if p["kind"] == "duplicate_enrolment"]
        assert len(problems) == 2  # one for each village holding the person
        masked = f"{township['id_number'][:6]}********{township['id_number'][-4:]}"
        assert all(f"{masked} {YEAR}重复参保" in p["message"] for p in problems), problems

        # Once the policy is loaded at the township, the report gains the period.
        campaigns.load_policy(tws, POLICY_TWO_TIER)
        assert prog.progress(tws)["label"] == LABEL
        prog.export_progress(tws, out)
        report = pdf_text(out.read_bytes())
        assert f"{YEAR}城乡居民医保征缴进度表" in report
        assert "征缴期 2026-09-01至2026-12-31" in report
        for text in (report, *(p["message"] for p in problems)):
            assert "2026年度" not in text


@pytest.fixture
def township_window(qtbot: Any, tmp_path: Path):
    demo = create_township_demo(tmp_path, passphrase=PASSPHRASE)
    ws = open_workspace(Path(demo["township"]), user=None, passphrase=PASSPHRASE)
    with main_window(qtbot, ws) as win:
        yield win


def test_township_window_and_progress_page_name_the_benefit_year(
        qtbot: Any, township_window: Any) -> None:
    win = township_window
    policy = call(qtbot, win, lambda ws: campaigns.active_campaign(ws).policy)
    assert policy.year_label() == f"{policy.benefit_year}年度"
    assert win.windowTitle() == f"医保收缴通 — {policy.label()} — 财政所 王所长"
    assert win.campaign_label.text() == policy.year_label()
    page = next(p for p in win.township_pages if type(p).__name__ == "TownshipProgressPage")
    win.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.summary.text().startswith(policy.label()), timeout=10_000)
    assert page.summary.text().startswith(f"{policy.label()}：参保 ")
    assert f"{policy.campaign_year}年度" not in win.windowTitle() + page.summary.text()

