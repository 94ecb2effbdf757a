"""Papers from the ledger: receipt PDFs (three-part, overlay), calibration page, reports.

The ledger is the source; this module only gathers what `receipts/` needs to draw. Rendering
is pure, so a reprint (补打) is the same document drawn again with its mark.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from app.domain.errors import NotFound
from app.domain.idcard import mask_id_number
from app.domain.policy import Policy
from app.domain.roster import REFUND_REASONS
from app.services.base.common import BUSINESS_TZ, iso, utc_now
from app.services.base.roles import any_role
from app.services.base.settings import all_settings, get_setting
from app.services.base.workspace import Workspace
from app.services.papers.receipt_qr import stored_qr
from app.services.views.reconcile import book_summaries
from app.services.views.villages import village_label
from app.services.village.books import resolve_receipt
from app.services.village.campaigns import active_campaign, campaign_by_id
from app.services.village.collect import household_fees
from receipts import calibration, overlay, render, reports
from receipts.model import (
    DailyLedger,
    DailyLedgerEntry,
    DepositEntry,
    DepositList,
    MemberAmount,
    NoticeLine,
    PaymentNotice,
    ReceiptDocument,
    ReceiptLine,
    RefundEntry,
    SettlementSheet,
    VoidEntry,
)
from receipts.qr import receipt_fields, sign_qr


def _village_label(ws: Workspace, group: str = "") -> str:
    return village_label(ws, ws.meta("village"), group)


def _issuer(ws: Workspace, policy: Policy) -> str:
    # The office's own setting (收款单位 in 设置) wins over the policy's, which it corrects.
    return get_setting(ws, "issuer") or policy.issuing_unit()


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


@any_role
def receipt_document(ws: Workspace, receipt_no: str, *, series: str | None = None,
                     reprint: bool = False) -> ReceiptDocument:
    """Everything printed on one receipt, with the device's signed QR code."""
    ref = resolve_receipt(ws, receipt_no, series)
    row = ws.conn.execute(
        "SELECT p.id, p.campaign_id, p.tier_code, p.method, p.method_ref, p.amount_fen, "
        "p.collector, p.collected_at, h.household_no, h.head_name, h.grp, v.reason, "
        "p.coverage_start FROM payments p JOIN households h ON h.id = p.household_id "
        "LEFT JOIN receipt_voids v ON v.series = p.series AND v.number = p.number "
        "WHERE p.series = ? AND p.number = ?", (ref.book.series, ref.number)).fetchone()
    if row is None:
        raise NotFound(f"票据 {ref.book.label(ref.number)} 没有开具（未使用或作废空白票）")
    (payment_id, campaign_id, tier_code, method, method_ref, amount, collector, collected_at,
     household_no, head, group, void_reason, coverage_start) = row
    policy = campaign_by_id(ws, campaign_id).policy
    tier_name = policy.tier(tier_code).name
    lines = tuple(
        ReceiptLine(name=name, id_masked=mask_id_number(idn), tier_name=tier_name,
                    price_fen=price, subsidy_fen=subsidy, category=category,
                    payable_fen=payable)
        for name, idn, price, subsidy, category, payable in ws.conn.execute(
            "SELECT name, id_number, price_fen, subsidy_fen, category, payable_fen "
            "FROM payment_lines WHERE payment_id = ? ORDER BY rowid", (payment_id,)))
    issued_at = _dt(collected_at)
    number = ref.book.format(ref.number)
    fields = receipt_fields(device_id=ws.device_id, series=ref.book.series, number=number,
                            household_no=household_no, payer_name=head, total_fen=amount,
                            member_count=len(lines), benefit_year=policy.benefit_year,
                            issued_at=issued_at, method=method)
    return ReceiptDocument(
        series=ref.book.series, number=number, payer_name=head, household_no=household_no,
        village=_village_label(ws, group), benefit_year=policy.benefit_year, lines=lines,
        total_fen=amount, method=method, method_ref=method_ref, collector=collector,
        issued_at=issued_at, issuer=_issuer(ws, policy),
        insurance_type=policy.insurance_type,
        state="voided" if void_reason else "issued", void_reason=void_reason,
        reprint=reprint, reprinted_at=utc_now() if reprint else None,
        # The QR its payment event holds (it pins the event's place in the journal); one of
        # a payment journaled without one is signed from the receipt's fields.
        qr_text=stored_qr(ws, ref.book.series, ref.number) or sign_qr(fields, ws.signing_key()),
        coverage_start=date.fromisoformat(coverage_start) if coverage_start else None)


