"""The villages' ledgers as the township sees them, and how it names their campaigns.

Nothing here reads a village's tables (the township has none): each village device's journal
is folded by the one ledger model (``app.domain.ledger.fold``, see ``township_fold``), so the
township's figures are each village's own ``reconcile()`` to the fen, and every rule a
village's journal breaks is a problem the township names.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.errors import Refused
from app.domain.ledger_views import PAYMENT_FIELD_PATHS
from app.domain.policy import benefit_year_label
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.township.fold import (
    DeviceLedger,
    Key,
    Ledger,
    PaymentFacts,
    book_figures,
    known_settlements,
    label,
    load_ledger,
    refunded_fen,
)
from app.services.village.campaigns import active_campaign, campaign_by_id

__all__ = ["CampaignNames", "DeviceLedger", "Key", "Ledger", "PaymentFacts", "book_figures",
           "campaign_names", "known_settlements", "label", "load_ledger",
           "refunded_fen"]


@dataclass(frozen=True)
class CampaignNames:
    """How the township names the campaign the villages collected for in ``campaign_year``:
    by its benefit year (``year_label``, "2027年度"), with the collection period beside it
    (``label``; ``period_label`` "征缴期 …") when a policy for that year is loaded here."""

    campaign_year: int
    benefit_year: int
    year_label: str
    label: str
    period_label: str | None = None


@any_role
def campaign_names(ws: Workspace, campaign_year: int) -> CampaignNames:
    """The benefit year of ``campaign_year``: from the policy loaded at the township, else
    from the villages' payments (each names its benefit year), else the next year."""
    try:
        active = active_campaign(ws).policy
    except Refused:
        active = None
    policy = active if active is not None and active.campaign_year == campaign_year else None
    if policy is None:
        row = ws.conn.execute("SELECT id FROM campaigns WHERE campaign_year = ? "
                              "ORDER BY loaded_at DESC LIMIT 1", (campaign_year,)).fetchone()
        policy = campaign_by_id(ws, row[0]).policy if row else None
    if policy is not None:
        return CampaignNames(campaign_year, policy.benefit_year, policy.year_label(),
                             policy.label(), policy.period_label())
    benefit, year = PAYMENT_FIELD_PATHS["benefit_year"], PAYMENT_FIELD_PATHS["campaign_year"]
    row = ws.conn.execute(
        f"SELECT CAST(json_extract(payload, '{benefit}') AS INTEGER) FROM tw_events "
        f"WHERE type = 'payment.collected' AND json_extract(payload, '{year}') = ? "
        f"AND json_extract(payload, '{benefit}') IS NOT NULL LIMIT 1",
        (campaign_year,)).fetchone()
    benefit_year = int(row[0]) if row else campaign_year + 1
    name = benefit_year_label(benefit_year)
    return CampaignNames(campaign_year, benefit_year, name, name)
