"""The collect view (收款), the clerk's default screen — keyboard first (DESIGN §9).

Type a name, pinyin initials (wjg), ID digits or a household number; Enter opens the
highlighted household (Up/Down pick another); Ctrl+Enter asks for confirmation showing the
receipt number that will be used; Enter collects and prints, and focus is back in the search
box for the next household. Three keystrokes after the search text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.money import fen_to_capitals
from app.services.views.history import PAID, household_history
from app.services.village.books import next_receipt
from app.services.village.collect import CollectResult, collect_household, household_fees
from ui.changes import Changes
from ui.collect_confirm import ConfirmDialog
from ui.collect_search import HouseholdSearch, SearchBox
from ui.common import (
    AppContext,
    big_font,
    fmt,
    heading,
    message,
    show_error,
    side_by_side,
    table_view,
    yuan,
)
from ui.common import method_names as common_method_names
from ui.history_dialog import HistoryDialog
from ui.models import ALERT, RIGHT, CheckableRowsModel, Column, RowsModel
from ui.printing import PrintManager

# Alt+letter picks the method: the pinyin initial of its Chinese name (现金 X, 微信 W …).
_METHOD_KEYS = (("cash", "X"), ("wechat", "W"), ("bank", "Y"), ("other", "Q"))


class CollectView(QWidget):
    """Search on the left, the open household on the right."""

    # The open household: its members and their status, the fees, who is enrolled already.
    shows = Changes.ROSTER | Changes.PAYMENTS | Changes.CAMPAIGN
    # Collecting takes the next receipt number and records the payment (with its cash).
    collects = Changes.PAYMENTS | Changes.RECEIPTS | Changes.CASH

    def __init__(self, ctx: AppContext, printer: PrintManager) -> None:
        super().__init__()
        self.ctx = ctx
        self.printer = printer
        self.household: dict[str, Any] | None = None
        self.tier_code: str | None = None
        self.confirm_dialog: ConfirmDialog | None = None
        self.history_dialog: HistoryDialog | None = None
        self._load_seq = 0
        self._loading = False
        self._after_load: Callable[[], None] | None = None

        self.finder = HouseholdSearch(ctx)
        self.finder.chosen.connect(self.open_household)
        self.finder.nothing_found.connect(self._nothing_found)
        splitter = side_by_side(self, self.finder, self._build_panel(), [430, 900])
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            self._shortcut(keys, self.request_collect)
        self._shortcut("Esc", self.focus_search)
        for number in range(1, 10):
            self._shortcut(f"Alt+{number}", lambda n=number: self._tier_key(n - 1))
        ctx.data_changed.connect(self._data_changed)

    def _shortcut(self, keys: str, slot: Callable[[], None]) -> None:
        # Plain shortcuts rather than &-mnemonics: a mnemonic clicks after an animation delay
        # and does not fire reliably when keys come fast.
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # ---- layout --------------------------------------------------------------------------

    def _build_panel(self) -> QWidget:
        panel = QFrame()
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = heading(self.tr("Type in the search box and press Enter to open a "
                                     "household."), 13)
        self.title.setWordWrap(True)
        self.members_model = CheckableRowsModel([
            Column(self.tr("Name"), lambda r: r["name"]),
            Column(self.tr("ID number"), lambda r: r["id_masked"]),
            Column(self.tr("Status"), lambda r: r["status_label"],
                   color=lambda r: ALERT if r["status"] == "active" and r["collectable"]
                   else None),
            Column(self.tr("Category"), lambda r: r["category"] or ""),
            Column(self.tr("Price"), lambda r: yuan(r["price_fen"]), RIGHT),
            Column(self.tr("Subsidy"), lambda r: yuan(r["subsidy_fen"]) if r["subsidy_fen"]
                   else "", RIGHT),
            Column(self.tr("Payable"), self._payable, RIGHT),
        ], key=lambda r: r["person_id"], can_check=lambda r: r["collectable"], parent=self)
        self.members = table_view(self.members_model, stretch_column=2)
        self.members.installEventFilter(self)
        self.members_model.checked_changed.connect(self._update_total)

        self.tier_box = QHBoxLayout()
        self.tier_group = QButtonGroup(self)
        self.tier_group.idClicked.connect(self._tier_clicked)
        self.tier_buttons: list[tuple[str, QRadioButton]] = []
        tier_row = QHBoxLayout()
        tier_row.addWidget(QLabel(self.tr("Tier:")))
        tier_row.addLayout(self.tier_box)
        tier_row.addStretch(1)
        # 新生儿参保: covered from birth in the birth year, at that year's price, on a
        # receipt of its own; the panel then shows what that enrolment charges.
        self.newborn = QCheckBox(self.tr("Newborn: covered from birth in the birth year"))
        self.newborn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.newborn.toggled.connect(self._newborn_toggled)
        tier_row.addWidget(self.newborn)

        method_names = common_method_names()
        self.method_group = QButtonGroup(self)
        method_row = QHBoxLayout()
        method_row.addWidget(QLabel(self.tr("Method:")))
        self.method_buttons: dict[str, QRadioButton] = {}
        for index, (code, key) in enumerate(_METHOD_KEYS):
            button = QRadioButton(f"{method_names[code]} (Alt+{key})")
            button.setProperty("method", code)
            self.method_group.addButton(button, index)
            self.method_buttons[code] = button
            method_row.addWidget(button)
            self._shortcut(f"Alt+{key}", button.click)
        self.method_names = method_names
        self.method_buttons["cash"].setChecked(True)
        self.method_ref = QLineEdit()
        self.method_ref.setPlaceholderText(self.tr("Transaction reference"))
        self.method_ref.setEnabled(False)
        method_row.addWidget(self.method_ref, 1)
        self.method_group.idToggled.connect(lambda _i, _on: self._method_changed())

        self.override_label = QLabel(self.tr("Outside the collection period — reason:"))
        self.override_label.setStyleSheet("color: #b00020;")
        self.override = QLineEdit()
        override_row = QHBoxLayout()
        override_row.addWidget(self.override_label)
        override_row.addWidget(self.override, 1)
        self.override_label.hide()
        self.override.hide()

        self.total = heading("", 18)
        self.capitals = heading("", 14)
        self.collect_button = QPushButton(self.tr("Collect and print (Ctrl+Enter)"))
        self.collect_button.setFont(big_font(13))
        self.collect_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.collect_button.clicked.connect(self.request_collect)
        self.collect_button.setEnabled(False)
        total_row = QHBoxLayout()
        total_row.addWidget(self.total)
        total_row.addSpacing(16)
        total_row.addWidget(self.capitals)
        total_row.addStretch(1)
        total_row.addWidget(self.collect_button)

        self.note = QLabel()
        self.note.setWordWrap(True)
        self._note_about: str | None = None  # the household the note is about
        self._note_kind = ""
        self._note_load = 0
        self.keys_hint = QLabel(self.tr("Space: tick or untick a member · Alt+1/2: tier · "
                                        "Alt+X/W/Y/Q: method · Ctrl+Enter: collect · "
                                        "Esc: back to search"))
        self.keys_hint.setStyleSheet("color: #666;")
        self.keys_hint.setWordWrap(True)

        self.history_button = QPushButton(self.tr("Payment history (Alt+J)"))
        self.history_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay in the table
        self.history_button.setEnabled(False)
        self.history_button.clicked.connect(self.show_history)
        self._shortcut("Alt+J", self.show_history)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.history_button, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(panel)
        layout.addLayout(title_row)
        layout.addWidget(self.members, 1)
        # Who the county's lists (by file or sync) cover here, and from which list.
        self.county_note = QLabel()
        self.county_note.setWordWrap(True)
        self.county_note.setStyleSheet("color: #666;")
        self.county_note.setVisible(False)
        layout.addWidget(self.county_note)
        layout.addLayout(tier_row)
        layout.addLayout(method_row)
        layout.addLayout(override_row)
        layout.addLayout(total_row)
        layout.addWidget(self.note)
        layout.addWidget(self.keys_hint)
        return panel

    def _payable(self, member: dict[str, Any]) -> str:
        """The fee of a member still to pay; for one who paid this year the receipt that
        covered them (a fee beside a total of ¥0 reads as money owed)."""
        if member["collectable"]:
            return yuan(member["payable_fen"])
        receipt = member.get("paid_receipt")
        if receipt is None:
            return ""
        return fmt(self.tr("Paid · %1"), receipt) if receipt else self.tr("Paid")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.members and event.type() == QEvent.Type.KeyPress
                and QKeyEvent(event).key() == Qt.Key.Key_Space):
            current = self.members.currentIndex()
            if current.isValid():
                self.members_model.toggle(current.row())
            return True
        return super().eventFilter(watched, event)

    # ---- search ----------------------------------------------------------------------------

    @property
    def search(self) -> SearchBox:
        """The search box (the clerk types here; so do the tests and bench/gui_driver.py)."""
        return self.finder.search

    @property
    def results(self) -> QTableView:
        return self.finder.results

    @property
    def results_model(self) -> RowsModel:
        return self.finder.results_model

    def focus_search(self) -> None:
        self.finder.focus()

    def _nothing_found(self) -> None:
        self.say(self.tr("No household found. Try pinyin initials, the last digits of an ID "
                         "number or the household number."))

    # ---- the household --------------------------------------------------------------------

    def open_household(self, household_no: str, *, keep_checks: bool = False,
                       focus: bool = True) -> None:
        self._load_seq += 1
        seq = self._load_seq
        self._loading = True
        tier = self.tier_code
        checked = set(self.members_model.checked) if keep_checks else None

        newborn = self.newborn.isChecked()

        def fetch(ws: Any) -> dict[str, Any]:
            # A household just opened gets the tier to suggest (this year's, else last
            # year's); the clerk's own choice holds while the same household stays open.
            fees = household_fees(ws, household_no, tier if keep_checks else None,
                                  newborn=newborn)
            covered = {line.person_id: line.receipt for line in household_history(
                ws, household_no) if line.benefit_year == fees["benefit_year"]
                and line.state == PAID}
            for member in fees["members"]:
                member["paid_receipt"] = covered.get(member["person_id"])
            return fees

        def failed(exc: BaseException) -> None:
            if seq == self._load_seq:
                self._loading = False
                self._after_load = None
            show_error(self, exc)

        self.ctx.run(fetch, lambda fees: self._show_household(seq, fees, checked, focus),
                     failed)

    def _show_household(self, seq: int, fees: dict[str, Any], checked: set | None,
                        focus: bool) -> None:
        if seq != self._load_seq:
            return
        self._loading = False
        reopened = self.household is not None and \
            self.household["household_no"] == fees["household_no"]
        self.household = fees
        self.tier_code = fees["tier"]
        self.history_button.setEnabled(True)
        # A note about another household goes; so does one about this household when it is
        # shown again after a change (a receipt voided, a sync), but not the result of the
        # collection that just happened.
        if self._note_about != fees["household_no"] or (
                reopened and self._note_kind not in ("collected", "")
                and self._note_load < seq):
            self._forget_note()
        collectable = {m["person_id"] for m in fees["members"] if m["collectable"]}
        self.members_model.set_rows(
            fees["members"], checked=collectable if checked is None else checked & collectable)
        self._show_tiers(fees["tiers"], fees["tier"])
        listed = [f"{m['name']}：{m['status_label']}（{m['status_source']}）"
                  for m in fees["members"] if m.get("status_source")]
        self.county_note.setText(fmt(self.tr("From the county's lists, not collected: %1"),
                                     "；".join(listed)) if listed else "")
        self.county_note.setVisible(bool(listed))
        self.title.setText(fmt(self.tr("Household %1 · %2 · head %3"), fees["household_no"],
                               fees["group"] or "—", fees["head_name"]))
        outside = not fees["in_window"]
        self.override_label.setVisible(outside)
        self.override.setVisible(outside)
        if not collectable and checked is None:
            self.say(self.tr("Nobody in this household needs to pay: everyone is "
                                      "enrolled, paid elsewhere or not insurable."),
                     kind="nobody")
        elif collectable and self._note_kind == "nobody":
            self._forget_note()
        if focus:
            self.members.setFocus(Qt.FocusReason.OtherFocusReason)
            self.members.setCurrentIndex(self.members_model.index(0, 0))
        after, self._after_load = self._after_load, None
        if after is not None:
            after()

    def _show_tiers(self, tiers: list[dict[str, str]], current: str) -> None:
        codes = [code for code, _ in self.tier_buttons]
        if codes != [t["code"] for t in tiers]:
            for _, button in self.tier_buttons:
                self.tier_group.removeButton(button)
                button.deleteLater()
            self.tier_buttons = []
            for index, tier in enumerate(tiers):
                label = f"{tier['name']} (Alt+{index + 1})" if index < 9 else tier["name"]
                button = QRadioButton(label)
                button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
                self.tier_group.addButton(button, index)
                self.tier_box.addWidget(button)
                self.tier_buttons.append((tier["code"], button))
        for code, button in self.tier_buttons:
            button.setChecked(code == current)

    def show_history(self) -> None:
        """缴费记录 of the open household: which receipt covered whom, when."""
        if self.household is None:
            return
        dialog = HistoryDialog(self.ctx, self, self.household["household_no"],
                               self.household["head_name"])
        self.history_dialog = dialog
        dialog.finished.connect(self._history_closed)
        dialog.open()

    def _history_closed(self) -> None:
        # Back to the members with the window active: the collect shortcuts need both.
        self.history_dialog = None
        self.window().activateWindow()
        self.members.setFocus(Qt.FocusReason.OtherFocusReason)

    def _tier_key(self, index: int) -> None:
        if index < len(self.tier_buttons):
            self.tier_buttons[index][1].setChecked(True)
            self._tier_clicked(index)

    def _tier_clicked(self, index: int) -> None:
        code = self.tier_buttons[index][0]
        if self.household is None or code == self.tier_code:
            return
        self.tier_code = code
        self.open_household(self.household["household_no"], keep_checks=True)

    def _method_changed(self) -> None:
        cash = self.method() == "cash"
        focused = QApplication.focusWidget()
        if cash and (self.method_ref.hasFocus() or focused is None
                     or not self.isAncestorOf(focused)):
            # The reference box is about to be disabled: keep the keyboard in the view (its
            # Alt+1/2, Space and Ctrl+Enter shortcuts only work from inside it).
            self.members.setFocus(Qt.FocusReason.OtherFocusReason)
        self.method_ref.setEnabled(not cash)
        if cash:
            self._forget_note("reference")  # back to cash: no reference is asked for
        else:
            self.method_ref.setFocus()

    def method(self) -> str:
        button = self.method_group.checkedButton()
        return str(button.property("method")) if button else "cash"

    def _update_total(self) -> None:
        rows = self.members_model.checked_rows()
        total = sum(r["payable_fen"] for r in rows)
        self.total.setText(fmt(self.tr("Total %1"), yuan(total)))
        self.capitals.setText(fen_to_capitals(total))
        self.collect_button.setEnabled(bool(rows))

    def _data_changed(self, changes: Changes) -> None:
        if changes & self.shows:
            self._reload_if_open()

    def _reload_if_open(self) -> None:
        if self.household is not None and not self._loading:
            self.open_household(self.household["household_no"], keep_checks=True, focus=False)

    # ---- collecting -----------------------------------------------------------------------

    def request_collect(self) -> None:
        """Ctrl+Enter: check what can be checked here, then show the confirmation."""
        if self._loading:
            self._after_load = self.request_collect
            return
        if self.household is None:
            self.say(self.tr("Open a household first."))
            return
        rows = self.members_model.checked_rows()
        if not rows:
            self.say(self.tr("Tick at least one member to collect for."))
            return
        method = self.method()
        if method != "cash" and not self.method_ref.text().strip():
            self.say(self.tr("Enter the transaction reference for a non-cash "
                                      "payment."), kind="reference")
            self.method_ref.setFocus()
            return
        if not self.household["in_window"] and not self.override.text().strip():
            self.say(self.tr("Today is outside the collection period: enter the "
                                      "reason to collect anyway."))
            self.override.setFocus()
            return
        total = sum(r["payable_fen"] for r in rows)
        if total == 0:
            self._confirm(rows, total, None)
            return
        self.ctx.run(lambda ws: next_receipt(ws).label,
                     lambda label: self._confirm(rows, total, label), parent=self)

    def _confirm(self, rows: list[dict[str, Any]], total: int, label: str | None) -> None:
        assert self.household is not None
        tier_name = next(t["name"] for t in self.household["tiers"]
                         if t["code"] == self.tier_code)
        dialog = ConfirmDialog(self, household=self.household, members=len(rows),
                               tier_name=tier_name, method_name=self.method_names[self.method()],
                               total_fen=total, receipt_label=label,
                               cash=self.method() == "cash")
        self.confirm_dialog = dialog
        dialog.accepted.connect(lambda: self._collect(rows, label, total))
        dialog.rejected.connect(lambda: self.members.setFocus())
        dialog.finished.connect(lambda _r: setattr(self, "confirm_dialog", None))
        dialog.open()

    def _collect(self, rows: list[dict[str, Any]], label: str | None, total: int) -> None:
        assert self.household is not None
        household_no = self.household["household_no"]
        # Exactly the members and the total the clerk confirmed: if a sync changed either
        # while the dialog was open, the service refuses instead of charging something else.
        members = [r["person_id"] for r in rows]
        tier, method = self.tier_code, self.method()
        reference = self.method_ref.text().strip() or None
        newborn = bool(self.household.get("newborn"))
        override = None
        if not self.household["in_window"]:
            override = self.override.text().strip()

        def done(result: CollectResult) -> None:
            self.method_ref.clear()
            self.override.clear()
            self.newborn.setChecked(False)
            self.method_buttons["cash"].setChecked(True)
            self.focus_search()
            if result.receipt_no is None:
                self.say(fmt(self.tr("Enrolled household %1 (fully subsidised, no "
                                              "receipt)."), household_no), about=household_no,
                         kind="collected")
                return
            receipt = result.receipt_label
            self.say(fmt(self.tr("Collected %1 on receipt %2 — printing…"),
                                  yuan(result.amount_fen), receipt), about=household_no,
                     kind="collected")
            self.printer.print_receipt(
                result.series, result.receipt_no,
                on_done=lambda ok, text: self._printed(ok, text, result.amount_fen,
                                                       household_no))

        self.ctx.act(lambda ws: collect_household(
            ws, household_no=household_no, tier_code=tier, members=members, method=method,
            method_ref=reference, override_reason=override, expected_receipt=label,
            expected_total_fen=total, newborn=newborn),
            done, changes=self.collects, parent=self)

    def _newborn_toggled(self, _on: bool) -> None:
        if self.household is not None:
            self.open_household(self.household["household_no"])

    def say(self, text: str, *, alert: bool = False, about: str | None = None,
            kind: str = "") -> None:
        """The note under the panel. It belongs to one household (``about``, else the one
        open): opening another household, or this one again after something changed,
        clears it (a clerk must never read A's message beside B), and so does fixing what
        it asked for (``kind``)."""
        self.note.setText(text)
        self.note.setStyleSheet("color: #b00020; font-weight: bold;" if alert else "")
        self._note_about = about if about is not None else (
            self.household["household_no"] if self.household is not None else None)
        self._note_kind = kind if text else ""
        self._note_load = self._load_seq  # said after the loads asked for so far

    def _forget_note(self, kind: str | None = None) -> None:
        if kind is None or self._note_kind == kind:
            self.say("")

    def _printed(self, ok: bool, text: str, amount: int, household_no: str) -> None:
        if ok:  # the printing's own words say where a PDF file went
            self.say(fmt(self.tr("Collected %1, %2"), yuan(amount), text), about=household_no,
                     kind="collected")
            return
        self.say(text, alert=True, about=household_no, kind="print")
        message(self, text, icon=QMessageBox.Icon.Warning)