@any_role
def receipt_pdf(ws: Workspace, receipt_no: str, *, series: str | None = None,
                reprint: bool = False, layout: str | None = None) -> bytes:
    """The receipt as PDF: three parts on one A4 sheet, or one part per page (settings)."""
    doc = receipt_document(ws, receipt_no, series=series, reprint=reprint)
    return render.render_receipt(doc, layout=layout or get_setting(ws, "receipt_layout"))


@any_role
def overlay_pdf(ws: Workspace, receipt_no: str, *, series: str | None = None) -> bytes:
    """套打: only the variable fields, shifted by this printer's calibrated offsets."""
    settings = all_settings(ws)
    return overlay.render_overlay(receipt_document(ws, receipt_no, series=series),
                                 offset_x_mm=float(settings["overlay_offset_x_mm"]),
                                 offset_y_mm=float(settings["overlay_offset_y_mm"]))


@any_role
def calibration_pdf(ws: Workspace) -> bytes:
    settings = all_settings(ws)
    return calibration.render_calibration(offset_x_mm=float(settings["overlay_offset_x_mm"]),
                                     offset_y_mm=float(settings["overlay_offset_y_mm"]))


@any_role
def daily_ledger(ws: Workspace, day: date) -> DailyLedger:
    """台账: every receipt of the business day with members, voids, totals by method."""
    entries = []
    totals: dict[str, int] = {}
    for pid, series, number, width, head, hno, amount, method, at in ws.conn.execute(
            "SELECT p.id, p.series, p.number, b.width, h.head_name, h.household_no, p.amount_fen, "
            "p.method, p.collected_at FROM payments p JOIN households h ON h.id = p.household_id "
            "JOIN receipt_books b ON b.id = p.book_id WHERE p.business_date = ? AND NOT EXISTS "
            "(SELECT 1 FROM payment_cancellations c WHERE c.payment_id = p.id) "
            "ORDER BY p.collected_at", (day.isoformat(),)).fetchall():
        members = tuple(MemberAmount(name=n, payable_fen=f) for n, f in ws.conn.execute(
            "SELECT name, payable_fen FROM payment_lines WHERE payment_id = ? ORDER BY rowid",
            (pid,)))
        entries.append(DailyLedgerEntry(series=series, number=f"{number:0{width}d}",
                                        payer_name=head, household_no=hno, members=members,
                                        amount_fen=amount, method=method, time=_dt(at)))
        totals[method] = totals.get(method, 0) + amount
    # The business day in China as a UTC range, compared as the ISO text the ledger stores.
    start = datetime.combine(day, time.min, tzinfo=BUSINESS_TZ)
    bounds = (iso(start), iso(start + timedelta(days=1)))
    voids = [
        VoidEntry(series=series, number=f"{number:0{width}d}", reason=reason, time=_dt(at),
                  payer_name=head)
        for series, number, reason, at, width, head in ws.conn.execute(
            "SELECT v.series, v.number, v.reason, v.at, b.width, h.head_name FROM receipt_voids v "
            "JOIN receipt_numbers n ON n.series = v.series AND n.number = v.number "
            "JOIN receipt_books b ON b.id = n.book_id LEFT JOIN payments p ON p.id = n.payment_id "
            "LEFT JOIN households h ON h.id = p.household_id WHERE v.at >= ? AND v.at < ? "
            "UNION ALL SELECT n.series, n.number, n.reason, n.at, b.width, NULL "
            "FROM receipt_numbers n JOIN receipt_books b ON b.id = n.book_id "
            "WHERE n.state = 'skipped' AND n.at >= ? AND n.at < ? ORDER BY 4",
            bounds + bounds)
    ]
    refunds = tuple(
        RefundEntry(series=series, number=f"{number:0{width}d}", name=name, amount_fen=amount,
                    reason=REFUND_REASONS.get(reason, reason),
                    paid_by=_REFUND_PAYERS.get(paid_by, paid_by), time=_dt(at))
        for series, number, width, name, amount, reason, paid_by, at in ws.conn.execute(
            "SELECT p.series, p.number, b.width, l.name, r.amount_fen, r.reason, r.paid_by, r.at "
            "FROM refunds r JOIN payments p ON p.id = r.payment_id "
            "JOIN payment_lines l ON l.id = r.payment_line_id "
            "JOIN receipt_books b ON b.id = p.book_id WHERE r.business_date = ? ORDER BY r.at",
            (day.isoformat(),)))
    return DailyLedger(date=day, village=_village_label(ws), collector=ws.user,
                       receipts=tuple(entries), voids=tuple(voids), totals_by_method=totals,
                       total_fen=sum(totals.values()), refunds=refunds)


_REFUND_PAYERS = {"cash": "收款员现金", "township": "乡镇财政所", "channel": "原缴费渠道"}


