"""The township finance office's pages (乡镇财政所): books, deposits, reconciliation, progress.

Shown instead of the collector's work when the signed-in user has the township role. Every
button runs one service action on the worker (ui.common); tables are RowsModel over ids.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget

from ui.common import AppContext, Page, translate
from ui.township_books import TownshipBooksPage
from ui.township_deposits import TownshipDepositsPage
from ui.township_progress import TownshipProgressPage
from ui.township_reconcile import TownshipReconcilePage


def add_township_pages(tabs: QTabWidget, ctx: AppContext) -> list[Page]:
    """The township's pages, added after the collector's screens (whose positions the main
    window relies on), then moved to the front of the tab bar: the office's own work comes
    before the pages it shares with the villages (同步, 报表, 设置, 概况)."""
    pages: list[tuple[Page, str]] = [
        (TownshipBooksPage(ctx), translate("township", "Book issuance")),
        (TownshipDepositsPage(ctx), translate("township", "Deposit matching")),
        (TownshipReconcilePage(ctx), translate("township", "Cross-village reconciliation")),
        (TownshipProgressPage(ctx), translate("township", "Village progress")),
    ]
    for position, (page, title) in enumerate(pages):
        tabs.addTab(page, title)
        tabs.tabBar().moveTab(tabs.indexOf(page), position)
    tabs.setCurrentWidget(pages[0][0])
    return [page for page, _ in pages]
