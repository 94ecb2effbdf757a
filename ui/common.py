"""Small pieces every page uses: text formatting, non-blocking messages, the action context.

Dialogs and message boxes open with ``open()`` rather than ``exec()``: a nested event loop
would let a queued worker result arrive in the middle of a half-finished action, and it would
also stall the tests that drive the window.

Every action says what it changes (ui.changes); pages and the status bar reload only for the
kinds they show.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QCoreApplication, QFileInfo, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QFileIconProvider,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import ValidationError, YibaoError
from app.domain.money import format_fen, parse_yuan
from app.services.base.workspace import Workspace
from db.connection import storage_failure
from ui.changes import Changes
from ui.models import RIGHT, Column, RowsModel
from ui.worker import ServiceWorker

log = logging.getLogger(__name__)
# How long typing must pause before a search or a check runs on the worker.
TYPING_PAUSE_MS = 150


def fmt(text: str, *args: object) -> str:
    """Fill Qt-style %1, %2 … placeholders (translators may reorder them)."""
    for index in range(len(args), 0, -1):
        text = text.replace(f"%{index}", str(args[index - 1]))
    return text


def yuan(fen: int) -> str:
    return format_fen(fen, symbol=True)


def translate(context: str, text: str) -> str:
    """Translate outside a QObject method; lupdate finds these through the call itself."""
    return QCoreApplication.translate(context, text)


def method_names() -> dict[str, str]:
    """Payment methods as the clerk reads them (app.domain.roster.METHODS codes)."""
    return {"cash": translate("common", "Cash"), "wechat": translate("common", "WeChat"),
            "bank": translate("common", "Bank transfer"), "other": translate("common", "Other")}


def error_text(exc: BaseException) -> str:
    if isinstance(exc, YibaoError):
        return exc.message
    named = storage_failure(exc)  # a full disk, a damaged file: said as such, not "unexpected"
    if named is not None:
        return named.message
    return fmt(translate("common", "Unexpected error: %1. The details were written to the log file."),
               type(exc).__name__)


_unparented: set[QMessageBox] = set()


def message(parent: QWidget | None, text: str, *, title: str | None = None,
            icon: QMessageBox.Icon = QMessageBox.Icon.Information) -> QMessageBox:
    """A message box that does not block the event loop; it deletes itself when closed."""
    box = QMessageBox(icon, title or translate("common", "Yibao Collect"), text,
                      QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if parent is None:
        # Nothing else holds a parentless box: without this reference Python would delete it
        # the moment this function returns.
        _unparented.add(box)
        box.finished.connect(lambda _result: _unparented.discard(box))
    box.open()
    return box


def show_error(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    icon = QMessageBox.Icon.Warning if isinstance(exc, YibaoError) else QMessageBox.Icon.Critical
    return message(parent, error_text(exc), icon=icon)


# 标准 / 大 / 特大 (the settings page): every font in the window grows by the same factor.
FONT_SCALES = {"standard": 1.0, "large": 1.25, "largest": 1.5}
# Set by apply_font_size; big_font uses it so a widget made later has the same size.
_font_scale = 1.0
_OWN_POINTS = "yibao_points"  # a widget's own font size at 标准, kept while it is scaled
_OWN_SHEET = "yibao_sheet"  # a widget's style sheet at 标准
_POINTS = re.compile(r"font-size:\s*(\d+(?:\.\d+)?)pt")
# QFont::SizeResolved: the font of a widget that set its own size (PySide6 has no name for it).
_SIZE_RESOLVED = 0x2


def big_font(points: int, *, bold: bool = True) -> QFont:
    font = QFont()
    font.setPointSizeF(points * _font_scale)
    font.setBold(bold)
    return font


def scaled(pixels: int) -> int:
    """A fixed size in pixels (a dialog's width, a table's height) at the chosen font size."""
    return round(pixels * _font_scale)


def apply_font_size(size: str) -> None:
    """Scale the application font and every widget that set a size of its own (headings,
    the big buttons) by ``FONT_SCALES[size]``; layouts follow their widgets' size hints."""
    global _font_scale
    app = QApplication.instance()
    scale = FONT_SCALES.get(size, 1.0)
    if not isinstance(app, QApplication) or scale == _font_scale:
        return
    base = QFont(app.font())
    base.setPointSizeF(base.pointSizeF() / _font_scale * scale)
    for widget in app.allWidgets():
        font = widget.font()
        if not font.resolveMask() & _SIZE_RESOLVED:
            continue  # it follows the application font
        own = widget.property(_OWN_POINTS) or font.pointSizeF() / _font_scale
        widget.setProperty(_OWN_POINTS, own)
        font.setPointSizeF(own * scale)
        widget.setFont(font)
    _font_scale = scale
    app.setFont(base)
    # A widget under a style sheet keeps the font it was polished with: polish them again so
    # they take the new application font, with the sizes the sheet names (the tabs, the red
    # warnings) scaled from what they are at 标准.
    for widget in app.allWidgets():
        sheet = widget.property(_OWN_SHEET) or widget.styleSheet()
        if sheet:
            widget.setProperty(_OWN_SHEET, sheet)
            widget.setStyleSheet(_POINTS.sub(
                lambda m: f"font-size: {float(m[1]) * scale:g}pt", sheet))


