"""Read-only views the pages need, composed from service functions.

These run on the worker thread like every service call and never write. The lists come from
app.services.views.listings (SQL); this module only joins what one page shows at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.domain.errors import Refused
from app.domain.idcard import mask_id_number
from app.domain.roster import ID_RESIDENT
from app.services.base.common import business_date, utc_now
from app.services.base.workspace import Workspace
from app.services.exchange.county import sync_status
from app.services.township.books import issued_books
from app.services.township.reconcile import reconcile_villages
from app.services.views.listings import list_receipts, progress_by_group, unpaid_households
from app.services.village.books import peek_next_receipt
from app.services.village.campaigns import active_campaign
from app.services.village.cash import cash_position
from app.services.village.collect import household_fees, member_enrolments
from app.services.village.roster import (
    check_certificate,
    find_households,
    household_by_no,
    household_members,
)


def today() -> date:
    return business_date(utc_now())


def campaign_summary(ws: Workspace) -> dict[str, Any] | None:
    try:
        policy = active_campaign(ws).policy
    except Refused:
        return None
    return {"campaign_year": policy.campaign_year, "benefit_year": policy.benefit_year,
            # The one spelling of the campaign's name (app.domain.policy): "2027年度" and
            # "2027年度（征缴期 2026-09-01至2026-12-31）".
            "year_label": policy.year_label(), "period_label": policy.period_label(),
            "label": policy.label(),
            "region": policy.region, "start": policy.collection_start,
            "end": policy.collection_end,
            "tiers": [{"code": t.code, "name": t.name, "local_fen": t.local_fen,
                       "nonlocal_fen": t.nonlocal_fen} for t in policy.tiers]}


def status_snapshot(ws: Workspace) -> dict[str, Any]:
    """What the status bar and the pending-print banner show."""
    nxt = peek_next_receipt(ws)
    return {
        "user": ws.user,
        "role": ws.role,
        "campaign": campaign_summary(ws),
        "next_receipt": {"label": nxt.label, "series": nxt.book.series,
                         "number": nxt.formatted, "remaining": nxt.remaining} if nxt else None,
        "cash": cash_position(ws).to_dict(),
        "pending_prints": list_receipts(ws, state="pending"),
        "sync": sync_status(ws),
    }


def township_status(ws: Workspace) -> dict[str, Any]:
    """What the township's status bar shows: whose data arrived, books, money, problems.

    The counts are the ones the books and reconciliation pages list, so the bar and the
    pages never disagree.
    """
    report = reconcile_villages(ws)
    books = issued_books(ws)
    return {
        "user": ws.user,
        "role": ws.role,
        "campaign": campaign_summary(ws),
        "villages": len({d["village"] for d in report["devices"]}),
        "devices": len(report["devices"]),
        "books_issued": len(books),
        "books_unsettled": sum(1 for b in books if b["settled_at"] is None),
        "deposits_without_credit": sum(1 for p in report["problems"]
                                       if p["kind"] == "deposit_without_credit"),
        "problems": report["problems"],
        "sync": sync_status(ws),
    }


def household_detail(ws: Workspace, household_no: str) -> dict[str, Any]:
    household = household_by_no(ws, household_no)
    members = household_members(ws, household["household_id"])
    try:
        enrolments = member_enrolments(ws, household["household_id"])
    except Refused:  # no campaign yet: nobody is enrolled in anything
        enrolments = {}
    for member in members:
        member["id_masked"] = mask_id_number(member["id_number"])
        member["category_names"] = "、".join(c["category"] for c in member["categories"])
        member["enrolment"] = enrolments.get(member["person_id"], {}).get("enrolment")
    return {**household, "members": members}


def progress(ws: Workspace, *, on: date | None = None) -> dict[str, Any]:
    """Enrolment by 村民小组, money collected, days left and the households still to visit."""
    day = on or today()
    campaign = campaign_summary(ws)
    if campaign is None:
        raise Refused("还没有启用的征缴年度：请先导入政策文件")
    tier = campaign["tiers"][0]
    groups = progress_by_group(ws, on=day)
    unpaid = unpaid_households(ws)
    for household in unpaid:
        # What they still owe at the first tier; only these households need the fee rules.
        household["payable_fen"] = household_fees(ws, household["household_no"], tier["code"],
                                                  on=day)["total_fen"]
    return {
        "groups": groups, "persons": sum(g["persons"] for g in groups),
        "enrolled": sum(g["enrolled"] for g in groups),
        "households": sum(g["households"] for g in groups),
        "collected_fen": sum(g["amount_fen"] for g in groups), "tier_name": tier["name"],
        "year_label": campaign["year_label"], "label": campaign["label"],
        "start": campaign["start"], "end": campaign["end"], "today": day,
        "days_left": (campaign["end"] - day).days, "unpaid_households": unpaid,
    }


def certificate_check(ws: Workspace, id_type: str, id_number: str, *, sex: int | None = None,
                      birth_date: date | None = None) -> dict[str, Any]:
    """Validate a certificate as typed, and name the households already holding it."""
    cert = check_certificate(id_type, id_number, sex=sex, birth_date=birth_date)
    holders = []
    if cert.id_type == ID_RESIDENT:
        holders = [{"household_no": found["household_no"],
                    "name": found["matched"] or found["head_name"]}
                   for found in find_households(ws, cert.id_number)]
    return {"id_type": cert.id_type, "id_number": cert.id_number, "sex": cert.sex,
            "birth_date": cert.birth_date, "holders": holders}
