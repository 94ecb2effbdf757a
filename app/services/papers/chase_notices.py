"""催缴通知单: the payment notice of a household on the chase list, with what it paid last
year, one household at a time or the whole chase list in one PDF (`yibao report
chase-notices`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from app.domain.errors import NotFound
from app.domain.money import format_fen
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.papers.printing import payment_notice
from app.services.views.chase import chase_list
from app.services.village.campaigns import active_campaign
from db.fsutil import write_atomic
from receipts import reports
from receipts.model import PaymentNotice


def _by_household(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["household_no"], []).append(row)
    return out


def _notice(ws: Workspace, members: list[dict[str, Any]], previous_label: str | None,
            default_tier: str) -> PaymentNotice:
    first = members[0]
    tier = first["tier"] or default_tier
    paid = sum(m["last_paid_fen"] for m in members)
    names = "、".join(m["name"] for m in members)
    notes = (f"您家{names}上年（{previous_label or '上一年度'}）已参保，档次“"
             f"{first['last_tier_name']}”，个人缴费合计 {format_fen(paid)} 元；本年度尚未续保，"
             "请按时缴费，以免影响医保待遇。",)
    if first["tier"] is None:
        notes += (f"上年档次“{first['last_tier_name']}”本年度已取消，以上按本年度政策的首个档次"
                  "计算，请选择档次后缴费。",)
    return payment_notice(ws, first["household_no"], tier, notes=notes,
                          only=frozenset(m["person_id"] for m in members))


@any_role
def chase_notice_pdf(ws: Workspace, household_no: str, *, on: date | None = None) -> bytes:
    """The 催缴通知单 of one household on the chase list."""
    data = chase_list(ws, on=on)
    members = _by_household(data["rows"]).get((household_no or "").strip())
    if not members:
        raise NotFound(f"户 {household_no} 不在催缴名单上（上年没有参保的成员，或都已续保）")
    default = active_campaign(ws).policy.tiers[0].code
    return reports.render_payment_notices(
        [_notice(ws, members, data["previous_year_label"], default)])


@any_role
def chase_notices_pdf(ws: Workspace, *, on: date | None = None) -> dict[str, Any]:
    """Every household's 催缴通知单 in one PDF, in the chase list's order (by group)."""
    data = chase_list(ws, on=on)
    households = _by_household(data["rows"])
    if not households:
        raise NotFound(f"{data['year_label']}的催缴名单是空的：上年参保的人都已续保"
                       "（或本设备没有上年的参保记录）")
    default = active_campaign(ws).policy.tiers[0].code
    notices = [_notice(ws, members, data["previous_year_label"], default)
               for members in households.values()]
    return {"pdf": reports.render_payment_notices(notices), "households": len(notices),
            "persons": len(data["rows"])}


@any_role
def save_chase_notices(ws: Workspace, out: Path, *, on: date | None = None) -> dict[str, Any]:
    """The chase list's notices written to ``out`` (the app's 保存 PDF), atomically."""
    made = chase_notices_pdf(ws, on=on)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = made.pop("pdf")
    write_atomic(out, data)
    return {"out": str(out), "bytes": len(data), **made}
