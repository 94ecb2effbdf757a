"""Printing receipts (DESIGN §7): the service renders a PDF, Qt draws its pages on a printer.

``QPdfDocument`` loads the PDF bytes from a ``QBuffer`` and renders each page to a ``QImage``
that a ``QPainter`` draws on the ``QPrinter`` at the paper's corner (full-page mode, so the
overlay offsets measured with the calibration page hold). Painting runs on its own thread:
Qt supports ``QPainter`` on a ``QPrinter`` outside the GUI thread, and a slow printer must
neither freeze the window nor hold up the database worker while the clerk searches on.

Without a printer the receipts go into PDF files: the clerk picks a folder once (it starts
in a receipts folder under the documents folder) and every later receipt is saved there under
its number, without a dialog; the folder is kept in the settings (``pdf_folder``). A
remembered printer that is connected wins over the folder.

Set ``YIBAO_PRINT_TO_PDF`` to a file path (or an existing folder, one file per job) to print
into PDF files instead of a printer — the tests and demos do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QSize,
    QStandardPaths,
    Qt,
    Signal,
)
from PySide6.QtGui import QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from app.domain.errors import YibaoError
from app.services.base.settings import get_setting, set_setting
from app.services.papers.printing import calibration_pdf, receipt_pdf
from app.services.papers.refund_voucher import refund_voucher_pdf
from app.services.village.books import mark_printed
from ui.changes import Changes
from ui.common import AppContext, error_text, file_dialog, fmt, translate
from ui.worker import ServiceWorker

PRINT_TO_PDF_ENV = "YIBAO_PRINT_TO_PDF"
# Receipts are text and lines: 300 dpi is sharp on paper, while an A4 page rendered at a PDF
# printer's 1200 dpi would take over half a gigabyte of memory.
MAX_RENDER_DPI = 300
# The folder the receipts' PDF files go into when the clerk has not picked one yet.
PDF_FOLDER_NAME = "医保收缴通票据"

Done = Callable[[bool, str], None]


class PrintError(YibaoError):
    code = "print"


def paint_pdf(data: bytes, printer: QPrinter) -> int:
    """Draw every page of ``data`` on ``printer``; returns the number of pages printed."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    pages = document.pageCount()
    if document.status() != QPdfDocument.Status.Ready or pages == 0:
        raise PrintError(fmt(translate("printing", "The receipt PDF could not be read (%1)."),
                             document.error().name))
    printer.setFullPage(True)
    printer.setPageSize(QPageSize(document.pagePointSize(0), QPageSize.Unit.Point))
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError(translate("printing", "The printer could not be opened. Is it switched on "
                                        "and connected?"))
    try:
        dpi = min(printer.resolution(), MAX_RENDER_DPI)
        for page in range(pages):
            size = document.pagePointSize(page)
            if page:
                printer.setPageSize(QPageSize(size, QPageSize.Unit.Point))
                if not printer.newPage():
                    raise PrintError(translate("printing", "The printer stopped in the middle of "
                                                    "the job."))
            image = document.render(page, QSize(round(size.width() / 72 * dpi),
                                                round(size.height() / 72 * dpi)))
            painter.drawImage(printer.paperRect(QPrinter.Unit.DevicePixel), image)
    finally:
        painter.end()
        document.close()
    return pages


def _pdf_name(title: str) -> str:
    return (re.sub(r"[^\w.-]+", "-", title).strip("-") or "print") + ".pdf"


def _pdf_target(setting: str, title: str) -> Path:
    target = Path(setting)
    return target / _pdf_name(title) if target.is_dir() else target


