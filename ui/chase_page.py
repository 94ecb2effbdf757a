"""催缴 (chase list): last year's enrolled people not yet renewed, by group, with last year's
tier and amount; save the list as Excel, print or save every household's 催缴通知单."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout

from app.services.papers.chase_notices import chase_notices_pdf, save_chase_notices
from app.services.views.chase import chase_list, export_chase
from ui.changes import Changes
from ui.common import AppContext, Page, error_text, fmt, heading, table_view, translate, yuan
from ui.models import RIGHT, Column, RowsModel
from ui.printing import PrintManager, paint_pdf


class ChasePage(Page):
    shows = Changes.ROSTER | Changes.PAYMENTS | Changes.CAMPAIGN

    def __init__(self, ctx: AppContext, printer: PrintManager) -> None:
        super().__init__(ctx)
        self.printer = printer
        self.chooser: QFileDialog | None = None
        self.data: dict[str, Any] | None = None
        self.title = heading("", 14)
        self.summary = QLabel()
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.model = RowsModel([
            Column(self.tr("Group"), lambda r: r["group"]),
            Column(self.tr("Household no."), lambda r: r["household_no"]),
            Column(self.tr("Head"), lambda r: r["head_name"]),
            Column(self.tr("Phone"), lambda r: r["phone"]),
            Column(self.tr("Name"), lambda r: r["name"]),
            Column(self.tr("ID number"), lambda r: r["id_masked"]),
            Column(self.tr("Last year's tier"), lambda r: r["last_tier_name"]),
            Column(self.tr("Paid last year"), lambda r: yuan(r["last_paid_fen"]), RIGHT),
            Column(self.tr("Due this year"),
                   lambda r: "—" if r["due_fen"] is None else yuan(r["due_fen"]), RIGHT),
            Column(self.tr("Subsidy category"), lambda r: r["category"] or ""),
        ], key=lambda r: r["person_id"], parent=self)
        self.table = table_view(self.model, stretch_column=9)
        self.save_button = QPushButton(self.tr("Save as Excel…"))
        self.print_button = QPushButton(self.tr("Print chase notices"))
        self.pdf_button = QPushButton(self.tr("Save notices as PDF…"))
        self.save_button.clicked.connect(lambda: self.choose_file("xlsx"))
        self.pdf_button.clicked.connect(lambda: self.choose_file("pdf"))
        self.print_button.clicked.connect(self.print_notices)
        self.summary.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.save_button, self.print_button, self.pdf_button):
            buttons.addWidget(button)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        self._enable(False)

    def _enable(self, has_rows: bool) -> None:
        for button in (self.save_button, self.print_button, self.pdf_button):
            button.setEnabled(has_rows)

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        self.ctx.run(chase_list, self._show, parent=self)

    def _show(self, data: dict[str, Any]) -> None:
        self.data = data
        self.title.setText(fmt(self.tr("Chase list — %1"), data["label"]))
        rows = data["rows"]
        if data["previous_year_label"] is None:
            self.summary.setText(self.tr("No campaign of the year before is loaded on this "
                                         "computer: there is nobody to chase."))
        else:
            groups = "、".join(fmt(self.tr("%1: %2"), g["group"] or "—", g["persons"])
                               for g in data["groups"])
            self.summary.setText(fmt(self.tr("Enrolled in %1 and not yet renewed: %2 people "
                                             "in %3 households. %4"),
                                     data["previous_year_label"], len(rows), data["households"],
                                     groups))
        self.model.set_rows(rows)
        self._enable(bool(rows))

    # ---- saving and printing ---------------------------------------------------------------

    def choose_file(self, kind: str) -> None:
        label = self.data["year_label"] if self.data else ""
        if kind == "xlsx":
            default = Path.home() / f"催缴名单{label}.xlsx"
            title, pattern = self.tr("Save chase list"), self.tr("Excel workbooks (*.xlsx)")
        else:
            default = Path.home() / f"催缴通知单{label}.pdf"
            title, pattern = self.tr("Save chase notices"), self.tr("PDF files (*.pdf)")
        chooser = QFileDialog(self, title, str(default))
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setDefaultSuffix(kind)
        chooser.setNameFilter(pattern)
        chooser.selectFile(str(default))
        chooser.fileSelected.connect(
            lambda path: (self.save_xlsx if kind == "xlsx" else self.save_pdf)(Path(path)))
        self.chooser = chooser
        chooser.open()

    def save_xlsx(self, path: Path) -> None:
        self.ctx.run(lambda ws: export_chase(ws, path),
                     lambda r: self.note.setText(fmt(self.tr("Saved %1 rows to %2."),
                                                     r["rows"], r["out"])), parent=self)

    def save_pdf(self, path: Path) -> None:
        self.ctx.run(lambda ws: save_chase_notices(ws, path),
                     lambda r: self.note.setText(fmt(self.tr("Saved the notices of %1 "
                                                             "households to %2."),
                                                     r["households"], r["out"])), parent=self)

    def print_notices(self) -> None:
        printer = self.printer.choose_printer(self.tr("Chase notices"))
        if printer is None:
            self.note.setText(self.tr("Printing cancelled."))
            return
        self.print_button.setEnabled(False)

        def done(text: str) -> None:
            self.print_button.setEnabled(bool(self.model.rowCount()))
            self.note.setText(text)

        def failed(exc: BaseException) -> None:
            done(fmt(self.tr("Printing failed: %1"), error_text(exc)))

        def got_pdf(made: dict[str, Any]) -> None:
            self.printer.thread.submit(
                lambda: paint_pdf(made["pdf"], printer),
                lambda _pages: done(fmt(self.tr("Printed the notices of %1 households."),
                                        made["households"])), failed)

        self.ctx.run(chase_notices_pdf, got_pdf, failed)


def add_chase_page(tabs: QTabWidget, ctx: AppContext, printer: PrintManager,
                   after: Page) -> ChasePage:
    """The 催缴 tab, right after ``after`` (the progress page)."""
    page = ChasePage(ctx, printer)
    tabs.insertTab(tabs.indexOf(after) + 1, page, translate("chase", "Chase"))
    return page
