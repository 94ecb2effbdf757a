"""Collecting a household's premiums (收款) and previewing what each member owes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from app.domain import events as ev
from app.domain.errors import NotFound, Refused, StorageError, ValidationError
from app.domain.events import ENROLMENT_END_REASONS
from app.domain.fees import (
    CategoryHolding,
    FeeLine,
    compute_fee,
    is_newborn_enrolment,
    newborn_deadline,
)
from app.domain.idcard import mask_id_number
from app.domain.money import fen_to_capitals, format_fen
from app.domain.roster import METHODS, STATUSES
from app.domain.text import clean_text
from app.services.base.common import business_date, iso, new_id, utc_now
from app.services.base.roles import any_role, requires_role
from app.services.base.workspace import Workspace
from app.services.village.books import next_receipt
from app.services.village.campaigns import (
    Campaign,
    active_campaign,
    campaign_for_benefit_year,
    carried_tier,
)
from app.services.village.county_lists import CountyMark, county_marks
from db import journal
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
    enrolment: str  # enrolled | not_enrolled | ended | elsewhere (the ledger's word)
    enrolment_reason: str | None
    may_collect: bool  # the ledger allows a payment for this campaign
    paid_elsewhere: str | None  # channel and date when paid through another channel
    # A county list (file or sync) that says this person needs no collecting this year:
    # paid online, employee-insured, enrolled elsewhere (app.services.village.county_lists).
    county: CountyMark | None = None

    @property
    def enrolled(self) -> bool:
        return self.enrolment == "enrolled"

    @property
    def collectable(self) -> bool:
        return (self.status == "active" and self.may_collect and not self.paid_elsewhere
                and self.county is None)


def _household(ws: Workspace, household_no: str) -> tuple:
    row = ws.conn.execute(
        "SELECT id, household_no, head_name, village, grp FROM households WHERE household_no = ?",
        (clean_text(household_no),)).fetchone()
    if row is None:
        raise NotFound(f"找不到户号 {household_no}")
    return row


@any_role
def member_statuses(ws: Workspace, household_id: str, campaign: Campaign) -> list[MemberStatus]:
    """Every member with what matters for collecting: status, categories, already paid?"""
    year = campaign.campaign_year
    rows = ws.conn.execute(
        "SELECT p.id, p.name, p.id_type, p.id_number, p.birth_date, p.residence, p.status, "
        "(SELECT channel || ' ' || substr(paid_at, 1, 10) FROM external_payments x "
        "        WHERE x.id_number = p.id_number AND x.campaign_year = ? LIMIT 1) "
        "FROM persons p WHERE p.household_id = ? ORDER BY p.relation, p.birth_date",
        (year, household_id)).fetchall()
    ledger = ws.ledger()
    cats: dict[str, list[CategoryHolding]] = {}
    for pid, cat, vf, vt in ws.conn.execute(
            "SELECT c.person_id, c.category, c.valid_from, c.valid_to FROM person_categories c "
            "JOIN persons p ON p.id = c.person_id WHERE p.household_id = ? "
            "AND c.revoked_at IS NULL ORDER BY c.created_at", (household_id,)):
        cats.setdefault(pid, []).append(CategoryHolding(
            cat, date.fromisoformat(vf) if vf else None, date.fromisoformat(vt) if vt else None))
    marks = county_marks(ws, [r[3] for r in rows], campaign.policy.benefit_year)
    out = []
    for r in rows:
        state, reason = ledger.enrolment_state(r[0], year)
        out.append(MemberStatus(r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                                tuple(cats.get(r[0], ())), state, reason,
                                ledger.collectable(r[0], year), r[7], marks.get(r[3])))
    return out


def _status_label(m: MemberStatus) -> str:
    if m.status != "active":
        return STATUSES[m.status]
    if m.enrolled:
        return "已参保"
    if m.enrolment == "elsewhere":
        return f"已在别处参保（{ENROLMENT_END_REASONS.get(m.enrolment_reason or '', '')}退费）"
    if not m.may_collect:
        return f"本年度已终止（{ENROLMENT_END_REASONS.get(m.enrolment_reason or '', '')}）"
    if m.paid_elsewhere:
        return f"已通过其他渠道缴费（{m.paid_elsewhere}）"
    if m.county is not None:
        return m.county.label
    return "未缴费"


def _newborn_campaigns(ws: Workspace, members: list[MemberStatus],
                       day: date) -> dict[str, Campaign]:
    """Each member who may enrol as a newborn today → the campaign of their birth year."""
    out = {}
    for m in members:
        if not m.birth_date:
            continue
        birth = date.fromisoformat(m.birth_date)
        try:
            campaign = campaign_for_benefit_year(ws, birth.year)
        except Refused:
            continue
        if is_newborn_enrolment(campaign.policy, birth, day):
            out[m.person_id] = campaign
    return out


@any_role
def household_fees(ws: Workspace, household_no: str, tier_code: str | None, *,
                   on: date | None = None, newborn: bool = False) -> dict[str, Any]:
    """What the household panel shows: each member's status, price, subsidy and payable.

    ``tier_code`` None: the tier to suggest — the one the household already paid this year
    (同户同档), else the one it paid last year (上年档次, carried by ``campaign start``), else
    the policy's first. With ``newborn``, what a newborn enrolment would charge: only
    newborns within their window are collectable, at their birth year's price (新生儿当年参保).
    """
    campaign = active_campaign(ws)
    day = on or business_date(utc_now())
    hh = _household(ws, household_no)
    statuses = member_statuses(ws, hh[0], campaign)
    newborns = _newborn_campaigns(ws, statuses, day) if newborn else {}
    if newborns:
        campaign = next(iter(newborns.values()))
        by_person = {m.person_id: m for m in member_statuses(ws, hh[0], campaign)}
        statuses = [by_person[m.person_id] for m in statuses]
    policy = campaign.policy
    if tier_code is None:
        tier_code = ws.ledger().household_tiers.get((hh[0], campaign.campaign_year)) \
            or carried_tier(ws, hh[0]) or policy.tiers[0].code
    tier = policy.tier(tier_code)
    members = []
    total = 0
    for m in statuses:
        fee = compute_fee(policy, tier.code, nonlocal_resident=m.residence == "nonlocal",
                          categories=m.categories, on=day)
        collectable = m.collectable and (not newborn or m.person_id in newborns)
        label = _status_label(m)
        if newborn and m.collectable and m.person_id not in newborns:
            label = "不是可按出生当年参保的新生儿"
        members.append({
            "person_id": m.person_id, "name": m.name, "id_number": m.id_number,
            "id_masked": mask_id_number(m.id_number), "status": m.status,
            "status_label": label, "collectable": collectable,
            # The county list that covers the member (file name or sync, and date), if any.
            "status_source": m.county.source if m.county is not None else None,
            "category": fee.category, "price_fen": fee.price_fen,
            "subsidy_fen": fee.subsidy_fen, "payable_fen": fee.payable_fen,
        })
        if collectable:
            total += fee.payable_fen
    return {"household_id": hh[0], "household_no": hh[1], "head_name": hh[2],
            "village": hh[3], "group": hh[4], "tier": tier.code, "tier_name": tier.name,
            "members": members, "total_fen": total, "total_capitals": fen_to_capitals(total),
            "in_window": newborn or policy.in_collection_window(day),
            "newborn": newborn, "benefit_year": policy.benefit_year,
            "year_label": policy.year_label(),
            "tiers": [{"code": t.code, "name": t.name} for t in policy.tiers]}


def _select_members(all_members: list[MemberStatus], requested: list[str] | None,
                    campaign: Campaign, *, check: bool = True) -> list[MemberStatus]:
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
    for m in chosen if check else ():
        if m.status != "active":
            raise Refused(f"{m.name}的状态是“{STATUSES[m.status]}”，不能参保缴费")
        if m.enrolled:
            raise Refused(f"{m.name}{campaign.policy.year_label()}已经参保缴费，"
                          "不能重复收款")
        source = f"（来源：{m.county.source}）" if m.county is not None else ""
        if m.paid_elsewhere:
            raise Refused(f"{m.name}已通过其他渠道缴费（{m.paid_elsewhere}），不能重复收款"
                          f"{source}")
        if m.county is not None:
            raise Refused(f"{m.name}在县医保名单中为“{m.county.label}”{source}，"
                          "本年度不能在村里收款")
        if not m.may_collect:
            raise Refused(f"{m.name}{_status_label(m)}，本年度不能再收款"
                          "（如有误请由乡镇财政所更正）")
    return chosen


@dataclass(frozen=True)
class CollectedLine:
    id_number: str
    name: str
    price_fen: int
    subsidy_fen: int
    category: str | None
    payable_fen: int


@dataclass(frozen=True)
class CollectResult:
    """What a collection did: the receipt used (if money was taken) and each member's line."""

    payment_id: str
    receipt_no: str | None
    series: str | None
    receipt_label: str | None
    amount_fen: int
    benefit_year: int
    coverage_start: str | None
    lines: tuple[CollectedLine, ...]
    qr: str | None = None  # the signed QR text printed on the receipt

    @property
    def amount_capitals(self) -> str:
        return fen_to_capitals(self.amount_fen)

    def to_dict(self) -> dict[str, Any]:
        return {"payment_id": self.payment_id, "receipt_no": self.receipt_no,
                "series": self.series, "receipt_label": self.receipt_label,
                "amount_fen": self.amount_fen, "amount_capitals": self.amount_capitals,
                "benefit_year": self.benefit_year, "coverage_start": self.coverage_start,
                "lines": [asdict(line) for line in self.lines], "qr": self.qr}


