"""The village's own 征缴进度表 and 资助参保人员名册 (PDF or xlsx), from its tables.

The counting rule (each person once, 线下 / 线上 / 资助, rewards) is
``app.services.views.coverage``; the township builds the same report from its fold of every
village's journal (``app.services.township.progress.township_coverage``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.domain.errors import Refused
from app.domain.idcard import mask_id_number
from app.services.base.roles import requires_role
from app.services.base.workspace import Workspace
from app.services.views.coverage import (
    OfflineLine,
    RosterEntry,
    build_coverage,
    funding_channels,
    online_payments,
    policy_rates,
    render_report,
    village_names,
    write_report,
)
from app.services.views.villages import village_label
from app.services.village.campaigns import active_campaign, campaign_by_id
from receipts.coverage import Coverage

_LINES = (
    "SELECT l.person_id, l.id_type, l.id_number, l.name, l.category, l.price_fen, "
    "l.subsidy_fen, l.payable_fen, p.business_date, h.grp FROM payment_lines l "
    "JOIN payments p ON p.id = l.payment_id JOIN campaigns c ON c.id = p.campaign_id "
    "JOIN households h ON h.id = p.household_id WHERE c.campaign_year = ? "
    "AND NOT EXISTS (SELECT 1 FROM payment_cancellations x WHERE x.payment_id = p.id) "
    "AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_line_id = l.id) "
    "AND NOT EXISTS (SELECT 1 FROM enrolments e JOIN enrolment_ends x ON x.enrolment_id = e.id "
    "                WHERE e.payment_line_id = l.id) "
    "ORDER BY p.collected_at, l.rowid")


def _key(person_id: str, id_type: str, id_number: str) -> tuple[str, str]:
    return (id_type or "01", id_number) if id_number else ("person", person_id)


@requires_role("collector", "生成征缴进度表")
def village_coverage(ws: Workspace, *, campaign_year: int | None = None) -> Coverage:
    """This village's coverage for a campaign year (the active one by default)."""
    policy = active_campaign(ws).policy
    if campaign_year is not None and campaign_year != policy.campaign_year:
        row = ws.conn.execute("SELECT id FROM campaigns WHERE campaign_year = ? "
                              "ORDER BY loaded_at DESC LIMIT 1", (campaign_year,)).fetchone()
        if row is None:
            raise Refused(f"没有 {campaign_year} 年的征缴政策")
        policy = campaign_by_id(ws, row[0]).policy
    year = policy.campaign_year
    village = ws.meta("village") or ""
    lines = [OfflineLine(_key(pid, t, n), village, grp or "", name, mask_id_number(n), cat,
                         price, subsidy, payable, day)
             for pid, t, n, name, cat, price, subsidy, payable, day, grp
             in ws.conn.execute(_LINES, (year,))]
    roster = [RosterEntry(_key(pid, t, n), village, grp or "")
              for pid, t, n, grp in ws.conn.execute(
                  "SELECT p.id, p.id_type, p.id_number, h.grp FROM persons p "
                  "JOIN households h ON h.id = p.household_id WHERE p.status = 'active'")]
    online = online_payments(ws, year, policy.benefit_year)
    targets = {v: int(t) for v, t in ws.conn.execute(
        "SELECT village, target FROM tw_targets WHERE campaign_year = ? AND grp = '' "
        "ORDER BY id", (year,))}
    names = village_names(ws)
    return build_coverage(
        lines=lines, roster=roster, online=online, targets=targets, names=names,
        rates=policy_rates(ws, year), channels=funding_channels(ws),
        year_label=policy.year_label(), period_label=policy.period_label(),
        unit=village_label(ws, village), maker=ws.user)


@requires_role("collector", "导出征缴进度表")
def export_village_report(ws: Workspace, out: Path, *, report: str = "coverage",
                          campaign_year: int | None = None) -> dict[str, Any]:
    """征缴进度表 or 资助参保人员名册 of this village as .pdf or .xlsx."""
    return write_report(village_coverage(ws, campaign_year=campaign_year), out, report)


@requires_role("collector", "生成征缴进度表")
def village_report_pdf(ws: Workspace, report: str = "coverage") -> bytes:
    """The PDF bytes, for the 报表 page."""
    return render_report(village_coverage(ws), report)
