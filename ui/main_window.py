"""The main window: pages for each area of work and a status bar of what matters now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.base.common import BUSINESS_TZ
from app.services.base.roles import ROLE_NAMES
from app.services.base.settings import get_setting
from app.services.base.workspace import Workspace, database_info
from app.services.exchange.county import sync_status
from app.services.township.books import issued_books
from app.services.township.reconcile import reconcile_villages
from app.services.upkeep.backup import close_with_backup
from app.services.upkeep.verify import verify_workspace
from app.services.views.status import status_snapshot, township_status
from app.services.views.villages import village_label
from ui.cash_page import CashPage
from ui.changes import Changes
from ui.chase_page import add_chase_page
from ui.collect_view import CollectView
from ui.common import AppContext, Page, fmt, show_error, yuan
from ui.overview_figures import FiguresPanel, overview_figures
from ui.printing import PrintManager
from ui.progress_page import ProgressPage
from ui.receipts_page import ReceiptsPage
from ui.reports_page import add_reports_page
from ui.roster_page import RosterPage
from ui.settings_page import SettingsPage
from ui.sync_controller import SyncButton, SyncController
from ui.sync_page import SyncPage
from ui.township_pages import add_township_pages
from ui.worker import ServiceWorker

ALERT_STYLE = "color: #b00020; font-weight: bold;"
PROBLEMS_IN_TOOLTIP = 10
# What each part of the status bar shows. The sync label counts what waits to be sent, which
# every journaled change adds to; the settings hold the server's address.
VILLAGE_STATUS_SHOWS = Changes.CAMPAIGN | Changes.RECEIPTS | Changes.CASH
TOWNSHIP_STATUS_SHOWS = Changes.CAMPAIGN | Changes.TOWNSHIP | Changes.SYNC
SYNC_LABEL_SHOWS = Changes.SYNC | Changes.SETTINGS | Changes.JOURNALED
WINDOW_STYLE = """
QTabBar::tab { padding: 6px 18px; font-size: 12pt; }
QStatusBar QLabel { padding: 0 8px; border-right: 1px solid #c8c8c8; }
"""


def _township_figures(ws: Workspace) -> dict[str, Any]:
    """The office's bar, counted from the same reads as its books and reconciliation pages."""
    return township_status(ws, report=reconcile_villages(ws), books=issued_books(ws))


def _overview_info(ws: Workspace) -> dict[str, Any]:
    """The database's facts, its village (or township) by name as a person reads it."""
    info = database_info(ws)
    return {**info, "village_name": village_label(ws, info["village"]),
            "figures": overview_figures(ws)}


class OverviewPage(Page):
    """Who is signed in, which database, and a one-click integrity check."""

    shows = Changes.JOURNALED | Changes.SYNC  # the journal's length and head

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.figures = FiguresPanel()  # today's and the campaign's figures, above the details
        self.info = QLabel()
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result = QLabel()
        self.result.setWordWrap(True)
        verify_button = QPushButton(self.tr("Check integrity (verify)"))
        verify_button.clicked.connect(self.run_verify)
        layout = QVBoxLayout(self)
        layout.addWidget(self.figures)
        layout.addWidget(self.info)
        layout.addWidget(verify_button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.result)
        layout.addStretch(1)

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        self.ctx.run(_overview_info, self._show_info, parent=self)

    def _show_info(self, info: dict) -> None:
        self.figures.show_figures(info["figures"])
        rows = [
            (self.tr("User"), f"{info['user']}（{ROLE_NAMES[info['role']]}）"),
            (self.tr("Township") if info["role"] == "township" else self.tr("Village"),
             info["village_name"] or "—"),
            (self.tr("Database"), info["path"]),
            (self.tr("Journal events"), str(info["journal_events"])),
            (self.tr("Journal head"), info["journal_head"][:16] + "…"),
            (self.tr("Schema version"), str(info["schema_version"])),
        ]
        self.info.setText("<table cellpadding=4>" + "".join(
            f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows) + "</table>")

    def run_verify(self) -> None:
        self.result.setText(self.tr("Checking…"))
        self.ctx.run(verify_workspace, self._show_verify, parent=self)

    def _show_verify(self, report: Any) -> None:
        if report.ok:
            self.result.setText(fmt(self.tr("All %1 journal events verified; the ledger is "
                                            "consistent."), report.events))
        else:
            self.result.setText(self.tr("Problems found:") + "<br>" +
                                "<br>".join(report.problems))


class PendingPrintBanner(QFrame):
    """Receipts collected but not printed: a payer without a receipt must not go unnoticed."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("pendingBanner")
        self.setStyleSheet("#pendingBanner { background: #b00020; border-radius: 4px; }"
                           "#pendingBanner QLabel { color: white; font-weight: bold; }")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.print_button = QPushButton()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.print_button)
        self.pending: list[dict[str, Any]] = []
        self.hide()

    def show_pending(self, pending: list[dict[str, Any]]) -> None:
        self.pending = pending
        if not pending:
            self.hide()
            return
        labels = "、".join(r["label"] for r in pending[:5]) + ("…" if len(pending) > 5 else "")
        self.text.setText("⚠ " + fmt(self.tr("%1 receipt(s) collected but NOT printed: %2 — "
                                             "the payer has no receipt yet!"),
                                     len(pending), labels))
        self.print_button.setText(fmt(self.tr("Print %1 now"), pending[-1]["label"]))
        self.show()


class MainWindow(QMainWindow):
    def __init__(self, ws: Workspace, worker: ServiceWorker) -> None:
        super().__init__()
        self.ws = ws
        self.worker = worker
        self.ctx = AppContext(ws, worker, self)
        self.printer = PrintManager(self.ctx, self)
        self.snapshot: dict[str, Any] | None = None
        self._township_refreshing = False
        self._township_stale = False
        self.resize(1366, 740)
        self.setStyleSheet(WINDOW_STYLE)

        self.collect = CollectView(self.ctx, self.printer)
        self.roster = RosterPage(self.ctx)
        self.receipts = ReceiptsPage(self.ctx, self.printer)
        self.cash = CashPage(self.ctx)
        self.progress = ProgressPage(self.ctx)
        self.settings = SettingsPage(self.ctx, self.printer)
        self.sync_controller = SyncController(self.ctx, self)
        self.sync = SyncPage(self.ctx, self.sync_controller)
        self.overview = OverviewPage(self.ctx)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tab_titles = [self.tr("Collect"), self.tr("Roster"), self.tr("Receipts"),
                           self.tr("Cash"), self.tr("Progress"), self.tr("Sync"),
                           self.tr("Settings"), self.tr("Overview")]
        for page, title in zip((self.collect, self.roster, self.receipts, self.cash,
                                self.progress, self.sync, self.settings, self.overview),
                               self.tab_titles, strict=True):
            self.tabs.addTab(page, title)
        self.chase = add_chase_page(self.tabs, self.ctx, self.printer, self.progress) \
            if ws.role == "collector" else None
        self.reports = add_reports_page(self.tabs, self.ctx, self.printer, self.settings)
        self.township_pages = add_township_pages(self.tabs, self.ctx) \
            if ws.role == "township" else []
        if self.township_pages:
            # The office holds no receipt forms itself; its status bar never asks which is next.
            self.receipts.set_next(None)
            # Nor does it collect, keep a roster or hold cash: the clerk's pages would stand
            # empty in its way. They stay built (the window's wiring expects them), unseen.
            for page in (self.collect, self.roster, self.receipts, self.cash, self.progress):
                self.tabs.setTabVisible(self.tabs.indexOf(page), False)
        self.banner = PendingPrintBanner()
        self.banner.print_button.clicked.connect(self.print_pending)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self._build_status_bar()

        self.progress.open_household.connect(self.open_in_collect)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.ctx.data_changed.connect(self.refresh_status)
        self.printer.pending_changed.connect(self._print_finished)
        self.ctx.run(lambda w: get_setting(w, "printer_name"),
                     lambda name: setattr(self.printer, "printer_name", name or ""))
        self.refresh_status()
        if not self.township_pages:
            self.collect.focus_search()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.campaign_label = QLabel()
        self.user_label = QLabel(f"{ROLE_NAMES[self.ws.role]} {self.ws.user}")
        items = [self.campaign_label, self.user_label]
        if self.ws.role == "township":
            # The finance office holds no receipt forms or cash: it watches the villages.
            self.villages_label = QLabel()
            self.books_label = QLabel()
            self.deposits_label = QLabel()
            self.problems_label = QLabel()
            items += [self.villages_label, self.books_label, self.deposits_label,
                      self.problems_label]
        else:
            self.book_label = QLabel()
            self.cash_label = QLabel()
            self.pending_label = QLabel()
            self.pending_label.setStyleSheet(ALERT_STYLE)
            self.pending_label.hide()
            items += [self.book_label, self.cash_label, self.pending_label]
        self.sync_label = QLabel()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(90)
        self.busy.setMaximumHeight(14)
        self.busy.hide()
        for widget in (*items, self.sync_label):
            bar.addWidget(widget)
        bar.addPermanentWidget(self.busy)
        self.sync_button = SyncButton(self.sync_controller)
        bar.addPermanentWidget(self.sync_button)
        self.worker.busy_changed.connect(self._busy_changed)
        self.printer.thread.busy_changed.connect(self._busy_changed)

    def _busy_changed(self, _busy: bool) -> None:
        self.busy.setVisible(self.worker.busy or self.printer.thread.busy)

    # ---- status ---------------------------------------------------------------------------

    def refresh_status(self, changes: Changes = Changes.EVERYTHING) -> None:
        """Reload the parts of the status bar that show ``changes``."""
        if self.ws.role != "township":
            if changes & VILLAGE_STATUS_SHOWS:
                self.ctx.run(status_snapshot, self._show_status, parent=self)
        elif changes & TOWNSHIP_STATUS_SHOWS:
            self._refresh_township_status()
        if changes & SYNC_LABEL_SHOWS:
            self.ctx.run(sync_status, self._show_sync, parent=self)

    def _print_finished(self) -> None:
        # Printed or not, the receipt's print state is what the banner shows.
        self.refresh_status(Changes.RECEIPTS)

    def _refresh_township_status(self) -> None:
        if self._township_refreshing:
            # Replaying every village's journal is the dearest query the office runs: a burst
            # of changes (a sync, then a page's action) needs one more refresh, not one each.
            self._township_stale = True
        else:
            self._township_refreshing = True
            self._township_stale = False
            self.ctx.run(_township_figures, self._show_township_status,
                         self._township_status_failed, parent=self)

    def _show_campaign(self, snap: dict[str, Any]) -> None:
        role = ROLE_NAMES[snap["role"]]
        campaign = snap["campaign"]
        if campaign is None:
            campaign_text = title_text = self.tr("No active campaign")
            self.campaign_label.setStyleSheet(ALERT_STYLE)
            self.campaign_label.setToolTip("")
        else:
            # Named by its benefit year, the same words as on receipts and reports; the
            # status bar is crowded, so the collection period is in the title and tooltip.
            campaign_text, title_text = campaign["year_label"], campaign["label"]
            self.campaign_label.setStyleSheet("")
            self.campaign_label.setToolTip(campaign["period_label"])
        self.campaign_label.setText(campaign_text)
        self.setWindowTitle(" — ".join((self.tr("Yibao Collect"), title_text,
                                        f"{role} {snap['user']}")))

    def _show_status(self, snap: dict[str, Any]) -> None:
        self.snapshot = snap
        self._show_campaign(snap)
        nxt = snap["next_receipt"]
        if nxt is None:
            self.book_label.setText(self.tr("No receipt forms left"))
            self.book_label.setStyleSheet(ALERT_STYLE)
        else:
            self.book_label.setText(fmt(self.tr("Receipt %1 (%2 left)"), nxt["label"],
                                        nxt["remaining"]))
            self.book_label.setStyleSheet("")
        self.receipts.set_next(nxt)
        cash = snap["cash"]
        cash_text = fmt(self.tr("Cash on hand %1"), yuan(cash["on_hand_fen"]))
        if cash["warnings"]:
            cash_text = "⚠ " + cash_text
            self.cash_label.setStyleSheet(ALERT_STYLE)
        else:
            self.cash_label.setStyleSheet("")
        self.cash_label.setText(cash_text)
        self.cash_label.setToolTip("\n".join(cash["warnings"]))
        pending = snap["pending_prints"]
        self.pending_label.setText(fmt(self.tr("%1 not printed"), len(pending)))
        self.pending_label.setVisible(bool(pending))
        self.banner.show_pending(pending)
        receipts_tab = self.tabs.indexOf(self.receipts)
        title = self.tab_titles[receipts_tab]
        self.tabs.setTabText(receipts_tab, f"{title} ⚠{len(pending)}" if pending else title)
        self.tabs.tabBar().setTabTextColor(
            receipts_tab, QColor("#b00020") if pending else self.palette().windowText().color())

    def _township_done(self) -> None:
        self._township_refreshing = False
        if self._township_stale:
            self._refresh_township_status()

    def _township_status_failed(self, exc: BaseException) -> None:
        self._township_done()
        show_error(self, exc)

    def _show_township_status(self, snap: dict[str, Any]) -> None:
        self.snapshot = snap
        self._township_done()
        self._show_campaign(snap)
        self.villages_label.setText(fmt(self.tr("Received from %1 village(s), %2 device(s)"),
                                        snap["villages"], snap["devices"]))
        self.books_label.setText(fmt(self.tr("Books issued %1, not settled %2"),
                                     snap["books_issued"], snap["books_unsettled"]))
        uncredited = snap["deposits_without_credit"]
        self.deposits_label.setText(
            fmt(self.tr("%1 deposit(s) without bank credit"), uncredited) if uncredited
            else self.tr("All deposits credited"))
        self.deposits_label.setStyleSheet(ALERT_STYLE if uncredited else "")
        problems = snap["problems"]
        self.problems_label.setText(
            "⚠ " + fmt(self.tr("%1 reconciliation problem(s)"), len(problems)) if problems
            else self.tr("No reconciliation problems"))
        self.problems_label.setStyleSheet(ALERT_STYLE if problems else "")
        shown = problems[:PROBLEMS_IN_TOOLTIP]
        self.problems_label.setToolTip("\n".join(
            [f"{p['village_name']} {p['collector']}：{p['message']}" for p in shown]
            + (["…"] if len(problems) > len(shown) else [])))

    def _show_sync(self, sync: dict[str, Any]) -> None:
        if not sync["enrolled"] and not sync["server_url"]:
            self.sync_label.setText(self.tr("No county server configured"))
            self.sync_label.setStyleSheet("color: #777;")
            self.sync_label.setToolTip("")
            return
        if sync["last_sync"]:
            last = datetime.fromisoformat(sync["last_sync"]).astimezone(BUSINESS_TZ)
            when = fmt(self.tr("last sync %1"), last.strftime("%m-%d %H:%M"))
        else:
            when = self.tr("never synced")
        text = fmt(self.tr("%1 to sync · %2"), sync["pending"], when)
        if sync["refund_tasks"]:
            text += " · " + fmt(self.tr("%1 refund task(s)"), sync["refund_tasks"])
        warning = sync["clock_warning"]
        self.sync_label.setText(("⚠ " if warning else "") + text)
        self.sync_label.setStyleSheet(ALERT_STYLE if warning or sync["refund_tasks"] else "")
        self.sync_label.setToolTip(warning or "")

    def print_pending(self) -> None:
        if self.banner.pending:
            oldest = self.banner.pending[-1]
            self.printer.print_receipt(oldest["series"], oldest["number"],
                                       on_done=lambda ok, text: None if ok else
                                       self.collect.say(text, alert=True))

    # ---- navigation -------------------------------------------------------------------------

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.collect:
            self.collect.focus_search()

    def open_in_collect(self, household_no: str) -> None:
        self.tabs.setCurrentWidget(self.collect)
        self.collect.open_household(household_no)

    def close_workspace(self) -> None:
        """Finish printing and queued work, then close the database on its own thread."""
        self.printer.stop()
        self.sync_controller.stop()
        # The automatic backup to the configured folder (a USB stick) happens on close.
        self.worker.submit(lambda: close_with_backup(self.ws))
