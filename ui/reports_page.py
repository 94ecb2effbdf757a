"""Reports (报表): 收款日报, 票据核销表, 缴费（催缴）通知单, 征缴进度表 and 资助参保人员名册.

Pick a report, its date, book or household, and 预览: the service renders the PDF on the
database worker, and its pages are drawn into the page here (``QPdfDocument``), so what the
clerk sees is what prints. 打印 goes through the same path as receipts (``ui.printing``:
the printer thread paints the PDF), 另存为 writes the PDF (or the spreadsheet, for the
coverage reports) where the clerk chooses. Township users see the reports across villages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QDate, QIODevice, QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services.base.common import business_date, utc_now
from app.services.base.roles import has_role
from app.services.base.workspace import Workspace
from app.services.papers.coverage import export_village_report, village_report_pdf
from app.services.papers.printing import daily_report_pdf, payment_notice_pdf, settlement_pdf
from app.services.township.progress import export_township_report, township_report_pdf
from app.services.views.reconcile import book_summaries
from app.services.village.campaigns import active_campaign
from db.fsutil import write_atomic
from ui.changes import Changes
from ui.common import AppContext, Page, error_text, fmt, heading, message
from ui.printing import PrintManager, paint_pdf

PREVIEW_WIDTH = 760  # pixels of an A4 page in the preview


@dataclass(frozen=True)
class ReportKind:
    key: str
    title: str
    needs: str  # "" | "date" | "book" | "household"
    sheet: bool  # also saved as .xlsx


def _books(ws: Workspace) -> list[tuple[str, int, str]]:
    return [(b["series"], b["first"], f"{b['series']} {b['first']:0{b['width']}d}–"
             f"{b['last']:0{b['width']}d}") for b in book_summaries(ws)]


def _tiers(ws: Workspace) -> list[tuple[str, str]]:
    return [(t.code, t.name) for t in active_campaign(ws).policy.tiers]


def render_pages(data: bytes, width: int = PREVIEW_WIDTH) -> list[QPixmap]:
    """Every page of a PDF as a pixmap ``width`` pixels wide."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    pages = []
    try:
        for page in range(document.pageCount()):
            size = document.pagePointSize(page)
            height = round(width * size.height() / size.width())
            pages.append(QPixmap.fromImage(document.render(page, QSize(width, height))))
    finally:
        document.close()
    return pages