@any_role
def daily_report_pdf(ws: Workspace, day: date) -> bytes:
    return reports.render_daily_ledger(daily_ledger(ws, day))


def _deposits(ws: Workspace) -> tuple[DepositEntry, ...]:
    return tuple(DepositEntry(slip=s, date=date.fromisoformat(d), amount_fen=a)
                 for s, d, a in ws.conn.execute(
                     "SELECT slip_no, deposit_date, amount_fen FROM deposits "
                     "ORDER BY deposit_date, at"))


@any_role
def settlement_sheet(ws: Workspace, series: str, first: int | None = None) -> SettlementSheet:
    """核销表 for one book: every number accounted for, the amount, refunds, deposits."""
    sql = ("SELECT id, first_no, last_no, width, collector FROM receipt_books WHERE series = ?"
           + (" AND first_no = ?" if first is not None else "") + " ORDER BY first_no")
    rows = ws.conn.execute(sql, (series,) + ((first,) if first is not None else ())).fetchall()
    if not rows:
        raise NotFound(f"没有字轨为 {series} 的票据")
    book_id, lo, hi, width, collector = rows[0]
    fmt = f"0{width}d"
    issued, voided, lost = [], [], []
    taken = set()
    for number, state, reason, void_reason in ws.conn.execute(
            "SELECT n.number, n.state, n.reason, v.reason FROM receipt_numbers n LEFT JOIN "
            "receipt_voids v ON v.series = n.series AND v.number = n.number "
            "WHERE n.book_id = ? ORDER BY n.number", (book_id,)):
        taken.add(number)
        if state == "lost":
            lost.append(format(number, fmt))
        elif state == "skipped" or void_reason:
            voided.append((format(number, fmt), void_reason or reason))
        else:
            issued.append(format(number, fmt))
    summary = next(b for b in book_summaries(ws) if b["series"] == series and b["first"] == lo)
    deposits = _deposits(ws)
    return SettlementSheet(
        series=series, first=format(lo, fmt), last=format(hi, fmt), width=width,
        issued=tuple(issued), voided=tuple(voided),
        unused=tuple(format(n, fmt) for n in range(lo, hi + 1) if n not in taken),
        lost=tuple(lost), amount_fen=summary["amount_fen"], refunds_fen=summary["refunds_fen"],
        deposits=deposits, deposited_fen=sum(d.amount_fen for d in deposits),
        collector=collector, village=_village_label(ws), generated_at=utc_now())


@any_role
def settlement_pdf(ws: Workspace, series: str, first: int | None = None) -> bytes:
    return reports.render_settlement(settlement_sheet(ws, series, first))


@any_role
def deposit_list_pdf(ws: Workspace) -> bytes:
    deposits = _deposits(ws)
    return reports.render_deposit_list(DepositList(
        collector=ws.user, village=_village_label(ws), deposits=deposits,
        total_fen=sum(d.amount_fen for d in deposits)))


@any_role
def payment_notice_pdf(ws: Workspace, household_no: str, tier_code: str) -> bytes:
    """缴费通知单 for door-to-door work: the members still unpaid and what they owe."""
    return reports.render_payment_notice(payment_notice(ws, household_no, tier_code))


@any_role
def payment_notice(ws: Workspace, household_no: str, tier_code: str, *,
                   notes: tuple[str, ...] = (), only: frozenset[str] | None = None
                   ) -> PaymentNotice:
    """What a 缴费通知单 shows; ``only`` keeps those members (person ids), ``notes`` adds
    lines (a 催缴通知单 says what the household paid last year)."""
    fees = household_fees(ws, household_no, tier_code)
    policy = active_campaign(ws).policy
    lines = tuple(NoticeLine(name=m["name"], id_masked=m["id_masked"], price_fen=m["price_fen"],
                             subsidy_fen=m["subsidy_fen"], category=m["category"],
                             payable_fen=m["payable_fen"])
                  for m in fees["members"]
                  if m["collectable"] and (only is None or m["person_id"] in only))
    if not lines:
        raise NotFound(f"户 {household_no} 没有未缴费的成员")
    phone = ws.conn.execute("SELECT phone FROM households WHERE id = ?",
                            (fees["household_id"],)).fetchone()[0]
    return PaymentNotice(
        household_no=fees["household_no"], head=fees["head_name"], village=_village_label(ws),
        group=fees["group"], benefit_year=policy.benefit_year, tier_name=fees["tier_name"],
        lines=lines, total_fen=sum(ln.payable_fen for ln in lines),
        deadline=policy.collection_end, collector=ws.user, phone=phone, notes=notes,
        collection_period=(policy.collection_start, policy.collection_end))
