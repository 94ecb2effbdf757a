"""The collect view's search: the box, the households found, and which one to open.

A name, pinyin initials (wjg), ID digits or a household number; Up/Down pick another result
while the typing stays in the box; Enter opens the highlighted household — typed before the
results arrived, it opens the first of the latest search, never one of an older one.

Every keystroke searches, without a typing pause: a search takes about a millisecond on the
database thread. One search is on its way at a time; text typed meanwhile is searched when it
returns, and an answer for an older text is dropped, never shown after a newer one.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from app.services.village.roster import find_households
from ui.common import AppContext, big_font, show_error, table_view
from ui.models import RIGHT, Column, RowsModel

_NAVIGATION_KEYS = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1,
                    Qt.Key.Key_PageDown: 10, Qt.Key.Key_PageUp: -10}


class SearchBox(QLineEdit):
    """Up/Down move through the results while the typing stays in the box."""

    navigate = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = _NAVIGATION_KEYS.get(Qt.Key(event.key()))
        if step is not None:
            self.navigate.emit(step)
            return
        super().keyPressEvent(event)


class HouseholdSearch(QWidget):
    """``chosen`` names the household to open; ``nothing_found`` says Enter found none;
    ``results_shown`` names the text whose results the table now shows."""

    chosen = Signal(str)
    nothing_found = Signal()
    results_shown = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._search_seq = 0  # one more at every change of the text
        self._answered_seq = 0
        self._in_flight = False
        self._open_when_found = False

        self.search = SearchBox()
        self.search.setPlaceholderText(self.tr("Name, pinyin initials (wjg), ID digits or "
                                               "household number"))
        self.search.setFont(big_font(14, bold=False))
        self.search.setClearButtonEnabled(True)
        self.results_model = RowsModel([
            Column(self.tr("Head"), lambda r: r["head_name"]),
            Column(self.tr("Household no."), lambda r: r["household_no"]),
            Column(self.tr("Group"), lambda r: r["group"]),
            Column(self.tr("Members"), lambda r: r["members"], RIGHT),
            Column(self.tr("Matched"), lambda r: r["matched"]
                   if r["matched"] != r["head_name"] else ""),
        ], key=lambda r: r["household_id"], parent=self)
        self.results = table_view(self.results_model)
        self.results.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.search_hint = QLabel(self.tr("Enter: open · ↑↓: choose"))
        self.search_hint.setStyleSheet("color: #666;")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.search_hint)

        self.search.textChanged.connect(self._text_changed)
        self.search.returnPressed.connect(self._enter_in_search)
        self.search.navigate.connect(self._move_selection)
        self.results.activated.connect(lambda _index: self.open_selected())

    def focus(self) -> None:
        # Back from the confirmation dialog the window may not be active again yet.
        self.window().activateWindow()
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    @property
    def searching(self) -> bool:
        """Whether the results shown are not yet those of the text in the box."""
        return self._answered_seq != self._search_seq

    def _text_changed(self, text: str) -> None:
        self._search_seq += 1
        if not self._in_flight or not text.strip():  # an empty box needs no database
            self._run_search()

    def _run_search(self) -> None:
        seq = self._search_seq
        query = self.search.text().strip()
        if not query:
            self._open_when_found = False
            self._show_results(seq, [])
            return
        self._in_flight = True
        self.ctx.run(lambda ws: find_households(ws, query),
                     lambda rows: self._answered(seq, rows),
                     lambda exc: self._failed(seq, exc), parent=self)

    def _answered(self, seq: int, rows: list[dict[str, Any]]) -> None:
        self._in_flight = False
        if seq != self._search_seq:
            if self.searching:  # the clerk typed on meanwhile: only the newest text is asked
                self._run_search()
            return
        self._show_results(seq, rows)

    def _failed(self, seq: int, exc: BaseException) -> None:
        self._in_flight = False
        if seq != self._search_seq:
            if self.searching:  # the text it failed for is gone already
                self._run_search()
            return
        self._open_when_found = False
        self._show_results(seq, [])  # found nothing, rather than an older text's results
        show_error(self, exc)

    def _show_results(self, seq: int, rows: list[dict[str, Any]]) -> None:
        self._answered_seq = seq
        self.results_model.set_rows(rows)
        if rows:
            self.results.selectRow(0)
        self.results_shown.emit(self.search.text())
        if self._open_when_found:
            self._open_when_found = False
            self.open_selected()

    def _enter_in_search(self) -> None:
        if self.searching:
            # Enter typed before the results arrived: open the first one when they do.
            self._open_when_found = True
            return
        self.open_selected()

    def _move_selection(self, step: int) -> None:
        count = self.results_model.rowCount()
        if not count:
            return
        current = self.results.currentIndex().row()
        self.results.selectRow(max(0, min(count - 1, current + step)))

    def open_selected(self) -> None:
        index = self.results.currentIndex()
        if not index.isValid():
            if self.search.text().strip():
                self.nothing_found.emit()
            return
        self.chosen.emit(self.results_model.row_at(index.row())["household_no"])
