"""Roster dialogs: household, member (and newborn), status, move, ID number assignment.

Certificate numbers are checked as they are typed — on the worker, after a short pause,
answers to older text dropped — with the service's own message (check_certificate), and a
warning when the number is already in the roster.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QWidget,
)

from app.domain.roster import (
    ID_BIRTH_CERTIFICATE,
    ID_RESIDENT,
    ID_TYPES,
    REFUND_REASONS,
    RELATIONS,
    STATUSES,
)
from app.services.base.workspace import Workspace
from app.services.views.households import certificate_check
from app.services.village.refunds import end_enrolment
from app.services.village.roster import (
    add_household,
    add_person,
    assign_id_number,
    find_households,
    move_person,
    set_person_status,
    update_household,
    update_person,
)
from ui.changes import Changes
from ui.common import ActionDialog, AppContext, after_typing, error_text, fmt, table_view
from ui.models import Column, RowsModel

OK_STYLE = "color: #1b5e20;"
WARN_STYLE = "color: #e65100; font-weight: bold;"
BAD_STYLE = "color: #b00020;"


def _combo(items: dict[str, str], current: str | None = None) -> QComboBox:
    box = QComboBox()
    for code, name in items.items():
        box.addItem(name, code)
    if current is not None:
        box.setCurrentIndex(max(0, box.findData(current)))
    return box


class CertificateChecker(QObject):
    """Watches a certificate field and shows what the service says about it."""

    changed = Signal()

    def __init__(self, ctx: AppContext, edit: QLineEdit, label: QLabel,
                 inputs: Callable[[], tuple[str, int | None, date | None]]) -> None:
        super().__init__(edit)
        self.ctx = ctx
        self.edit = edit
        self.label = label
        self.inputs = inputs
        self.result: dict[str, Any] | None = None
        self.error: str | None = None
        self._seq = 0
        self._answered = 0
        self._timer = after_typing(edit, self.check_now)

    @property
    def settled(self) -> bool:
        return not self._timer.isActive() and self._answered == self._seq

    def check_now(self) -> None:
        self._timer.stop()
        self._seq += 1
        seq = self._seq
        number = self.edit.text().strip()
        if not number:
            self._answer(seq, None, "")
            return
        id_type, sex, birth = self.inputs()
        self.ctx.run(lambda ws: certificate_check(ws, id_type, number, sex=sex, birth_date=birth),
                     lambda result: self._answer(seq, result, None),
                     lambda exc: self._answer(seq, None, error_text(exc)))

    def _answer(self, seq: int, result: dict[str, Any] | None, error: str | None) -> None:
        if seq != self._seq:
            return
        self._answered = seq
        self.result, self.error = result, error or None
        if error:
            self.label.setStyleSheet(BAD_STYLE)
            self.label.setText("✗ " + error)
        elif result is None:
            self.label.setText("")
        elif result["holders"]:
            self.label.setStyleSheet(WARN_STYLE)
            self.label.setText("⚠ " + fmt(self.tr("Already in the roster: household %1 (%2). "
                                                  "The same certificate cannot be registered "
                                                  "twice."),
                                          result["holders"][0]["household_no"],
                                          result["holders"][0]["name"]))
        else:
            self.label.setStyleSheet(OK_STYLE)
            if result["id_type"] == ID_RESIDENT:
                sex = self.tr("male") if result["sex"] == 1 else self.tr("female")
                self.label.setText("✓ " + fmt(self.tr("Valid ID number: %1, born %2"), sex,
                                              result["birth_date"]))
            else:
                self.label.setText("✓ " + self.tr("Format accepted"))
        self.changed.emit()


class HouseholdDialog(ActionDialog):
    changes = Changes.ROSTER

    def __init__(self, ctx: AppContext, parent: QWidget, *, household: dict[str, Any] | None,
                 groups: list[str]) -> None:
        editing = household is not None
        super().__init__(ctx, parent,
                         self.tr("Edit household") if editing else self.tr("New household"),
                         self.tr("Save"))
        self.household = household
        self.number = QLineEdit(household["household_no"] if household else "")
        self.number.setReadOnly(editing)
        self.head = QLineEdit(household["head_name"] if household else "")
        self.group = QComboBox()
        self.group.setEditable(True)
        self.group.addItems(groups)
        self.group.setCurrentText(household["group"] if household else "")
        self.address = QLineEdit(household["address"] if household else "")
        self.phone = QLineEdit(household["phone"] if household else "")
        self.form.addRow(self.tr("Household no."), self.number)
        self.form.addRow(self.tr("Head of household"), self.head)
        self.form.addRow(self.tr("Group (村民小组)"), self.group)
        self.form.addRow(self.tr("Address"), self.address)
        self.form.addRow(self.tr("Phone"), self.phone)
        (self.head if editing else self.number).setFocus()

    def action(self) -> Callable[[Workspace], Any] | None:
        number, head = self.number.text().strip(), self.head.text().strip()
        group, address = self.group.currentText().strip(), self.address.text().strip()
        phone = self.phone.text().strip()
        if not number or not head:
            self.say(self.tr("The household number and the head's name are required."))
            return None
        if self.household is None:
            return lambda ws: add_household(ws, household_no=number, head_name=head, group=group,
                                            address=address, phone=phone)
        old = self.household
        changes = {key: value for key, value, before in (
            ("head_name", head, old["head_name"]), ("group", group, old["group"]),
            ("address", address, old["address"]), ("phone", phone, old["phone"]))
            if value != (before or "")}
        return lambda ws: update_household(ws, number, **changes)


class MemberDialog(ActionDialog):
    """Add a member (or a newborn with a birth certificate), or edit one."""

    changes = Changes.ROSTER

    def __init__(self, ctx: AppContext, parent: QWidget, *, household_no: str,
                 member: dict[str, Any] | None = None, newborn: bool = False,
                 name: str = "", relation: str | None = None) -> None:
        if member is not None:
            title = self.tr("Edit member")
        elif newborn:
            title = self.tr("Register a newborn")
        else:
            title = self.tr("New member")
        super().__init__(ctx, parent, title, self.tr("Save"))
        self.household_no = household_no
        self.member = member
        self.newborn = newborn
        self.name = QLineEdit(member["name"] if member else name)
        default_relation = relation or ("20" if newborn else "99")
        self.relation = _combo(RELATIONS, member["relation"] if member else default_relation)
        self.residence = _combo({"local": self.tr("Local household registration"),
                                 "nonlocal": self.tr("Non-local (residence permit)")},
                                member["residence"] if member else "local")
        self.ethnicity = QLineEdit(member["ethnicity"] if member else "")
        self.phone = QLineEdit(member["phone"] if member else "")
        self.note = QLineEdit(member["note"] if member else "")
        self.form.addRow(self.tr("Name"), self.name)
        self.form.addRow(self.tr("Relation to head"), self.relation)
        self.checker: CertificateChecker | None = None
        if member is None:
            self._certificate_fields()
        else:
            certificate = QLabel(f"{ID_TYPES.get(member['id_type'], member['id_type'])} "
                                 f"{member['id_masked']}")
            self.form.addRow(self.tr("Certificate"), certificate)
        self.form.addRow(self.tr("Residence"), self.residence)
        self.form.addRow(self.tr("Ethnicity"), self.ethnicity)
        self.form.addRow(self.tr("Phone"), self.phone)
        self.form.addRow(self.tr("Note"), self.note)
        categories = member["category_names"] if member else ""
        shown = QLabel((categories or self.tr("none")) + "　" +
                       self.tr("(certified by the township; collectors cannot change them)"))
        shown.setWordWrap(True)
        shown.setStyleSheet("color: #555;")
        self.form.addRow(self.tr("Subsidy categories"), shown)
        self.name.setFocus()

    def _certificate_fields(self) -> None:
        self.id_type = _combo(ID_TYPES, ID_BIRTH_CERTIFICATE if self.newborn else ID_RESIDENT)
        self.id_type.setEnabled(not self.newborn)
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText(self.tr("Birth certificate number") if self.newborn
                                          else self.tr("18-character ID number"))
        self.id_status = QLabel()
        self.id_status.setWordWrap(True)
        self.sex = QComboBox()
        self.sex.addItem(self.tr("not given"), None)
        self.sex.addItem(self.tr("male"), 1)
        self.sex.addItem(self.tr("female"), 2)
        if self.newborn:
            self.sex.setCurrentIndex(1)
        self.birth = QDateEdit(QDate.currentDate())
        self.birth.setCalendarPopup(True)
        self.birth.setDisplayFormat("yyyy-MM-dd")
        self.birth.setMaximumDate(QDate.currentDate())
        self.form.addRow(self.tr("Certificate type"), self.id_type)
        self.form.addRow(self.tr("Certificate number"), self.id_number)
        self.form.addRow("", self.id_status)
        self.form.addRow(self.tr("Sex"), self.sex)
        self.form.addRow(self.tr("Date of birth"), self.birth)
        self.checker = CertificateChecker(self.ctx, self.id_number, self.id_status,
                                          self._certificate_inputs)
        self.id_type.currentIndexChanged.connect(self._type_changed)
        self.sex.currentIndexChanged.connect(lambda _i: self._recheck())
        self.birth.dateChanged.connect(lambda _d: self._recheck())
        self._type_changed()

    def _resident(self) -> bool:
        return self.id_type.currentData() == ID_RESIDENT

    def _certificate_inputs(self) -> tuple[str, int | None, date | None]:
        if self._resident():
            # Sex and birth date come from the ID number itself.
            return ID_RESIDENT, None, None
        return self.id_type.currentData(), self.sex.currentData(), self.birth.date().toPython()

    def _type_changed(self) -> None:
        resident = self._resident()
        self.sex.setEnabled(not resident)
        self.birth.setEnabled(not resident)
        self._recheck()

    def _recheck(self) -> None:
        if self.checker is not None and self.id_number.text().strip():
            self.checker.check_now()

    def action(self) -> Callable[[Workspace], Any] | None:
        name = self.name.text().strip()
        if not name:
            self.say(self.tr("Enter the name."))
            return None
        relation = self.relation.currentData()
        residence = self.residence.currentData()
        ethnicity, phone = self.ethnicity.text().strip(), self.phone.text().strip()
        note = self.note.text().strip()
        if self.member is not None:
            old = self.member
            changes = {key: value for key, value in (
                ("name", name), ("relation", relation), ("residence", residence),
                ("ethnicity", ethnicity), ("phone", phone), ("note", note))
                if value != (old[key] or "")}
            person = old["person_id"]
            return lambda ws: update_person(ws, person, **changes)
        if self.checker is not None and self.checker.error:
            self.say(self.checker.error)
            return None
        id_type, sex, birth = self._certificate_inputs()
        number = self.id_number.text().strip()
        household_no = self.household_no
        return lambda ws: add_person(
            ws, household_no=household_no, name=name, id_number=number, id_type=id_type,
            relation=relation, residence=residence, sex=sex, birth_date=birth,
            ethnicity=ethnicity, phone=phone, note=note)


class StatusDialog(ActionDialog):
    """Deceased, moved out, employee-insured — or back to normal."""

    changes = Changes.ROSTER

    def __init__(self, ctx: AppContext, parent: QWidget, member: dict[str, Any]) -> None:
        super().__init__(ctx, parent, fmt(self.tr("Change status of %1"), member["name"]),
                         self.tr("Change status"))
        self.member = member
        self.status = _combo({k: v for k, v in STATUSES.items() if k != member["status"]})
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("e.g. date of death, where they moved"))
        self.form.addRow(self.tr("Current status"), QLabel(STATUSES[member["status"]]))
        self.form.addRow(self.tr("New status"), self.status)
        self.form.addRow(self.tr("Note"), self.note)
        self.status.setFocus()

    def action(self) -> Callable[[Workspace], Any] | None:
        person, status = self.member["person_id"], self.status.currentData()
        note = self.note.text().strip()
        return lambda ws: set_person_status(ws, person, status, note=note)


class EndEnrolmentDialog(ActionDialog):
    """终止参保 of an enrolment that took no money (资助参保); a paid one is refunded instead."""

    changes = Changes.PAYMENTS

    def __init__(self, ctx: AppContext, parent: QWidget, member: dict[str, Any]) -> None:
        super().__init__(ctx, parent, fmt(self.tr("End the enrolment of %1"), member["name"]),
                         self.tr("End enrolment"))
        self.member = member
        self.reason = _combo(dict(REFUND_REASONS))
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Required when the reason is 'other'"))
        self.form.addRow("", QLabel(self.tr(
            "Only for an enrolment that took no money (fully subsidised). It stays on record "
            "as ended; a paid enrolment is ended by a refund on its receipt.")))
        self.form.addRow(self.tr("Reason"), self.reason)
        self.form.addRow(self.tr("Note"), self.note)
        self.reason.setFocus()

    def action(self) -> Callable[[Workspace], Any] | None:
        id_number, reason = self.member["id_number"], self.reason.currentData()
        note = self.note.text().strip()
        return lambda ws: end_enrolment(ws, id_number=id_number, reason=reason, note=note)


class MoveDialog(ActionDialog):
    """Move a member to another household found by the same search as the collect view."""

    changes = Changes.ROSTER

    def __init__(self, ctx: AppContext, parent: QWidget, member: dict[str, Any],
                 from_household: str) -> None:
        super().__init__(ctx, parent, fmt(self.tr("Move %1 to another household"),
                                          member["name"]), self.tr("Move"))
        self.member = member
        self.from_household = from_household
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search the new household"))
        self.model = RowsModel([
            Column(self.tr("Head"), lambda r: r["head_name"]),
            Column(self.tr("Household no."), lambda r: r["household_no"]),
            Column(self.tr("Group"), lambda r: r["group"]),
        ], key=lambda r: r["household_id"], parent=self)
        self.results = table_view(self.model)
        self.results.setMinimumHeight(180)
        self.form.addRow(self.tr("Search"), self.search)
        self.form.addRow(self.results)
        self._seq = 0
        self._timer = after_typing(self.search, self._find)
        self.search.setFocus()

    def _find(self) -> None:
        self._seq += 1
        seq, query = self._seq, self.search.text().strip()
        if not query:
            self.model.set_rows([])
            return
        self.ctx.run(lambda ws: [r for r in find_households(ws, query)
                                 if r["household_no"] != self.from_household],
                     lambda rows: self._show(seq, rows), parent=self)

    def _show(self, seq: int, rows: list[dict[str, Any]]) -> None:
        if seq == self._seq:
            self.model.set_rows(rows)
            if rows:
                self.results.selectRow(0)

    def action(self) -> Callable[[Workspace], Any] | None:
        index = self.results.currentIndex()
        if not index.isValid():
            self.say(self.tr("Find and select the household to move to."))
            return None
        target = self.model.row_at(index.row())["household_no"]
        person = self.member["person_id"]
        return lambda ws: move_person(ws, person, target)


class AssignIdDialog(ActionDialog):
    """A newborn registered with a birth certificate gets the ID number later (补录)."""

    changes = Changes.ROSTER

    def __init__(self, ctx: AppContext, parent: QWidget, member: dict[str, Any]) -> None:
        super().__init__(ctx, parent, fmt(self.tr("ID number for %1"), member["name"]),
                         self.tr("Save"))
        self.member = member
        self.number = QLineEdit()
        self.number.setPlaceholderText(self.tr("18-character ID number"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.form.addRow(self.tr("Now registered with"),
                         QLabel(f"{ID_TYPES.get(member['id_type'], '')} {member['id_masked']}"))
        self.form.addRow(self.tr("ID number"), self.number)
        self.form.addRow("", self.status)
        birth = date.fromisoformat(member["birth_date"]) if member["birth_date"] else None
        self.checker = CertificateChecker(ctx, self.number, self.status,
                                          lambda: (ID_RESIDENT, member["sex"], birth))
        self.number.setFocus()

    def action(self) -> Callable[[Workspace], Any] | None:
        if self.checker.error:
            self.say(self.checker.error)
            return None
        person, number = self.member["person_id"], self.number.text().strip()
        return lambda ws: assign_id_number(ws, person, number)

