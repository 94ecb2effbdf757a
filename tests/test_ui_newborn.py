"""The collect view's newborn enrolment (新生儿参保): covered from birth in the birth year."""

from __future__ import annotations

import copy
from datetime import timedelta

from PySide6.QtCore import Qt

from app.domain.idcard import make_id_number
from app.services.base.common import business_date, utc_now
from app.services.demo.village import demo_policy
from app.services.village.campaigns import load_policy
from app.services.village.roster import add_person
from tests.test_ui_collect import call, prints, village, window

__all__ = ["prints", "village", "window"]


def _birth_year_policy(year: int) -> dict:
    policy = copy.deepcopy(demo_policy(utc_now()))
    policy.update(campaign_year=year - 1, benefit_year=year,
                  collection={"start": f"{year - 1}-09-01", "end": f"{year - 1}-12-31"})
    policy["tiers"][0]["local_fen"] = 35000
    policy["rules"]["refund_before"] = f"{year}-01-01"
    return policy


def test_a_newborn_is_collected_for_its_birth_year_from_the_collect_view(qtbot, window):
    born = business_date(utc_now()) - timedelta(days=20)
    baby = make_id_number("340422", born, 101)

    def setup(ws):
        load_policy(ws, _birth_year_policy(born.year), activate=False)
        add_person(ws, household_no="3404220010001", name="王小宝", id_number=baby,
                   relation="20")

    call(qtbot, window, setup)
    collect = window.collect
    qtbot.keyClicks(collect.search, "wjg")
    qtbot.waitUntil(lambda: collect.results_model.rowCount() > 0, timeout=10_000)
    qtbot.keyClick(collect.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: collect.household is not None, timeout=10_000)
    assert not collect.household["newborn"]

    collect.newborn.setChecked(True)
    qtbot.waitUntil(lambda: collect.household["newborn"], timeout=10_000)
    payable = [m for m in collect.household["members"] if m["collectable"]]
    assert [m["name"] for m in payable] == ["王小宝"]
    assert collect.household["year_label"] == f"{born.year}年度"
    assert collect.total.text() == "合计 ¥350.00"

    qtbot.keyClick(collect.members, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: collect.confirm_dialog is not None, timeout=10_000)
    qtbot.keyClick(collect.confirm_dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "已打印" in collect.note.text(), timeout=15_000)

    cover = call(qtbot, window, lambda ws: ws.conn.execute(
        "SELECT p.coverage_start, c.benefit_year, p.amount_fen FROM payments p "
        "JOIN campaigns c ON c.id = p.campaign_id").fetchall())
    assert cover == [(born.isoformat(), born.year, 35000)]
    assert not collect.newborn.isChecked()
