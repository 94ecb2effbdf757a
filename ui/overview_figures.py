"""The figures at the top of the 概况 tab: today's collection and the campaign's so far, in the
words a clerk uses (the database facts and the journal hash stay below, as details)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QLabel, QWidget

from app.services.base.workspace import Workspace
from app.services.views.day import CampaignFigures, DaySummary, campaign_figures, day_summary
from ui.common import big_font, fmt, yuan


@dataclass(frozen=True)
class Figures:
    today: DaySummary
    campaign: CampaignFigures


def overview_figures(ws: Workspace) -> Figures:
    return Figures(today=day_summary(ws), campaign=campaign_figures(ws))


class FiguresPanel(QLabel):
    """Hidden where nothing is collected (a township database, a village before its roster)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setFont(big_font(13, bold=False))  # scales with the 字号 setting
        self.hide()

    def show_figures(self, figures: Figures) -> None:
        campaign, today = figures.campaign, figures.today
        if campaign.campaign_year is None or not campaign.persons:
            self.hide()
            return
        rows = [
            (self.tr("Collected today"),
             fmt(self.tr("%1 on %2 receipt(s), %3 person(s)"),
                 yuan(today.cash_fen + today.noncash_fen), today.receipts, today.persons)),
            (fmt(self.tr("Campaign %1 so far"), campaign.year_label), yuan(campaign.collected_fen)),
            (self.tr("Households paid"), fmt(self.tr("%1 of %2"), campaign.households_paid,
                                              campaign.households)),
            (self.tr("Persons paid"), fmt(self.tr("%1 of %2"), campaign.persons_paid,
                                           campaign.persons)),
            (self.tr("Cash on hand"), yuan(campaign.on_hand_fen)),
        ]
        self.setText("<table cellpadding=4>" + "".join(
            f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows) + "</table>")
        self.show()
