"""Policy files and campaigns (征缴年度): load, validate, activate."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.domain.canonical import canonical_json
from app.domain.errors import NotFound, Refused
from app.domain.policy import Policy, load_policy_file, parse_policy
from app.services.base.common import business_date, iso, new_id, utc_now
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from db.connection import tx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Campaign:
    id: str
    policy: Policy

    @property
    def campaign_year(self) -> int:
        return self.policy.campaign_year


@lru_cache(maxsize=16)
def _parse_cached(policy_json: str) -> Policy:
    return parse_policy(json.loads(policy_json))


@any_role
def load_policy(ws: Workspace, source: Path | dict[str, Any], *,
                activate: bool = True) -> dict[str, Any]:
    """Validate a policy file (every problem named) and store it as a campaign.

    Loading the same policy twice changes nothing; ``activate`` makes it the active one.
    """
    policy = load_policy_file(source) if isinstance(source, Path | str) else parse_policy(source)
    text = canonical_json(policy.to_dict())
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with tx(ws.conn):
        row = ws.conn.execute("SELECT id FROM campaigns WHERE policy_hash = ?",
                              (digest,)).fetchone() or _same_policy(ws, policy)
        created = row is None
        campaign_id = new_id() if created else row[0]
        if created:
            ws.conn.execute(
                "INSERT INTO campaigns (id, campaign_year, benefit_year, policy_json, "
                "policy_hash, loaded_at) VALUES (?,?,?,?,?,?)",
                (campaign_id, policy.campaign_year, policy.benefit_year, text, digest,
                 iso(utc_now())),
            )
            ws.record("policy.loaded", {"campaign_id": campaign_id, "policy_hash": digest,
                                        "policy": policy.to_dict()})
            for warning in policy.warnings():  # also for a policy the county's feed brought
                log.warning("%s：%s", policy.year_label(), warning)
        if activate and ws.meta("active_campaign") != campaign_id:
            ws.conn.execute("INSERT INTO meta (key, value) VALUES ('active_campaign', ?) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            (campaign_id,))
            ws.record("campaign.activated", {"campaign_id": campaign_id,
                                             "campaign_year": policy.campaign_year})
    return {"campaign_id": campaign_id, "created": created, "active": activate,
            "campaign_year": policy.campaign_year, "benefit_year": policy.benefit_year,
            "label": policy.label(), "region": policy.region,
            "tiers": [t.code for t in policy.tiers],
            # Said on every load, so whoever loads the file learns what receipts will lack.
            "warnings": list(policy.warnings())}


def _same_policy(ws: Workspace, policy: Policy) -> tuple[str] | None:
    """A campaign stored from an older file layout of the same rules (rules.newborn_days,
    now written as newborn_months): its text, and so its hash, differ, yet it is the same
    campaign, and loading the file again must change nothing."""
    for campaign_id, text in ws.conn.execute(
            "SELECT id, policy_json FROM campaigns WHERE campaign_year = ? ORDER BY loaded_at",
            (policy.campaign_year,)):
        if _parse_cached(text) == policy:
            return (campaign_id,)
    return None


@any_role
def campaign_by_id(ws: Workspace, campaign_id: str) -> Campaign:
    row = ws.conn.execute("SELECT policy_json FROM campaigns WHERE id = ?",
                          (campaign_id,)).fetchone()
    if row is None:
        raise NotFound(f"找不到征缴年度 {campaign_id}")
    return Campaign(campaign_id, _parse_cached(row[0]))


@any_role
def active_campaign(ws: Workspace) -> Campaign:
    """The campaign collections go to; refused when no policy has been loaded."""
    campaign_id = ws.meta("active_campaign")
    if not campaign_id:
        raise Refused("还没有启用的征缴年度：请先导入政策文件（yibao policy load FILE）")
    return campaign_by_id(ws, campaign_id)


@any_role
def list_campaigns(ws: Workspace) -> list[dict[str, Any]]:
    active = ws.meta("active_campaign")
    return [
        {"campaign_id": cid, "campaign_year": cy, "benefit_year": by,
         "label": _parse_cached(text).label(), "active": cid == active, "loaded_at": at}
        for cid, cy, by, text, at in ws.conn.execute(
            "SELECT id, campaign_year, benefit_year, policy_json, loaded_at FROM campaigns "
            "ORDER BY loaded_at")
    ]


@any_role
def campaign_for_benefit_year(ws: Workspace, benefit_year: int) -> Campaign:
    """The loaded campaign whose cover is ``benefit_year`` (a newborn's birth year)."""
    row = ws.conn.execute("SELECT id FROM campaigns WHERE benefit_year = ? "
                          "ORDER BY loaded_at DESC LIMIT 1", (benefit_year,)).fetchone()
    if row is None:
        raise Refused(f"本设备没有{benefit_year}年度的政策：新生儿按出生当年参保，请先导入"
                      f"{benefit_year}年度的政策文件（yibao policy load FILE --no-activate）")
    return campaign_by_id(ws, row[0])


# ---- the next campaign (下一年度征缴: carry-over) ----------------------------------------------


@any_role
def previous_campaign(ws: Workspace, campaign: Campaign | None = None) -> Campaign | None:
    """The loaded campaign of the year before ``campaign`` (the active one by default)."""
    campaign = campaign or active_campaign(ws)
    row = ws.conn.execute("SELECT id FROM campaigns WHERE campaign_year = ? "
                          "ORDER BY loaded_at DESC LIMIT 1",
                          (campaign.campaign_year - 1,)).fetchone()
    return None if row is None else campaign_by_id(ws, row[0])


@any_role
def carried_tiers(ws: Workspace, campaign: Campaign | None = None) -> dict[str, str]:
    """Household id → the tier it paid in the year before ``campaign`` (the active one by
    default), when ``campaign``'s policy still has that tier: the suggested tier for
    collecting this year (上年档次). Computed from the ledger fold, never stored apart."""
    campaign = campaign or active_campaign(ws)
    year = campaign.campaign_year - 1
    codes = {t.code for t in campaign.policy.tiers}
    return {household: tier for (household, y), tier in ws.ledger().household_tiers.items()
            if y == year and tier in codes}


@any_role
def carried_tier(ws: Workspace, household_id: str) -> str | None:
    """The active campaign's suggested tier for one household (its tier last year)."""
    campaign = active_campaign(ws)
    tier = ws.ledger().household_tiers.get((household_id, campaign.campaign_year - 1))
    # One lookup, not carried_tiers' walk of every household: this runs as a household opens.
    return tier if tier in {t.code for t in campaign.policy.tiers} else None


def _category_carry(ws: Workspace, policy: Policy) -> dict[str, Any]:
    """Which certified categories carry into ``policy``'s campaign.

    A category carries when the new policy still subsidises it and it is valid when the new
    collection window opens (no end date, or an end on or after the window's start); one
    that ends before the benefit year starts still carries but is named for renewal
    (``expiring``). One that ended before the window opened (``expired``) or that the new
    policy no longer has (``dropped``) does not: fees never apply it in the new campaign.
    """
    start, year_start = policy.collection_start, date(policy.benefit_year, 1, 1)
    out: dict[str, Any] = {"carried": 0, "expiring": 0, "expired": 0, "dropped": 0,
                           "by_category": {}}
    for category, valid_to in ws.conn.execute(
            "SELECT c.category, c.valid_to FROM person_categories c JOIN persons p "
            "ON p.id = c.person_id WHERE c.revoked_at IS NULL AND p.status = 'active'"):
        end = date.fromisoformat(valid_to) if valid_to else None
        if policy.subsidy_for(category) is None:
            kind = "dropped"
        elif end is not None and end < start:
            kind = "expired"
        elif end is not None and end < year_start:
            kind = "expiring"
        else:
            kind = "carried"
        out[kind] += 1
        counts = out["by_category"].setdefault(category, {"carried": 0, "expiring": 0,
                                                          "expired": 0, "dropped": 0})
        counts[kind] += 1
    return out


def _pending_prints(ws: Workspace, campaign_id: str) -> list[str]:
    ledger = ws.ledger()
    out = []
    for pay in ledger.payments.values():
        if pay.campaign_id != campaign_id or pay.cancelled or pay.receipt is None \
                or pay.receipt in ledger.printed:
            continue
        book = ledger.book_of(pay.receipt)
        out.append(book.label(pay.receipt[1]) if book else f"{pay.receipt[0]} {pay.receipt[1]}")
    return sorted(out)


@any_role
def start_campaign(ws: Workspace, source: Path | dict[str, Any], *,
                   now: datetime | None = None) -> dict[str, Any]:
    """`yibao campaign start FILE`: open the next year's campaign from its policy file.

    The roster is shared by every campaign and stays as it is; each household's tier last
    year becomes its suggested tier (``carried_tiers``); certified categories carry while
    they are valid (``_category_carry``). Refused, with nothing written, when there is no
    active campaign (the first one is loaded with ``policy load``), when the policy is not
    the active campaign's next year, while the active campaign's collection window is still
    open, and while any of its receipts waits to be printed (待打印). Starting the same policy
    again changes nothing.
    """
    policy = load_policy_file(source) if isinstance(source, Path | str) else parse_policy(source)
    current = active_campaign(ws)
    if current.campaign_year == policy.campaign_year and (
            current.policy == policy or _same_policy(ws, policy) == (current.id,)):
        return _started(ws, current, previous_campaign(ws, current), created=False)
    cur, new = current.policy, policy
    if new.campaign_year == cur.campaign_year:
        raise Refused(f"当前已经是{cur.year_label()}：修订本年度的政策请用 yibao policy load FILE",
                      details={"error_kind": "same_year"})
    if new.campaign_year != cur.campaign_year + 1 or new.benefit_year != cur.benefit_year + 1:
        raise Refused(
            f"政策文件是{new.year_label()}（征缴年度 {new.campaign_year}），不是当前"
            f"{cur.year_label()}的下一年度：应为{cur.benefit_year + 1}年度（征缴年度 "
            f"{cur.campaign_year + 1}）的政策", details={"error_kind": "not_next_year"})
    today = business_date(now or utc_now())
    if today <= cur.collection_end:
        raise Refused(
            f"当前{cur.year_label()}的征缴期到 {cur.collection_end.isoformat()} 止，尚未结束："
            "征缴期结束后才能开始下一年度（延长征缴期请导入修订后的政策文件）",
            details={"error_kind": "window_open"})
    if new.collection_start <= cur.collection_end:
        raise Refused(f"新政策的征缴期（{new.period_label()}）与当前{cur.year_label()}的征缴期"
                      "重叠", details={"error_kind": "overlap"})
    pending = _pending_prints(ws, current.id)
    if pending:
        raise Refused(f"当前{cur.year_label()}还有 {len(pending)} 张票据待打印（{pending[0]}"
                      "…）：请先打印或作废，再开始下一年度",
                      details={"error_kind": "pending_prints", "pending": pending})
    with tx(ws.conn):  # the policy, its activation and the carry-over: one transaction
        loaded = load_policy(ws, policy.to_dict(), activate=True)
        campaign = campaign_by_id(ws, loaded["campaign_id"])
        result = _started(ws, campaign, current, created=True)
        ws.record("campaign.started", {
            "campaign_id": campaign.id, "campaign_year": new.campaign_year,
            "previous_campaign_id": current.id, "tiers_carried": result["tiers_carried"],
            "categories": {k: result["categories"][k]
                           for k in ("carried", "expiring", "expired", "dropped")}})
    return result


def _started(ws: Workspace, campaign: Campaign, previous: Campaign | None, *,
             created: bool) -> dict[str, Any]:
    ledger, year = ws.ledger(), campaign.campaign_year - 1
    paid_tiers = [t for (_, y), t in ledger.household_tiers.items() if y == year]
    tiers = carried_tiers(ws, campaign)
    households, persons = ws.conn.execute(
        "SELECT (SELECT count(*) FROM households), "
        "(SELECT count(*) FROM persons WHERE status = 'active')").fetchone()
    return {"campaign_id": campaign.id, "created": created,
            "campaign_year": campaign.campaign_year,
            "benefit_year": campaign.policy.benefit_year, "label": campaign.policy.label(),
            "previous_campaign_id": previous.id if previous else None,
            "previous_label": previous.policy.label() if previous else None,
            "households": households, "persons": persons,
            "tiers_carried": len(tiers), "tiers_not_in_policy": len(paid_tiers) - len(tiers),
            "categories": _category_carry(ws, campaign.policy)}
