"""The roster (花名册): households and their members, kept up to date by the collector;
import of last year's spreadsheet and the exports for the township."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.roster import ID_BIRTH_CERTIFICATE, ID_TYPES, REFUND_REASONS, RELATIONS, STATUSES
from app.services.views.households import household_detail
from app.services.views.listings import list_households
from app.services.village.roster import find_households
from ui.changes import Changes
from ui.common import (
    AppContext,
    Page,
    after_typing,
    fmt,
    heading,
    selected_row,
    side_by_side,
    table_view,
)
from ui.county_import_dialog import CountyListDialog
from ui.import_dialog import ExportMenu, RosterImportDialog
from ui.models import ALERT, MUTED, RIGHT, Column, RowsModel
from ui.roster_dialogs import (
    AssignIdDialog,
    EndEnrolmentDialog,
    HouseholdDialog,
    MemberDialog,
    MoveDialog,
    StatusDialog,
)


class RosterPage(Page):
    # The list shows the roster; the open household also shows this campaign's enrolments.
    shows = Changes.ROSTER | Changes.PAYMENTS | Changes.CAMPAIGN

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.detail: dict[str, Any] | None = None
        self.dialog: QWidget | None = None
        self._seq = 0

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search: name, initials, ID digits, household "
                                               "no. (empty lists all)"))
        self.search.setClearButtonEnabled(True)
        self.households_model = RowsModel([
            Column(self.tr("Household no."), lambda r: r["household_no"]),
            Column(self.tr("Head"), lambda r: r["head_name"]),
            Column(self.tr("Group"), lambda r: r["group"]),
            Column(self.tr("Members"), lambda r: r["members"], RIGHT),
        ], key=lambda r: r["household_id"], parent=self)
        self.households = table_view(self.households_model, stretch_column=1)
        self.count = QLabel()
        add_household = QPushButton(self.tr("New household…"))
        add_household.clicked.connect(self.new_household)
        self.import_button = QPushButton(self.tr("Import roster…"))
        self.import_button.clicked.connect(self.import_roster)
        # The county's lists (线上缴费 / 职工医保 / 重复参保): who is not to be collected.
        self.county_button = QPushButton(self.tr("County lists…"))
        self.county_button.clicked.connect(self.import_county_list)
        self.export_button = QPushButton(self.tr("Export"))
        self.export_button.setMenu(ExportMenu(ctx, self))
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.households, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.county_button)
        bottom.addWidget(self.export_button)
        bottom.addWidget(add_household)
        left_layout.addLayout(bottom)

        self.title = heading(self.tr("Choose a household"), 13)
        self.subtitle = QLabel()
        self.subtitle.setStyleSheet("color: #555;")
        self.edit_household_button = QPushButton(self.tr("Edit household…"))
        self.edit_household_button.clicked.connect(self.edit_household)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.edit_household_button)
        self.members_model = RowsModel([
            Column(self.tr("Name"), lambda r: r["name"]),
            Column(self.tr("Relation"), lambda r: RELATIONS.get(r["relation"], r["relation"])),
            Column(self.tr("Certificate"), lambda r: ID_TYPES.get(r["id_type"], r["id_type"])),
            Column(self.tr("Number"), lambda r: r["id_masked"]),
            Column(self.tr("Sex"), lambda r: {1: self.tr("M"), 2: self.tr("F")}.get(r["sex"], "")),
            Column(self.tr("Born"), lambda r: r["birth_date"] or ""),
            Column(self.tr("Status"), lambda r: STATUSES[r["status"]],
                   color=lambda r: None if r["status"] == "active" else MUTED),
            Column(self.tr("This year"), self._enrolment_text,
                   color=lambda r: MUTED if (r.get("enrolment") or {}).get("state")
                   in ("ended", "elsewhere") else None),
            Column(self.tr("Categories"), lambda r: r["category_names"],
                   color=lambda r: ALERT if r["category_names"] else None),
            Column(self.tr("Residence"), lambda r: self.tr("non-local")
                   if r["residence"] == "nonlocal" else self.tr("local")),
            Column(self.tr("Phone"), lambda r: r["phone"]),
        ], key=lambda r: r["person_id"], parent=self)
        self.members = table_view(self.members_model)
        self.members.doubleClicked.connect(lambda _i: self.edit_member())

        self.member_buttons: list[QPushButton] = []
        buttons = QHBoxLayout()
        for text, slot, needs_member in (
                (self.tr("Add member…"), self.add_member, False),
                (self.tr("Register newborn…"), self.add_newborn, False),
                (self.tr("Edit member…"), self.edit_member, True),
                (self.tr("Add ID number…"), self.assign_id, True),
                (self.tr("Change status…"), self.change_status, True),
                (self.tr("Move to household…"), self.move_member, True),
                (self.tr("End enrolment…"), self.end_enrolment, True)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            button.setProperty("needs_member", needs_member)
            buttons.addWidget(button)
            self.member_buttons.append(button)
        buttons.addStretch(1)
        note = QLabel(self.tr("Subsidy categories come from the township's certified lists and "
                              "are read-only here."))
        note.setStyleSheet("color: #555;")
        note.setWordWrap(True)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(title_row)
        right_layout.addWidget(self.subtitle)
        right_layout.addWidget(self.members, 1)
        right_layout.addLayout(buttons)
        right_layout.addWidget(note)

        side_by_side(self, left, right, [420, 920])
        self._timer = after_typing(self.search, self.refresh_list)
        self.households.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._household_chosen(current.row()))
        self.members.selectionModel().currentRowChanged.connect(
            lambda _c, _p: self._update_buttons())
        self._update_buttons()

    # ---- loading ------------------------------------------------------------------------------

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        if changes & Changes.ROSTER:
            self.refresh_list()
        if self.detail is not None:
            self.open_household(self.detail["household_no"])

    def refresh_list(self) -> None:
        self._seq += 1
        seq, query = self._seq, self.search.text().strip()
        fetch = (lambda ws: find_households(ws, query)) if query else list_households
        self.ctx.run(fetch, lambda rows: self._show_list(seq, rows), parent=self)

    def _show_list(self, seq: int, rows: list[dict[str, Any]]) -> None:
        if seq != self._seq:
            return
        current = self.detail["household_id"] if self.detail else None
        self.households_model.set_rows(rows)
        self.count.setText(fmt(self.tr("%1 households"), len(rows)))
        position = self.households_model.position_of(current) if current else None
        if position is not None:
            self.households.selectRow(position)

    def _household_chosen(self, position: int) -> None:
        if position >= 0:
            self.open_household(self.households_model.row_at(position)["household_no"])

    def open_household(self, household_no: str) -> None:
        self.ctx.run(lambda ws: household_detail(ws, household_no), self._show_detail,
                     parent=self)

    def _show_detail(self, detail: dict[str, Any]) -> None:
        selected = self.selected_member()
        self.detail = detail
        self.title.setText(fmt(self.tr("Household %1 · head %2"), detail["household_no"],
                               detail["head_name"]))
        self.subtitle.setText(" · ".join(part for part in (
            detail["group"], detail["address"], detail["phone"]) if part))
        self.members_model.set_rows(detail["members"])
        position = (self.members_model.position_of(selected["person_id"])
                    if selected else None)
        self.members.selectRow(position if position is not None else 0)
        self._update_buttons()

    def _enrolment_text(self, row: dict[str, Any]) -> str:
        """The member in this campaign, as the ledger has it: 已参保 on which receipt, 未缴费,
        ended for a reason, or enrolled elsewhere."""
        enrolment = row.get("enrolment")
        if not enrolment:
            return ""
        reason = REFUND_REASONS.get(enrolment["reason"] or "", enrolment["reason"] or "")
        if enrolment["state"] == "enrolled":
            return fmt(self.tr("Enrolled (receipt %1)"), enrolment["receipt_no"]) \
                if enrolment["receipt_no"] else self.tr("Enrolled")
        if enrolment["state"] == "elsewhere":
            return fmt(self.tr("Enrolled elsewhere (%1)"), reason)
        if enrolment["state"] == "ended":
            return fmt(self.tr("Ended (%1)"), reason)
        return self.tr("Not paid")

    def selected_member(self) -> dict[str, Any] | None:
        return selected_row(self.members, self.members_model)

    def _update_buttons(self) -> None:
        has_household = self.detail is not None
        member = self.selected_member()
        self.edit_household_button.setEnabled(has_household)
        for button in self.member_buttons:
            needs_member = bool(button.property("needs_member"))
            button.setEnabled(has_household and (member is not None or not needs_member))
        if member is not None:
            self.member_buttons[3].setEnabled(member["id_type"] == ID_BIRTH_CERTIFICATE)

    # ---- actions ------------------------------------------------------------------------------

    def _open(self, dialog: QWidget) -> None:
        self.dialog = dialog
        dialog.open()  # type: ignore[attr-defined]

    def _groups(self) -> list[str]:
        return sorted({r["group"] for r in self.households_model.rows() if r["group"]})

    def new_household(self) -> None:
        dialog = HouseholdDialog(self.ctx, self, household=None, groups=self._groups())

        def added(result: dict[str, Any]) -> None:
            self.search.setText(result["household_no"])
            self.open_household(result["household_no"])
            # A new household starts with its head: ask for the head's details straight away.
            self._open(MemberDialog(self.ctx, self, household_no=result["household_no"],
                                    name=result["head_name"], relation="02"))

        dialog.succeeded.connect(added)
        self._open(dialog)

    def import_roster(self) -> None:
        self._open(RosterImportDialog(self.ctx, self))

    def import_county_list(self) -> None:
        self._open(CountyListDialog(self.ctx, self))

    def edit_household(self) -> None:
        if self.detail is not None:
            self._open(HouseholdDialog(self.ctx, self, household=self.detail,
                                       groups=self._groups()))

    def add_member(self) -> None:
        if self.detail is not None:
            self._open(MemberDialog(self.ctx, self, household_no=self.detail["household_no"]))

    def add_newborn(self) -> None:
        if self.detail is not None:
            self._open(MemberDialog(self.ctx, self, household_no=self.detail["household_no"],
                                    newborn=True))

    def edit_member(self) -> None:
        member = self.selected_member()
        if self.detail is not None and member is not None:
            self._open(MemberDialog(self.ctx, self, household_no=self.detail["household_no"],
                                    member=member))

    def assign_id(self) -> None:
        member = self.selected_member()
        if member is not None:
            self._open(AssignIdDialog(self.ctx, self, member))

    def change_status(self) -> None:
        member = self.selected_member()
        if member is not None:
            self._open(StatusDialog(self.ctx, self, member))

    def end_enrolment(self) -> None:
        member = self.selected_member()
        if member is not None:
            self._open(EndEnrolmentDialog(self.ctx, self, member))

    def move_member(self) -> None:
        member = self.selected_member()
        if self.detail is not None and member is not None:
            self._open(MoveDialog(self.ctx, self, member, self.detail["household_no"]))

