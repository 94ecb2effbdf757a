"""Collecting a household's premiums (收款) and previewing what each member owes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.domain.errors import NotFound, Refused, ValidationError
from app.domain.fees import CategoryHolding, FeeLine, compute_fee, newborn_deadline
from app.domain.idcard import mask_id_number
from app.domain.money import fen_to_capitals
from app.domain.roster import METHODS, STATUSES
from app.services.books import next_receipt
from app.services.campaigns import Campaign, active_campaign
from app.services.common import business_date, iso, new_id, utc_now
from app.services.workspace import Workspace
from db.connection import tx
from receipts.qr import receipt_fields, sign_qr


@dataclass(frozen=True)
class MemberStatus:
    person_id: str
    name: str
    id_type: str
    id_number: str
    birth_date: str | None
    residence: str
    status: str
    categories: tuple[CategoryHolding, ...]
    enrolled: bool
    paid_elsewhere: str | None  # channel and date when paid through another channel

    @property
    def collectable(self) -> bool:
        return self.status == "active" and not self.enrolled and not self.paid_elsewhere


def _household(ws: Workspace, household_no: str) -> tuple:
    row = ws.conn.execute(
        "SELECT id, household_no, head_name, village, grp FROM households WHERE household_no = ?",
        ((household_no or "").strip(),)).fetchone()
    if row is None:
        raise NotFound(f"找不到户号 {household_no}")
    return row


def member_statuses(ws: Workspace, household_id: str, campaign: Campaign) -> list[MemberStatus]:
    """Every member with what matters for collecting: status, categories, already paid?"""
    year = campaign.campaign_year
    rows = ws.conn.execute(
        "SELECT p.id, p.name, p.id_type, p.id_number, p.birth_date, p.residence, p.status, "
        "EXISTS (SELECT 1 FROM enrolments e JOIN campaigns c ON c.id = e.campaign_id "
        "        WHERE e.person_id = p.id AND c.campaign_year = ? "
        "        AND NOT EXISTS (SELECT 1 FROM enrolment_ends x WHERE x.enrolment_id = e.id)), "
        "(SELECT channel || ' ' || substr(paid_at, 1, 10) FROM external_payments x "
        "        WHERE x.id_number = p.id_number AND x.campaign_year = ? LIMIT 1) "
        "FROM persons p WHERE p.household_id = ? ORDER BY p.relation, p.birth_date",
        (year, year, household_id)).fetchall()
    cats: dict[str, list[CategoryHolding]] = {}
    for pid, cat, vf, vt in ws.conn.execute(
            "SELECT c.person_id, c.category, c.valid_from, c.valid_to FROM person_categories c "
            "JOIN persons p ON p.id = c.person_id WHERE p.household_id = ? "
            "AND c.revoked_at IS NULL ORDER BY c.created_at", (household_id,)):
        cats.setdefault(pid, []).append(CategoryHolding(
            cat, date.fromisoformat(vf) if vf else None, date.fromisoformat(vt) if vt else None))
    return [MemberStatus(r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple(cats.get(r[0], ())),
                         bool(r[7]), r[8]) for r in rows]


def _status_label(m: MemberStatus) -> str:
    if m.status != "active":
        return STATUSES[m.status]
    if m.enrolled:
        return "已参保"
    if m.paid_elsewhere:
        return f"已通过其他渠道缴费（{m.paid_elsewhere}）"
    return "未缴费"


def household_fees(ws: Workspace, household_no: str, tier_code: str, *,
                   on: date | None = None) -> dict[str, Any]:
    """What the household panel shows: each member's status, price, subsidy and payable."""
    campaign = active_campaign(ws)
    policy = campaign.policy
    tier = policy.tier(tier_code)
    day = on or business_date(utc_now())
    hh = _household(ws, household_no)
    members = []
    total = 0
    for m in member_statuses(ws, hh[0], campaign):
        fee = compute_fee(policy, tier.code, nonlocal_resident=m.residence == "nonlocal",
                          categories=m.categories, on=day)
        members.append({
            "person_id": m.person_id, "name": m.name, "id_number": m.id_number,
            "id_masked": mask_id_number(m.id_number), "status": m.status,
            "status_label": _status_label(m), "collectable": m.collectable,
            "category": fee.category, "price_fen": fee.price_fen,
            "subsidy_fen": fee.subsidy_fen, "payable_fen": fee.payable_fen,
        })
        if m.collectable:
            total += fee.payable_fen
    return {"household_id": hh[0], "household_no": hh[1], "head_name": hh[2],
            "village": hh[3], "group": hh[4], "tier": tier.code, "tier_name": tier.name,
            "members": members, "total_fen": total, "total_capitals": fen_to_capitals(total),
            "in_window": policy.in_collection_window(day),
            "tiers": [{"code": t.code, "name": t.name} for t in policy.tiers]}