def scrolling_layout(page: QWidget) -> QVBoxLayout:
    """The layout of a page whose content scrolls when the window is too small for it (a
    1366×768 laptop at the 大 font size): without it the tallest page would set the whole
    window's minimum height and push the status bar off the screen."""
    inner = QWidget()
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(inner)
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    return QVBoxLayout(inner)


def heading(text: str = "", points: int = 14) -> QLabel:
    label = QLabel(text)
    label.setFont(big_font(points))
    return label


def table_view(model: Any, *, stretch_column: int | None = None) -> QTableView:
    """A read-only, whole-row-selecting table as every list in the app uses."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setHighlightSections(False)
    if stretch_column is not None:
        header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    return view


def selected_row(view: QTableView, model: Any) -> dict[str, Any] | None:
    """The row of ``model`` (a RowsModel shown unfiltered in ``view``) that is selected."""
    index = view.currentIndex()
    return model.row_at(index.row()) if index.isValid() else None


def after_typing(edit: QLineEdit, slot: Callable[[], None]) -> QTimer:
    """A timer that runs ``slot`` once typing in ``edit`` pauses; ``start()`` it to run soon."""
    timer = QTimer(edit)
    timer.setSingleShot(True)
    timer.setInterval(TYPING_PAUSE_MS)
    timer.timeout.connect(slot)
    edit.textChanged.connect(lambda _text: timer.start())
    return timer


def side_by_side(page: QWidget, left: QWidget, right: QWidget, sizes: list[int]) -> QSplitter:
    """A list on the left and what is open on the right, filling ``page``."""
    splitter = QSplitter()
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setSizes(sizes)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(6, 6, 6, 6)
    layout.addWidget(splitter)
    return splitter


class AppContext(QObject):
    """What every page needs: the workspace, the DB worker, and a signal after any change.

    ``data_changed`` carries what an action changed (``Changes``), so the status bar and the
    pages show the new state without each action knowing who displays what.
    """

    data_changed = Signal(object)

    def __init__(self, ws: Workspace, worker: ServiceWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.worker = worker

    def run(self, fn: Callable[[Workspace], Any], on_ok: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None, *,
            parent: QWidget | None = None) -> int:
        """Run ``fn(ws)`` on the DB thread; errors default to a message box over ``parent``."""
        ws = self.ws

        def default_error(exc: BaseException) -> None:
            show_error(parent, exc)

        return self.worker.submit(lambda: fn(ws), on_ok, on_error or default_error)

    def act(self, fn: Callable[[Workspace], Any], on_ok: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None, *, changes: Changes,
            parent: QWidget | None = None) -> int:
        """Like ``run`` for an action that changes data: afterwards whoever shows ``changes``
        refreshes."""

        def done(result: Any) -> None:
            if on_ok is not None:
                on_ok(result)
            self.data_changed.emit(changes)

        return self.run(fn, done, on_error, parent=parent)


class Page(QWidget):
    """A tab that reloads when what it ``shows`` changed: at once if visible, else when next
    shown (with every kind that changed meanwhile)."""

    shows: ClassVar[Changes]

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._stale = Changes.EVERYTHING  # nothing loaded yet
        ctx.data_changed.connect(self._data_changed)

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        """Reload what ``changes`` touched (a page may reload everything it shows)."""
        raise NotImplementedError

    def _data_changed(self, changes: Changes) -> None:
        mine = changes & self.shows
        if not mine:
            return
        if self.isVisible():
            self.refresh(mine)
        else:
            self._stale |= mine

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            stale, self._stale = self._stale, Changes.NONE
            self.refresh(stale)


class ActionDialog(QDialog):
    """A form whose OK runs one service action; problems show inside the dialog.

    Subclasses put their fields in ``form``, implement ``action()`` returning the function
    to run on the worker (or None after saying what is missing) and say what it ``changes``.
    """

    succeeded = Signal(object)
    changes: ClassVar[Changes]

    def __init__(self, ctx: AppContext, parent: QWidget, title: str, ok_text: str) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(scaled(520))
        self.form = QFormLayout()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.ok_button = QPushButton(ok_text)
        self.ok_button.setDefault(True)
        self.cancel_button = QPushButton(translate("common", "Cancel"))
        self.cancel_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        # Where the action runs: the database worker unless a dialog needs another (network).
        self.run_action: Callable[..., Any] = ctx.act

    def action(self) -> Callable[[Workspace], Any] | None:
        raise NotImplementedError

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.fit()

    def fit(self) -> None:
        """Grow to what the form now needs: a wrapped message or warning that appears after
        the dialog was shown would otherwise squash the fields above it."""
        layout = self.layout()
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() \
            else layout.totalSizeHint().height()
        if needed > self.height():
            self.resize(self.width(), needed)

    def typed_fen(self, edit: QLineEdit) -> int | None:
        """The amount typed in ``edit`` (yuan) in fen; None after saying what is wrong."""
        try:
            return parse_yuan(edit.text())
        except ValidationError as exc:
            self.say(exc.message)
            return None

    def submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        fn = self.action()
        if fn is None:
            return
        self.ok_button.setEnabled(False)
        self.say("")

        def ok(result: Any) -> None:
            self.succeeded.emit(result)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.ok_button.setEnabled(True)
            self.say(error_text(exc))

        self.run_action(fn, ok, failed, changes=self.changes)


class _KindIcons(QFileIconProvider):
    """File-dialog icons by kind only (folder or file). Qt's own provider opens each file to
    guess its type, and on POSIX closing that handle drops this process's SQLite locks on the
    database it looked at (db/applock.py)."""

    def icon(self, what: object) -> object:  # type: ignore[override]
        if isinstance(what, QFileInfo):
            kind = QFileIconProvider.IconType.Folder if what.isDir() \
                else QFileIconProvider.IconType.File
            return super().icon(kind)
        return super().icon(what)  # type: ignore[arg-type]

    def type(self, info: QFileInfo) -> str:  # type: ignore[override]
        if info.isDir():
            return QCoreApplication.translate("FileDialog", "Folder")
        suffix = info.suffix().upper()
        return fmt(QCoreApplication.translate("FileDialog", "%1 file"), suffix) if suffix \
            else QCoreApplication.translate("FileDialog", "File")


def file_dialog(parent: QWidget | None, title: str, directory: str) -> QFileDialog:
    """A file dialog that never opens the files it lists (see :class:`_KindIcons`)."""
    dialog = QFileDialog(parent, title, directory)
    dialog.setIconProvider(_KindIcons())
    return dialog


def choose_spreadsheet(owner: QWidget, title: str, target: QLineEdit) -> QFileDialog:
    """The file dialog of an import: an existing .xlsx or .csv, its path put in ``target``.
    The caller keeps the returned dialog alive while it is open."""
    chooser = file_dialog(owner, title, str(Path.home()))
    chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
    chooser.setNameFilter(translate("common", "Spreadsheets (*.xlsx *.csv)"))
    chooser.fileSelected.connect(target.setText)
    chooser.open()
    return chooser


def rejected_rows_table(parent: QWidget) -> tuple[RowsModel, QTableView]:
    """The table of an import's rejected rows: row, column, reason."""
    model = RowsModel([
        Column(translate("common", "Row"), lambda r: r["row"], RIGHT),
        Column(translate("common", "Column"), lambda r: r["column"]),
        Column(translate("common", "Reason"), lambda r: r["reason"]),
    ], key=lambda r: (r["row"], r["column"], r["reason"]), parent=parent)
    return model, table_view(model, stretch_column=2)