class ReportsPage(Page):
    shows = Changes.PAYMENTS | Changes.RECEIPTS | Changes.CASH | Changes.ROSTER

    def __init__(self, ctx: AppContext, printer: PrintManager) -> None:
        super().__init__(ctx)
        self.printer = printer
        self.township = has_role(ctx.ws, "township")
        self.pdf: bytes | None = None
        self.shown: tuple[Any, ...] | None = None  # what the preview shows
        self.chooser: QFileDialog | None = None
        village = [ReportKind("daily", self.tr("Daily collection report"), "date", False),
                   ReportKind("settlement", self.tr("Receipt book settlement sheet"), "book",
                              False),
                   ReportKind("notice", self.tr("Payment notice for a household"), "household",
                              False)]
        self.kinds = ([] if self.township else village) + [
            ReportKind("coverage", self.tr("Coverage by village and group (with rewards)"), "",
                       True),
            ReportKind("subsidised", self.tr("Subsidised people by category and channel"), "",
                       True)]

        self.list = QListWidget()
        for kind in self.kinds:
            self.list.addItem(kind.title)
        self.list.setMaximumWidth(300)
        self.list.currentRowChanged.connect(self._kind_changed)

        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        today = business_date(utc_now())
        self.day.setDate(QDate(today.year, today.month, today.day))
        self.book = QComboBox()
        self.household = QLineEdit()
        self.household.setPlaceholderText(self.tr("Household no."))
        self.tier = QComboBox()
        self.params: dict[str, list[QWidget]] = {
            "date": [QLabel(self.tr("Business day")), self.day],
            "book": [QLabel(self.tr("Receipt book")), self.book],
            "household": [QLabel(self.tr("Household no.")), self.household,
                          QLabel(self.tr("Tier")), self.tier]}
        params = QHBoxLayout()
        for widgets in self.params.values():
            for widget in widgets:
                params.addWidget(widget)
        params.addStretch(1)

        self.preview_button = QPushButton(self.tr("Preview"))
        self.print_button = QPushButton(self.tr("Print…"))
        self.save_pdf_button = QPushButton(self.tr("Save as PDF…"))
        self.save_xlsx_button = QPushButton(self.tr("Save as Excel…"))
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self.print_report)
        self.save_pdf_button.clicked.connect(lambda: self.choose_file("pdf"))
        self.save_xlsx_button.clicked.connect(lambda: self.choose_file("xlsx"))
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        buttons = QHBoxLayout()
        for button in (self.preview_button, self.print_button, self.save_pdf_button,
                       self.save_xlsx_button):
            buttons.addWidget(button)
        buttons.addWidget(self.busy)
        buttons.addStretch(1)
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.pages = QWidget()
        self.pages_layout = QVBoxLayout(self.pages)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.pages_layout.setSpacing(12)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.pages)
        self.scroll.setStyleSheet("QScrollArea { background: #8a8f96; }")

        right = QVBoxLayout()
        self.title = heading("", 14)
        right.addWidget(self.title)
        right.addLayout(params)
        right.addLayout(buttons)
        right.addWidget(self.status)
        right.addWidget(self.scroll, 1)
        left = QVBoxLayout()
        left.addWidget(heading(self.tr("Reports"), 14))
        left.addWidget(self.list, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addLayout(left)
        layout.addLayout(right, 1)
        self.list.setCurrentRow(0)

    # ---- choices ----------------------------------------------------------------------------

    @property
    def kind(self) -> ReportKind:
        return self.kinds[max(0, self.list.currentRow())]

    def _kind_changed(self, _row: int) -> None:
        kind = self.kind
        self.title.setText(kind.title)
        for need, widgets in self.params.items():
            for widget in widgets:
                widget.setVisible(need == kind.needs)
        self.save_xlsx_button.setVisible(kind.sheet)
        self._clear()

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        if self.township:
            return
        self.ctx.run(_books, self._show_books, lambda _exc: None, parent=self)
        self.ctx.run(_tiers, self._show_tiers, lambda _exc: None, parent=self)
        if self.shown is not None:
            self._clear()

    def _show_books(self, books: list[tuple[str, int, str]]) -> None:
        current = self.book.currentData()
        self.book.clear()
        for series, first, label in books:
            self.book.addItem(label, (series, first))
        if current is not None and self.book.findData(current) >= 0:
            self.book.setCurrentIndex(self.book.findData(current))

    def _show_tiers(self, tiers: list[tuple[str, str]]) -> None:
        current = self.tier.currentData()
        self.tier.clear()
        for code, name in tiers:
            self.tier.addItem(name, code)
        if current is not None and self.tier.findData(current) >= 0:
            self.tier.setCurrentIndex(self.tier.findData(current))

    def _choice(self) -> tuple[Any, ...]:
        kind = self.kind
        if kind.needs == "date":
            d = self.day.date()
            return (kind.key, date(d.year(), d.month(), d.day()))
        if kind.needs == "book":
            return (kind.key, self.book.currentData())
        if kind.needs == "household":
            return (kind.key, self.household.text().strip(), self.tier.currentData())
        return (kind.key,)

    def _pdf_call(self, choice: tuple[Any, ...]) -> Callable[[Workspace], bytes] | None:
        key = choice[0]
        if key == "daily":
            return lambda ws: daily_report_pdf(ws, choice[1])
        if key == "settlement":
            if choice[1] is None:
                self.status.setText(self.tr("No receipt book is registered yet."))
                return None
            return lambda ws: settlement_pdf(ws, *choice[1])
        if key == "notice":
            if not choice[1]:
                self.status.setText(self.tr("Enter the household number first."))
                return None
            return lambda ws: payment_notice_pdf(ws, choice[1], choice[2] or "")
        render = township_report_pdf if self.township else village_report_pdf
        return lambda ws: render(ws, key)

    # ---- preview ----------------------------------------------------------------------------

    def _clear(self) -> None:
        self.pdf, self.shown = None, None
        while self.pages_layout.count():
            item = self.pages_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.status.setText(self.tr("Choose the report and press Preview."))

    def _working(self, on: bool, text: str = "") -> None:
        self.busy.setVisible(on)
        for button in (self.preview_button, self.print_button, self.save_pdf_button,
                       self.save_xlsx_button):
            button.setEnabled(not on)
        if text:
            self.status.setText(text)

    def _fetch(self, then: Callable[[bytes], None]) -> None:
        """The current report's PDF: the one previewed if the choice is unchanged."""
        choice = self._choice()
        if self.pdf is not None and self.shown == choice:
            then(self.pdf)
            return
        call = self._pdf_call(choice)
        if call is None:
            return
        self._working(True, self.tr("Preparing the report…"))

        def got(data: bytes) -> None:
            self._working(False)
            self._show_pdf(choice, data)
            then(data)

        def failed(exc: BaseException) -> None:
            self._working(False)
            self.status.setText(fmt(self.tr("The report could not be made: %1"), error_text(exc)))

        self.ctx.run(call, got, failed)

    def preview(self) -> None:
        self._fetch(lambda _data: None)

    def _show_pdf(self, choice: tuple[Any, ...], data: bytes) -> None:
        self._clear()
        self.pdf, self.shown = data, choice
        pages = render_pages(data)
        for pixmap in pages:
            label = QLabel()
            label.setPixmap(pixmap)
            label.setStyleSheet("background: white; border: 1px solid #666;")
            self.pages_layout.addWidget(label)
        self.status.setText(fmt(self.tr("%1 page(s). Print it or save it."), len(pages)))

    # ---- print and save ---------------------------------------------------------------------

    def print_report(self) -> None:
        def go(data: bytes) -> None:
            printer = self.printer.choose_printer(self.kind.title)
            if printer is None:
                self.status.setText(self.tr("Printing cancelled."))
                return
            self._working(True, self.tr("Printing…"))

            def printed(pages: object) -> None:
                self._working(False, fmt(self.tr("Printed %1 page(s)."), pages))

            def failed(exc: BaseException) -> None:
                self._working(False, fmt(self.tr("Printing failed: %1"), error_text(exc)))

            self.printer.thread.submit(lambda: paint_pdf(data, printer), printed, failed)

        self._fetch(go)

    def choose_file(self, suffix: str) -> None:
        default = Path.home() / f"{self.kind.title}.{suffix}"
        chooser = QFileDialog(self, self.tr("Save report"), str(default))
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setDefaultSuffix(suffix)
        chooser.setNameFilter(self.tr("PDF documents (*.pdf)") if suffix == "pdf"
                              else self.tr("Excel workbooks (*.xlsx)"))
        chooser.selectFile(str(default))
        chooser.fileSelected.connect(lambda path: self.save_to(Path(path)))
        self.chooser = chooser
        chooser.open()

    def save_to(self, path: Path) -> None:
        """Write the report at ``path``: .xlsx for the coverage reports, else the PDF."""
        if path.suffix.lower() == ".xlsx" and self.kind.sheet:
            key = self.kind.key
            export = export_township_report if self.township else export_village_report
            self._working(True, self.tr("Saving…"))

            def saved(result: dict[str, Any]) -> None:
                self._working(False, fmt(self.tr("Saved to %1."), result["out"]))

            def failed(exc: BaseException) -> None:
                self._working(False)
                message(self, error_text(exc))

            self.ctx.run(lambda ws: export(ws, path, report=key), saved, failed)
            return
        target = path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")

        def write(data: bytes) -> None:
            self.printer.thread.submit(
                lambda: write_atomic(target, data),
                lambda _r: self.status.setText(fmt(self.tr("Saved to %1."), str(target))),
                lambda exc: message(self, error_text(exc)))

        self._fetch(write)


def add_reports_page(tabs: Any, ctx: AppContext, printer: PrintManager,
                     before: QWidget) -> ReportsPage:
    """The 报表 tab, placed before ``before`` (the settings tab), for both roles."""
    page = ReportsPage(ctx, printer)
    tabs.insertTab(tabs.indexOf(before), page, page.tr("Reports"))
    return page