def _select_members(all_members: list[MemberStatus], requested: list[str] | None,
                    campaign: Campaign) -> list[MemberStatus]:
    if requested is None:
        chosen = [m for m in all_members if m.collectable]
        if not chosen:
            raise Refused("该户没有需要缴费的成员（都已参保、已缴费或不在参保状态）")
        return chosen
    if not requested:
        raise ValidationError("请至少选择一名要缴费的成员")
    chosen = []
    for ref in requested:
        ref = ref.strip()
        match = [m for m in all_members if ref in (m.person_id, m.id_number, m.id_number.lower())]
        if not match:
            raise NotFound(f"此户没有证件号码为 {mask_id_number(ref)} 的成员")
        chosen.append(match[0])
    if len({m.person_id for m in chosen}) != len(chosen):
        raise ValidationError("同一成员不能重复选择")
    for m in chosen:
        if m.status != "active":
            raise Refused(f"{m.name}的状态是“{STATUSES[m.status]}”，不能参保缴费")
        if m.enrolled:
            raise Refused(f"{m.name}本年度（{campaign.campaign_year}年征缴）已经参保缴费，"
                          "不能重复收款")
        if m.paid_elsewhere:
            raise Refused(f"{m.name}已通过其他渠道缴费（{m.paid_elsewhere}），不能重复收款")
    return chosen