def _newborn_campaign(ws: Workspace, chosen: list[MemberStatus], day: date) -> Campaign:
    """The campaign that covers newborns from birth in their birth year (新生儿当年参保)."""
    births = {m.birth_date for m in chosen}
    if None in births or len({b[:4] for b in births if b}) != 1:
        raise ValidationError("新生儿参保请只选择同一年出生、登记了出生日期的新生儿")
    year = int(next(iter(births))[:4])  # type: ignore[index]
    campaign = campaign_for_benefit_year(ws, year)
    for m in chosen:
        birth = date.fromisoformat(m.birth_date)  # type: ignore[arg-type]
        if not is_newborn_enrolment(campaign.policy, birth, day):
            raise Refused(f"{m.name}出生于 {birth}，新生儿参保期限到 "
                          f"{newborn_deadline(campaign.policy, birth)} 为止，已过期限，"
                          "请按正常征缴办理")
    return campaign


@requires_role("collector", "收款")
def collect_household(ws: Workspace, *, household_no: str, tier_code: str,
                      members: list[str] | None = None, method: str = "cash",
                      method_ref: str | None = None, override_reason: str | None = None,
                      expected_receipt: str | None = None,
                      expected_total_fen: int | None = None, newborn: bool = False,
                      now: datetime | None = None) -> CollectResult:
    """收款: one transaction writes the payment, its lines, the next receipt number, the
    enrolments and the journal event, after the one ledger model has checked it. A household
    whose total is 0 (fully subsidised) is enrolled without using a receipt number.

    ``expected_receipt`` and ``expected_total_fen`` are the number and total the clerk
    confirmed: if another number would be used or another total charged (a sync landed while
    the dialog was open), the collection is refused rather than charged or printed wrongly.
    ``newborn`` enrols newborns for their birth year from the birth date (新生儿参保), at that
    year's price, on a receipt of their own.
    """
    if method not in METHODS:
        raise ValidationError(f"缴费方式应为：{'、'.join(METHODS)}")
    if method != "cash" and not clean_text(method_ref):
        raise ValidationError(f"{METHODS[method]}缴费请填写交易参考号")
    moment = now or utc_now()
    day = business_date(moment)
    active = active_campaign(ws)
    hh = _household(ws, household_no)
    override = clean_text(override_reason) or None
    with tx(ws.conn):
        if newborn:
            if members is None:
                raise ValidationError("新生儿参保请指明新生儿（--members）")
            campaign = _newborn_campaign(ws, _select_members(
                member_statuses(ws, hh[0], active), members, active, check=False), day)
        else:
            campaign = active
        policy = campaign.policy
        tier = policy.tier(tier_code)
        chosen = _select_members(member_statuses(ws, hh[0], campaign), members, campaign)
        if not newborn and not policy.in_collection_window(day) and override is None:
            raise Refused(
                f"今天（{day}）不在征缴期（{policy.collection_start}至"
                f"{policy.collection_end}）内。确需收款时请填写原因（override）并留存记录；"
                "新生儿请按新生儿参保办理")
        paid_tier = ws.ledger().household_tiers.get((hh[0], campaign.campaign_year))
        if policy.rules.household_same_tier and paid_tier not in (None, tier.code):
            raise Refused(f"同户同档：此户本年度已按“{policy.tier(paid_tier).name}”缴费，"
                          f"其他成员也须选择“{policy.tier(paid_tier).name}”，"
                          f"不能选择“{tier.name}”")
        fees: list[tuple[MemberStatus, FeeLine]] = [
            (m, compute_fee(policy, tier.code, nonlocal_resident=m.residence == "nonlocal",
                            categories=m.categories, on=day)) for m in chosen]
        total = sum(f.payable_fen for _, f in fees)
        if expected_total_fen is not None and expected_total_fen != total:
            raise Refused(f"应收金额已变为 ¥{format_fen(total)}（确认时为 "
                          f"¥{format_fen(expected_total_fen)}）：请重新核对后再收款")
        receipt = None
        if total > 0:
            receipt = next_receipt(ws)
            if expected_receipt is not None and expected_receipt.strip() not in (
                    receipt.formatted, receipt.label, str(receipt.number)):
                raise Refused(f"下一张票据是 {receipt.label}，不是 {expected_receipt}："
                              "请核对纸质票据后重试")
        payment_id = new_id()
        at = iso(moment)
        # The QR pins the receipt to its place in the journal: the seq this payment's event
        # will take and the hash before it (docs/SYNC.md, "County trust").
        head_seq, head_hash = journal.head(ws.conn)
        qr = sign_qr(receipt_fields(
            device_id=ws.device_id, series=receipt.book.series, number=receipt.formatted,
            household_no=hh[1], payer_name=hh[2], total_fen=total, member_count=len(chosen),
            benefit_year=policy.benefit_year, issued_at=moment, method=method,
            journal_seq=head_seq + 1, prev_hash=head_hash), ws.signing_key()) if receipt else None
        coverage = min(m.birth_date for m in chosen) if newborn else None  # type: ignore[type-var]
        lines = tuple(ev.PaymentLine(
            new_id(), m.person_id, m.name, m.id_type, m.id_number, m.residence == "nonlocal",
            fee.price_fen, fee.subsidy_fen, fee.category, fee.payable_fen) for m, fee in fees)
        stored = ws.commit_event(ev.PaymentCollected(
            payment_id=payment_id, campaign_id=campaign.id,
            campaign_year=campaign.campaign_year, benefit_year=policy.benefit_year,
            household=ev.HouseholdRef(hh[0], hh[1], hh[2], hh[3], hh[4]), tier=tier.code,
            method=method, method_ref=clean_text(method_ref) or None, amount_fen=total,
            collected_at=at, business_date=day.isoformat(), override_reason=override,
            # The signed QR text, so the township can check every receipt offline.
            receipt=ev.ReceiptOnPayment(receipt.book.series, receipt.number, receipt.label,
                                        qr) if receipt else None,
            lines=lines, book_id=receipt.book.id if receipt else None,
            coverage_start=coverage), at=moment)
        if qr is not None and stored.seq != head_seq + 1:
            raise StorageError("收据二维码的日志位置与实际不符")  # never: one writer in the tx
    return CollectResult(
        payment_id, receipt.formatted if receipt else None,
        receipt.book.series if receipt else None, receipt.label if receipt else None, total,
        policy.benefit_year, coverage,
        tuple(CollectedLine(ln.id_number, ln.name, ln.price_fen, ln.subsidy_fen, ln.category,
                            ln.payable_fen) for ln in lines), qr)


@any_role
def member_enrolments(ws: Workspace, household_id: str) -> dict[str, dict[str, Any]]:
    """Per member, the ledger's word on this campaign: enrolled | not_enrolled | ended |
    elsewhere, why, on which receipt, and whether they may be collected now."""
    campaign = active_campaign(ws)
    ledger = ws.ledger()
    out = {}
    for m in member_statuses(ws, household_id, campaign):
        enrolment = ledger.enrolments.get((m.person_id, campaign.campaign_year))
        receipt_no = None
        if enrolment is not None:
            key = ledger.payments[enrolment.payment_id].receipt
            book = ledger.book_of(key) if key else None
            receipt_no = f"{key[1]:0{book.width}d}" if key and book else None
        out[m.person_id] = {"enrolment": {"state": m.enrolment, "reason": m.enrolment_reason,
                                          "receipt_no": receipt_no},
                            "collectable": m.collectable}
    return out
