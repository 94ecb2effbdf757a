"""Read-only views the pages need, composed only from existing service functions.

These run on the worker thread like every service call. They never write and never use SQL;
where a dedicated service would be cheaper (a receipts listing, a households listing) the
composition here stays correct and is fast enough for one village's database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from typing import Any

from app.domain.errors import Refused
from app.domain.idcard import mask_id_number
from app.domain.roster import ID_RESIDENT
from app.services.books import ReceiptRef, books, peek_next_receipt, receipt_state
from app.services.campaigns import active_campaign
from app.services.cash import cash_position
from app.services.collect import household_fees
from app.services.common import BUSINESS_TZ, business_date, utc_now
from app.services.printing import receipt_document
from app.services.reconcile import book_summaries
from app.services.roster import (
    check_certificate,
    find_households,
    household_by_no,
    household_members,
)
from app.services.sync import sync_status
from app.services.workspace import Workspace

# Household numbers are digit strings (村代码 + 序号); a prefix search on each leading digit
# lists them all through the indexed search the collect view already uses.
_LEADING_DIGITS = "0123456789"
_ALL = 1_000_000


def today() -> date:
    return business_date(utc_now())


_NUMERALS = {c: i for i, c in enumerate("〇一二三四五六七八九")}


def _chinese_number(text: str) -> int | None:
    """一 … 九十九 as village groups are numbered (一组, 十二组)."""
    if not text or any(c not in _NUMERALS and c != "十" for c in text):
        return None
    if "十" not in text:
        return int("".join(str(_NUMERALS[c]) for c in text))
    tens, _, units = text.partition("十")
    return (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[units] if units else 0)


def group_order(name: str) -> tuple[int, str]:
    """Sort 二组 before 十组: by the group's number, written in figures or in Chinese."""
    match = re.match(r"([0-9]+|[〇一二三四五六七八九十]+)", name)
    number = None
    if match:
        token = match.group(1)
        number = int(token) if token.isdigit() else _chinese_number(token)
    return (number if number is not None else 10**6, name)


def campaign_summary(ws: Workspace) -> dict[str, Any] | None:
    try:
        policy = active_campaign(ws).policy
    except Refused:
        return None
    return {"campaign_year": policy.campaign_year, "benefit_year": policy.benefit_year,
            "region": policy.region, "start": policy.collection_start,
            "end": policy.collection_end,
            "tiers": [{"code": t.code, "name": t.name, "local_fen": t.local_fen,
                       "nonlocal_fen": t.nonlocal_fen} for t in policy.tiers]}


def receipt_rows(ws: Workspace, *, details: bool = False) -> list[dict[str, Any]]:
    """Every number taken from a book (issued, voided or lost), newest first; ``details``
    adds payer, household, amount, method and time from the receipt document."""
    summaries = {(s["series"], s["first"]): s for s in book_summaries(ws)}
    rows: list[dict[str, Any]] = []
    for book in books(ws):
        summary = summaries[(book.series, book.first)]
        to_find = summary["issued"] + summary["voided"] + summary["lost"]
        number = book.first
        while to_find and number <= book.last:
            state = receipt_state(ws, ReceiptRef(book, number))
            if state["state"] != "unused":
                to_find -= 1
                row = {
                    "id": (book.series, number), "series": book.series,
                    "number": book.format(number), "label": book.label(number),
                    "book": f"{book.series} {book.format(book.first)}–{book.format(book.last)}",
                    "state": state["state"], "reason": state.get("reason") or "",
                    "pending_print": bool(state.get("pending_print")),
                    "collector": book.collector, "payer": "", "household_no": "",
                    "amount_fen": None, "method": "", "issued_at": None,
                }
                if details and state["payment_id"] is not None:
                    doc = receipt_document(ws, row["number"], series=book.series)
                    row.update(payer=doc.payer_name, household_no=doc.household_no,
                               amount_fen=doc.total_fen, method=doc.method,
                               issued_at=doc.issued_at.astimezone(BUSINESS_TZ))
                rows.append(row)
            number += 1
    rows.reverse()
    return rows


def refund_candidates(ws: Workspace, series: str, number: str) -> list[dict[str, Any]]:
    """The members on a receipt, with the full certificate number the refund service needs
    (the receipt itself carries masked numbers only)."""
    doc = receipt_document(ws, number, series=series)
    household = household_by_no(ws, doc.household_no)
    members = household_members(ws, household["household_id"])
    out = []
    for line in doc.lines:
        match = next((m for m in members if m["name"] == line.name
                      and mask_id_number(m["id_number"]) == line.id_masked), None)
        out.append({"name": line.name, "id_masked": line.id_masked,
                    "payable_fen": line.payable_fen,
                    "id_number": match["id_number"] if match else None})
    return out


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
        "pending_prints": [r for r in receipt_rows(ws) if r["pending_print"]],
        "sync": sync_status(ws),
    }


def all_households(ws: Workspace) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for digit in _LEADING_DIGITS:
        for row in find_households(ws, digit, limit=_ALL):
            found.setdefault(row["household_id"], row)
    return sorted(found.values(), key=lambda r: r["household_no"])


def household_detail(ws: Workspace, household_no: str) -> dict[str, Any]:
    household = household_by_no(ws, household_no)
    members = household_members(ws, household["household_id"])
    for member in members:
        member["id_masked"] = mask_id_number(member["id_number"])
        member["category_names"] = "、".join(c["category"] for c in member["categories"])
    return {**household, "members": members}


def progress(ws: Workspace, *, on: date | None = None) -> dict[str, Any]:
    """Enrolment by 村民小组, money collected, days left and the households still to visit."""
    day = on or today()
    campaign = campaign_summary(ws)
    if campaign is None:
        raise Refused("还没有启用的征缴年度：请先导入政策文件")
    tier = campaign["tiers"][0]
    groups: dict[str, dict[str, int]] = defaultdict(
        lambda: {"households": 0, "persons": 0, "enrolled": 0, "unpaid": 0})
    unpaid_households = []
    for household in all_households(ws):
        fees = household_fees(ws, household["household_no"], tier["code"], on=day)
        active = [m for m in fees["members"] if m["status"] == "active"]
        unpaid = [m for m in active if m["collectable"]]
        group = groups[household["group"] or "—"]
        group["households"] += 1
        group["persons"] += len(active)
        group["enrolled"] += len(active) - len(unpaid)
        group["unpaid"] += len(unpaid)
        if unpaid:
            unpaid_households.append({
                "household_no": household["household_no"], "head_name": household["head_name"],
                "group": household["group"], "phone": household["phone"],
                "unpaid": len(unpaid), "payable_fen": fees["total_fen"]})
    summaries = book_summaries(ws)
    collected = sum(s["amount_fen"] - s["refunds_fen"] for s in summaries)
    rows = [{"group": name, **values}
            for name, values in sorted(groups.items(), key=lambda kv: group_order(kv[0]))]
    persons = sum(r["persons"] for r in rows)
    enrolled = sum(r["enrolled"] for r in rows)
    return {
        "groups": rows, "persons": persons, "enrolled": enrolled,
        "households": sum(r["households"] for r in rows),
        "collected_fen": collected, "tier_name": tier["name"],
        "start": campaign["start"], "end": campaign["end"], "today": day,
        "days_left": (campaign["end"] - day).days, "unpaid_households": unpaid_households,
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