def collect_household(ws: Workspace, *, household_no: str, tier_code: str,
                      members: list[str] | None = None, method: str = "cash",
                      method_ref: str | None = None, override_reason: str | None = None,
                      expected_receipt: str | None = None,
                      now: datetime | None = None) -> dict[str, Any]:
    """收款: one transaction writes the payment, its lines, the next receipt number, the
    enrolments and the journal event. A household whose total is 0 (fully subsidised) is
    enrolled without using a receipt number.

    ``expected_receipt`` is the number the clerk confirmed against the paper form; if another
    number would be used the collection is refused rather than printed on the wrong form.
    """
    if method not in METHODS:
        raise ValidationError(f"缴费方式应为：{'、'.join(METHODS)}")
    if method != "cash" and not (method_ref or "").strip():
        raise ValidationError(f"{METHODS[method]}缴费请填写交易参考号")
    moment = now or utc_now()
    day = business_date(moment)
    campaign = active_campaign(ws)
    policy = campaign.policy
    tier = policy.tier(tier_code)
    hh = _household(ws, household_no)
    override = (override_reason or "").strip() or None
    with tx(ws.conn):
        chosen = _select_members(member_statuses(ws, hh[0], campaign), members, campaign)
        if not policy.in_collection_window(day) and override is None:
            # Newborns enrol within N days of birth whatever the window (新生儿参保).
            newborns_ok = all(
                m.birth_date and day <= newborn_deadline(policy, date.fromisoformat(m.birth_date))
                for m in chosen)
            if not newborns_ok:
                raise Refused(
                    f"今天（{day}）不在征缴期（{policy.collection_start}至"
                    f"{policy.collection_end}）内。确需收款时请填写原因（override）并留存记录")
        fees: list[tuple[MemberStatus, FeeLine]] = [
            (m, compute_fee(policy, tier.code, nonlocal_resident=m.residence == "nonlocal",
                            categories=m.categories, on=day)) for m in chosen]
        total = sum(f.payable_fen for _, f in fees)
        receipt = None
        if total > 0:
            receipt = next_receipt(ws)
            if expected_receipt is not None and expected_receipt.strip() not in (
                    receipt.formatted, receipt.label, str(receipt.number)):
                raise Refused(f"下一张票据是 {receipt.label}，不是 {expected_receipt}："
                              "请核对纸质票据后重试")
        payment_id = new_id()
        at = iso(moment)
        ws.conn.execute(
            "INSERT INTO payments (id, campaign_id, household_id, tier_code, method, method_ref, "
            "amount_fen, book_id, series, number, collector, collected_at, business_date, "
            "override_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (payment_id, campaign.id, hh[0], tier.code, method, (method_ref or "").strip() or None,
             total, receipt.book.id if receipt else None,
             receipt.book.series if receipt else None, receipt.number if receipt else None,
             ws.user, at, day.isoformat(), override))
        lines = []
        for m, fee in fees:
            line_id = new_id()
            ws.conn.execute(
                "INSERT INTO payment_lines (id, payment_id, person_id, name, id_type, id_number, "
                "nonlocal, tier_code, price_fen, subsidy_fen, category, payable_fen) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (line_id, payment_id, m.person_id, m.name, m.id_type, m.id_number,
                 int(m.residence == "nonlocal"), tier.code, fee.price_fen, fee.subsidy_fen,
                 fee.category, fee.payable_fen))
            ws.conn.execute("INSERT INTO enrolments (id, campaign_id, person_id, payment_line_id, "
                            "at) VALUES (?,?,?,?,?)",
                            (new_id(), campaign.id, m.person_id, line_id, at))
            lines.append({"line_id": line_id, "person_id": m.person_id, "name": m.name,
                          "id_type": m.id_type, "id_number": m.id_number,
                          "nonlocal": m.residence == "nonlocal", "price_fen": fee.price_fen,
                          "subsidy_fen": fee.subsidy_fen, "category": fee.category,
                          "payable_fen": fee.payable_fen})
        if receipt:
            ws.conn.execute(
                "INSERT INTO receipt_numbers (book_id, series, number, state, payment_id, reason, "
                "at, actor) VALUES (?,?,?,'issued',?,NULL,?,?)",
                (receipt.book.id, receipt.book.series, receipt.number, payment_id, at, ws.user))
        ws.record("payment.collected", {
            "payment_id": payment_id, "campaign_id": campaign.id,
            "campaign_year": campaign.campaign_year, "benefit_year": policy.benefit_year,
            "household": {"id": hh[0], "no": hh[1], "head": hh[2], "village": hh[3],
                          "group": hh[4]},
            "tier": tier.code, "method": method, "method_ref": (method_ref or "").strip() or None,
            "amount_fen": total, "collected_at": at, "business_date": day.isoformat(),
            "override_reason": override,
            "receipt": {"series": receipt.book.series, "number": receipt.number,
                        "label": receipt.label,
                        # The signed QR text, so the township can check every receipt offline.
                        "qr": sign_qr(receipt_fields(
                            device_id=ws.device_id, series=receipt.book.series,
                            number=receipt.formatted, household_no=hh[1], payer_name=hh[2],
                            total_fen=total, member_count=len(lines),
                            benefit_year=policy.benefit_year, issued_at=moment, method=method),
                            ws.signing_key())} if receipt else None,
            "lines": lines})
    return {
        "payment_id": payment_id,
        "receipt_no": receipt.formatted if receipt else None,
        "series": receipt.book.series if receipt else None,
        "receipt_label": receipt.label if receipt else None,
        "amount_fen": total,
        "amount_capitals": fen_to_capitals(total),
        "lines": [{k: ln[k] for k in ("id_number", "name", "price_fen", "subsidy_fen",
                                      "category", "payable_fen")} for ln in lines],
    }
