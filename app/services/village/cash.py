"""Cash (现金): on hand, deposits (缴存), daily close (日清), and the 存款双限 warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.domain import events as ev
from app.domain.errors import Refused, ValidationError
from app.domain.money import format_fen
from app.domain.text import clean_text
from app.services.base.common import business_date, new_id, utc_now
from app.services.base.roles import any_role, requires_role
from app.services.base.settings import get_setting
from app.services.base.workspace import Workspace
from db.connection import tx


@dataclass
class CashPosition:
    collected_fen: int
    refunded_fen: int
    deposited_fen: int
    on_hand_fen: int
    oldest_undeposited: date | None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"collected_fen": self.collected_fen, "refunded_fen": self.refunded_fen,
                "deposited_fen": self.deposited_fen, "on_hand_fen": self.on_hand_fen,
                "oldest_undeposited": self.oldest_undeposited.isoformat()
                if self.oldest_undeposited else None, "warnings": self.warnings}


@any_role
def cash_position(ws: Workspace, *, today: date | None = None) -> CashPosition:
    """collected − refunded − deposited, and since when cash has been held (first in, first out)."""
    day = today or business_date(utc_now())
    daily = ws.conn.execute(
        "SELECT business_date, sum(amount_fen) FROM payments p WHERE method = 'cash' AND NOT "
        "EXISTS (SELECT 1 FROM payment_cancellations c WHERE c.payment_id = p.id) "
        "GROUP BY business_date ORDER BY business_date").fetchall()
    collected = sum(a for _, a in daily)
    refunded = ws.conn.execute("SELECT coalesce(sum(amount_fen), 0) FROM refunds "
                               "WHERE paid_by = 'cash'").fetchone()[0]
    deposited = ws.conn.execute("SELECT coalesce(sum(amount_fen), 0) FROM deposits").fetchone()[0]
    on_hand = collected - refunded - deposited
    # Money leaves in the order it came in: the oldest day not yet covered is the age.
    covered = refunded + deposited
    oldest = None
    for day_text, amount in daily:
        if covered >= amount:
            covered -= amount
            continue
        oldest = date.fromisoformat(day_text)
        break
    warnings = []
    limit = int(get_setting(ws, "cash_limit_fen"))
    max_days = int(get_setting(ws, "cash_max_days"))
    if on_hand > limit:
        warnings.append(f"现金在手 ¥{format_fen(on_hand)} 超过限额 ¥{format_fen(limit)}，请尽快缴存")
    if oldest is not None and (day - oldest).days > max_days:
        warnings.append(f"有 {(day - oldest).days} 天前收的现金尚未缴存（限 {max_days} 天），"
                        "请尽快缴存")
    return CashPosition(collected, refunded, deposited, on_hand, oldest, warnings)


@requires_role("collector", "登记缴存")
def record_deposit(ws: Workspace, *, amount_fen: int, slip_no: str,
                   deposit_date: date | None = None,
                   now: datetime | None = None) -> dict[str, Any]:
    """缴存: cash taken to the township account, with the bank slip number."""
    slip = clean_text(slip_no)
    if not slip:
        raise ValidationError("请填写缴款单（回单）号")
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise ValidationError("缴存金额必须大于 0")
    moment = now or utc_now()
    when = deposit_date or business_date(moment)
    if when > business_date(moment):
        raise ValidationError("缴存日期不能晚于今天")
    deposit_id = new_id()
    with tx(ws.conn):
        if ws.conn.execute("SELECT 1 FROM deposits WHERE slip_no = ?", (slip,)).fetchone():
            raise Refused(f"缴款单号 {slip} 已经登记过")
        on_hand = cash_position(ws).on_hand_fen
        if amount_fen > on_hand:
            raise Refused(f"缴存金额 ¥{format_fen(amount_fen)} 超过现金在手 "
                          f"¥{format_fen(on_hand)}，请核对")
        ws.commit_event(ev.DepositRecorded(deposit_id, slip, amount_fen, when.isoformat()),
                        at=moment)
    return {"deposit_id": deposit_id, "slip_no": slip, "amount_fen": amount_fen,
            "deposit_date": when.isoformat(), "on_hand_fen": on_hand - amount_fen}


@requires_role("collector", "日清")
def daily_close(ws: Workspace, *, counted_fen: int, note: str = "",
                now: datetime | None = None) -> dict[str, Any]:
    """日清: the clerk counts the cash; any difference needs a note and is kept on record."""
    if counted_fen < 0:
        raise ValidationError("清点金额不能为负数")
    moment = now or utc_now()
    day = business_date(moment)
    note = clean_text(note)
    with tx(ws.conn):
        expected = cash_position(ws, today=day).on_hand_fen
        difference = counted_fen - expected
        if difference and not note:
            raise ValidationError(f"实点现金与账面相差 {format_fen(difference, symbol=True)}，请填写说明")
        ws.commit_event(ev.CashDailyClosed(new_id(), day.isoformat(), expected, counted_fen,
                                           difference, note), at=moment)
    return {"business_date": day.isoformat(), "expected_fen": expected,
            "counted_fen": counted_fen, "difference_fen": difference, "note": note}