def default_pdf_folder() -> Path:
    """Where the folder chooser starts: a receipts folder in the user's documents."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents or Path.home()) / PDF_FOLDER_NAME


def pdf_printer(path: Path, title: str) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setDocName(title)
    return printer


class PrintManager(QObject):
    """Chooses the printer, fetches the PDF, paints it and records the print.

    A receipt counts as printed only after the painting succeeded; a cancelled or failed print
    leaves it pending, and ``pending_changed`` lets the window show that at once.
    """

    pending_changed = Signal()

    def __init__(self, ctx: AppContext, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self.ctx = ctx
        self.parent_widget = parent_widget
        self.printer_name = ""
        self.pdf_folder = ""
        self.thread = ServiceWorker("yibao-print")
        ctx.run(lambda ws: get_setting(ws, "pdf_folder"),
                lambda folder: setattr(self, "pdf_folder", folder or ""), parent=parent_widget)

    def stop(self) -> None:
        self.thread.stop()

    # ---- choosing a printer (GUI thread) -------------------------------------------------

    def choose_printer(self, title: str) -> QPrinter | None:
        """The remembered printer, else the remembered PDF folder, else ask: the system print
        dialog, or where no printer is installed the folder for the PDF files. None when the
        clerk cancels."""
        to_pdf = os.environ.get(PRINT_TO_PDF_ENV)
        if to_pdf:
            return pdf_printer(_pdf_target(to_pdf, title), title)
        installed = QPrinterInfo.availablePrinterNames()
        if self.printer_name and self.printer_name in installed:
            printer = QPrinter(QPrinterInfo.printerInfo(self.printer_name),
                               QPrinter.PrinterMode.HighResolution)
            printer.setDocName(title)
            return printer
        if self.pdf_folder and Path(self.pdf_folder).is_dir():
            return pdf_printer(Path(self.pdf_folder) / _pdf_name(title), title)
        if not installed:
            folder = self.ask_pdf_folder()
            if folder is None:
                return None
            self.remember_pdf_folder(folder)
            return pdf_printer(folder / _pdf_name(title), title)
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(title)
        # Should the clerk pick 打印到文件, the file is offered in the receipts folder, by number.
        printer.setOutputFileName(str(default_pdf_folder() / _pdf_name(title)))
        dialog = QPrintDialog(printer, self.parent_widget)
        dialog.setWindowTitle(title)
        # The platform print dialog is modal by nature (native on Windows): exec() it.
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        name = printer.printerName()
        if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
            self.remember_pdf_folder(Path(printer.outputFileName()).parent)
        elif name:
            self.remember_printer(name)
        return printer

    def ask_pdf_folder(self) -> Path | None:
        """The folder for the PDF files, asked once; it starts in the receipts folder."""
        start = default_pdf_folder()
        start.mkdir(parents=True, exist_ok=True)
        chooser = file_dialog(self.parent_widget, translate(
            "printing", "No printer is installed: choose the folder for the receipt PDF files"),
            str(start))
        chooser.setFileMode(QFileDialog.FileMode.Directory)
        chooser.setOption(QFileDialog.Option.ShowDirsOnly, True)
        # Asked in the middle of a print job, like the print dialog it stands in for.
        if chooser.exec() != QDialog.DialogCode.Accepted or not chooser.selectedFiles():
            return None
        return Path(chooser.selectedFiles()[0])

    def remember_pdf_folder(self, folder: Path) -> None:
        self.pdf_folder = str(folder)
        self.ctx.run(lambda ws: set_setting(ws, "pdf_folder", str(folder)),
                     parent=self.parent_widget)

    def remember_printer(self, name: str) -> None:
        self.printer_name = name
        self.ctx.run(lambda ws: set_setting(ws, "printer_name", name),
                     parent=self.parent_widget)

    # ---- jobs ------------------------------------------------------------------------------

    def print_receipt(self, series: str, number: str, *, reprint: bool = False,
                      on_done: Done | None = None) -> None:
        """Print (or 补打) one receipt and record it; ``on_done(ok, message)`` either way."""
        label = f"{series} {number}"
        title = fmt(translate("printing", "Receipt %1"), label)

        def finish(ok: bool, text: str) -> None:
            self.pending_changed.emit()
            if on_done is not None:
                on_done(ok, text)

        def failed(exc: BaseException) -> None:
            if reprint:
                finish(False, fmt(translate("printing", "Reprint of %1 failed: %2"), label,
                                  error_text(exc)))
            else:
                finish(False, fmt(translate("printing", "Printing failed: %1\nReceipt %2 is collected "
                                                 "but NOT printed yet. Check the printer, "
                                                 "then print it from the banner or the "
                                                 "Receipts page."), error_text(exc), label))

        printer = self.choose_printer(title)
        if printer is None:
            if reprint:
                finish(False, fmt(translate("printing", "Reprint of %1 cancelled."), label))
            else:
                finish(False, fmt(translate("printing", "Printing cancelled. Receipt %1 is collected "
                                                 "but NOT printed yet: print it from the "
                                                 "banner or the Receipts page."), label))
            return

        def recorded(_result: object) -> None:
            if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and not os.environ.get(
                    PRINT_TO_PDF_ENV):
                finish(True, fmt(translate("printing", "Receipt %1 printed to the PDF file %2."),
                                 label, printer.outputFileName()))
            else:
                finish(True, fmt(translate("printing", "Receipt %1 printed."), label))

        def painted(_pages: object) -> None:
            self.ctx.act(lambda ws: mark_printed(ws, number, series=series, reprint=reprint),
                         recorded, failed, changes=Changes.RECEIPTS)

        def got_pdf(data: bytes) -> None:
            self.thread.submit(lambda: paint_pdf(data, printer), painted, failed)

        self.ctx.run(lambda ws: receipt_pdf(ws, number, series=series, reprint=reprint),
                     got_pdf, failed)

    def print_refund_voucher(self, series: str, number: str, *, refund_id: str | None = None,
                             on_done: Done | None = None) -> None:
        """退费凭证 of the refunds on one receipt (or of ``refund_id``), for the resident to
        sign; nothing is recorded, it can be printed again at any time."""
        label = f"{series} {number}"

        def printed(printer: QPrinter) -> str:
            if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and not os.environ.get(
                    PRINT_TO_PDF_ENV):
                return fmt(translate("printing", "Refund voucher %1 saved as %2."), label,
                           printer.outputFileName())
            return fmt(translate("printing", "Refund voucher %1 printed."), label)

        self._print_paper(fmt(translate("printing", "Refund voucher %1"), label),
                          lambda ws: refund_voucher_pdf(ws, number, series=series,
                                                        refund_id=refund_id),
                          printed, on_done)

    def print_calibration(self, on_done: Done | None = None) -> None:
        self._print_paper(translate("printing", "Calibration page"), calibration_pdf,
                          lambda _printer: translate("printing", "Calibration page printed."),
                          on_done)

    def _print_paper(self, title: str, make_pdf: Callable[[Any], bytes],
                     printed: Callable[[QPrinter], str], on_done: Done | None) -> None:
        """A paper that records nothing when printed: its PDF made by the service, the printer
        chosen, painted off the GUI thread, ``on_done(ok, message)`` either way."""

        def finish(ok: bool, text: str) -> None:
            if on_done is not None:
                on_done(ok, text)

        def failed(exc: BaseException) -> None:
            finish(False, fmt(translate("printing", "Printing failed: %1"), error_text(exc)))

        printer = self.choose_printer(title)
        if printer is None:
            finish(False, translate("printing", "Printing cancelled."))
            return

        def got_pdf(data: bytes) -> None:
            self.thread.submit(lambda: paint_pdf(data, printer),
                               lambda _pages: finish(True, printed(printer)), failed)

        self.ctx.run(make_pdf, got_pdf, failed)

    def preview_receipt(self, series: str, number: str) -> None:
        """Show the receipt as it will print, without recording anything."""

        def show(data: bytes) -> None:
            dialog = QPrintPreviewDialog(self.parent_widget)
            dialog.setWindowTitle(fmt(translate("printing", "Preview of receipt %1"),
                                      f"{series} {number}"))
            dialog.paintRequested.connect(lambda printer: paint_pdf(data, printer))
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.resize(1000, 700)
            dialog.open()

        self.ctx.run(lambda ws: receipt_pdf(ws, number, series=series),
                     show, parent=self.parent_widget)
