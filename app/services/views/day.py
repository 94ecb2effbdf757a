"""One business day at a glance, for 日清 and the 概况 tab: what was collected, voided, refunded
and deposited, and how far the campaign has come.

Read-only sums over the projected ledger tables; a payment whose receipt was voided later counts
as a void, not as money collected (cash_position does the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.errors import Refused
from app.services.base.common import business_date, utc_now
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.village.campaigns import active_campaign
from app.services.village.cash import cash_position

# Asia/Shanghai has had no daylight saving since 1991 (as in views/listings).
_BUSINESS_OFFSET = "+8 hours"
_LIVE = "NOT EXISTS (SELECT 1 FROM payment_cancellations x WHERE x.payment_id = p.id)"


@dataclass(frozen=True)
class DaySummary:
    business_date: date
    receipts: int  # receipts issued that day and still standing
    persons: int  # members covered by those payments
    cash_fen: int
    noncash_fen: int
    voids: int
    refunds: int
    refunded_fen: int
    deposits: int
    deposited_fen: int


@dataclass(frozen=True)
class CampaignFigures:
    """The active campaign so far; ``campaign_year`` is None before any campaign."""

    campaign_year: int | None
    year_label: str
    collected_fen: int
    households_paid: int
    households: int
    persons_paid: int
    persons: int
    on_hand_fen: int


@any_role
def day_summary(ws: Workspace, day: date | None = None) -> DaySummary:
    """The clerk's day (today by default): receipts, cash and non-cash, voids, refunds and
    deposits."""
    on = (day or business_date(utc_now())).isoformat()
    receipts, persons, cash, noncash = ws.conn.execute(
        "SELECT count(DISTINCT p.id) FILTER (WHERE p.series IS NOT NULL), count(l.id), "
        "coalesce(sum(l.payable_fen) FILTER (WHERE p.method = 'cash'), 0), "
        "coalesce(sum(l.payable_fen) FILTER (WHERE p.method != 'cash'), 0) "
        f"FROM payments p JOIN payment_lines l ON l.payment_id = p.id "
        f"WHERE p.business_date = ? AND {_LIVE}", (on,)).fetchone()
    voids = ws.conn.execute(
        f"SELECT count(*) FROM receipt_voids WHERE date(at, '{_BUSINESS_OFFSET}') = ?",
        (on,)).fetchone()[0]
    refunds, refunded = ws.conn.execute(
        "SELECT count(*), coalesce(sum(amount_fen), 0) FROM refunds WHERE business_date = ?",
        (on,)).fetchone()
    deposits, deposited = ws.conn.execute(
        "SELECT count(*), coalesce(sum(amount_fen), 0) FROM deposits WHERE deposit_date = ?",
        (on,)).fetchone()
    return DaySummary(business_date=date.fromisoformat(on), receipts=receipts, persons=persons,
                      cash_fen=cash, noncash_fen=noncash, voids=voids, refunds=refunds,
                      refunded_fen=refunded, deposits=deposits, deposited_fen=deposited)


@any_role
def campaign_figures(ws: Workspace) -> CampaignFigures:
    """Collected so far in the active campaign, households and persons paid of the roster's
    active ones, and the cash on hand."""
    households, persons = ws.conn.execute(
        "SELECT count(DISTINCT household_id), count(*) FROM persons WHERE status = 'active'"
    ).fetchone()
    on_hand = cash_position(ws).on_hand_fen
    try:
        campaign = active_campaign(ws)
    except Refused:  # before the first policy is loaded nothing can have been collected
        return CampaignFigures(None, "", 0, 0, households, 0, persons, on_hand)
    collected, households_paid = ws.conn.execute(
        f"SELECT coalesce(sum(p.amount_fen), 0), count(DISTINCT p.household_id) FROM payments p "
        f"WHERE p.campaign_id = ? AND {_LIVE}", (campaign.id,)).fetchone()
    persons_paid = ws.conn.execute(
        "SELECT count(DISTINCT e.person_id) FROM enrolments e WHERE e.campaign_id = ? AND NOT "
        "EXISTS (SELECT 1 FROM enrolment_ends x WHERE x.enrolment_id = e.id)",
        (campaign.id,)).fetchone()[0]
    refunded = ws.conn.execute(
        "SELECT coalesce(sum(r.amount_fen), 0) FROM refunds r JOIN payments p ON p.id = "
        "r.payment_id WHERE p.campaign_id = ?", (campaign.id,)).fetchone()[0]
    return CampaignFigures(campaign.campaign_year, campaign.policy.year_label(),
                           collected - refunded, households_paid, households, persons_paid,
                           persons, on_hand)
