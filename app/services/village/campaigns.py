"""Policy files and campaigns (征缴年度): load, validate, activate."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.domain.canonical import canonical_json
from app.domain.errors import NotFound, Refused
from app.domain.policy import Policy, load_policy_file, parse_policy
from app.services.base.common import iso, new_id, utc_now
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from db.connection import tx


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
        if activate and ws.meta("active_campaign") != campaign_id:
            ws.conn.execute("INSERT INTO meta (key, value) VALUES ('active_campaign', ?) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            (campaign_id,))
            ws.record("campaign.activated", {"campaign_id": campaign_id,
                                             "campaign_year": policy.campaign_year})
    return {"campaign_id": campaign_id, "created": created, "active": activate,
            "campaign_year": policy.campaign_year, "benefit_year": policy.benefit_year,
            "label": policy.label(), "region": policy.region,
            "tiers": [t.code for t in policy.tiers]}


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
