"""Where the campaign stands, as the status bar and the progress page show it.

Read-only, composed from the village's services and the listings; like every service call it
runs on the database worker. The link with the county (``exchange.county.sync_status``) and
the township's own reads (``township.reconcile``, ``township.books``) sit in layers above this
one: the status bar asks for the sync state itself, and the township's figures are counted
here from the report and the books the caller read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.domain.errors import Refused
from app.services.base.common import business_date, utc_now
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.views.listings import list_receipts, progress_by_group, unpaid_households
from app.services.village.books import peek_next_receipt
from app.services.village.campaigns import active_campaign
from app.services.village.cash import cash_position
from app.services.village.collect import household_fees


def _today() -> date:
    return business_date(utc_now())


@any_role
def campaign_summary(ws: Workspace) -> dict[str, Any] | None:
    """The active campaign's names, period and tiers; None before any policy is loaded."""
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


@any_role
def status_snapshot(ws: Workspace) -> dict[str, Any]:
    """What the collector's status bar and the pending-print banner show (the sync state
    aside): the campaign, the next receipt form, the cash and the receipts not printed."""
    nxt = peek_next_receipt(ws)
    return {
        "user": ws.user,
        "role": ws.role,
        "campaign": campaign_summary(ws),
        "next_receipt": {"label": nxt.label, "series": nxt.book.series,
                         "number": nxt.formatted, "remaining": nxt.remaining} if nxt else None,
        "cash": cash_position(ws).to_dict(),
        "pending_prints": list_receipts(ws, state="pending"),
    }


@any_role
def township_status(ws: Workspace, *, report: dict[str, Any],
                    books: list[dict[str, Any]]) -> dict[str, Any]:
    """What the township's status bar shows (the sync state aside): whose data arrived,
    books, money, problems.

    ``report`` is ``township.reconcile.reconcile_villages`` and ``books``
    ``township.books.issued_books``: the counts are the ones those pages list, so the bar
    and the pages never disagree.
    """
    problems = report["problems"]
    return {
        "user": ws.user,
        "role": ws.role,
        "campaign": campaign_summary(ws),
        "villages": len({d["village"] for d in report["devices"]}),
        "devices": len(report["devices"]),
        "books_issued": len(books),
        "books_unsettled": sum(1 for b in books if b["settled_at"] is None),
        "deposits_without_credit": sum(1 for p in problems
                                       if p["kind"] == "deposit_without_credit"),
        "problems": problems,
    }


@any_role
def progress(ws: Workspace, *, on: date | None = None) -> dict[str, Any]:
    """Enrolment by 村民小组, money collected, days left and the households still to visit."""
    day = on or _today()
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
