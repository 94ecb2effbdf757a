"""County sync (同步): enrol the device, sync now in the background, USB bundles, refund tasks.

The sync itself runs on its own thread and connection (ui.sync_controller), so the clerk
keeps collecting meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape as html_escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.idcard import mask_id_number
from app.services.base.common import BUSINESS_TZ
from app.services.base.workspace import Workspace
from app.services.exchange.county import (
    SyncProgress,
    enrol_device,
    list_refund_tasks,
    sync_status,
)
from app.services.exchange.county_bundles import export_bundle, import_bundle
from ui.changes import Changes
from ui.common import (
    ActionDialog,
    AppContext,
    Page,
    error_text,
    file_dialog,
    fmt,
    heading,
    message,
    selected_row,
    table_view,
    translate,
)
from ui.models import ALERT, MUTED, Column, RowsModel
from ui.receipts_page import RefundDialog
from ui.sync_controller import (
    ERROR_STYLE,
    GUIDE_STYLE,
    SyncController,
    describe_failure,
    not_enrolled_text,
    show_progress,
)

CALM_STYLE = "color: #1b5e20;"


def _when(iso_text: str | None) -> str:
    if not iso_text:
        return translate("sync", "never")
    return datetime.fromisoformat(iso_text).astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


class EnrolDialog(ActionDialog):
    """设备登记: the county server's address and the one-time code from the township."""

    changes = Changes.SYNC | Changes.SETTINGS  # the server's address is kept as a setting

    def __init__(self, ctx: AppContext, parent: QWidget, controller: SyncController,
                 server_url: str) -> None:
        super().__init__(ctx, parent, self.tr("Enrol this device"), self.tr("Enrol"))
        self.controller = controller
        self.run_action = controller.act
        self.url = QLineEdit(server_url)
        self.url.setPlaceholderText("https://yibao.example.gov.cn")
        self.code = QLineEdit()
        self.code.setPlaceholderText(self.tr("One-time code from the township"))
        self.form.addRow(self.tr("County server"), self.url)
        self.form.addRow(self.tr("Enrolment code"), self.code)
        (self.code if server_url else self.url).setFocus()

    def action(self) -> Callable[[Workspace], Any] | None:
        url, code = self.url.text().strip(), self.code.text().strip()
        if not url or not code:
            self.say(self.tr("Enter the server address and the enrolment code."))
            return None
        options = dict(self.controller.options)
        return lambda ws: enrol_device(ws, server_url=url, code=code, **options)


def _file_row(edit: QLineEdit, browse: Callable[[], None]) -> QHBoxLayout:
    button = QPushButton(translate("sync", "Browse…"))
    button.setAutoDefault(False)
    button.clicked.connect(browse)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row


class ExportBundleDialog(ActionDialog):
    """导出同步数据包 for the USB stick; a device never enrolled also needs the county's key
    file and a one-time code."""

    changes = Changes.SYNC

    def __init__(self, ctx: AppContext, parent: QWidget, controller: SyncController,
                 enrolled: bool) -> None:
        super().__init__(ctx, parent, self.tr("Export bundle for USB"), self.tr("Export"))
        self.run_action = controller.act
        self.enrolled = enrolled
        self.chooser: QFileDialog | None = None
        stamp = datetime.now(BUSINESS_TZ).strftime("%Y%m%d-%H%M")
        self.out = QLineEdit(str(Path.home() / f"yibao-bundle-{stamp}.json"))
        self.form.addRow(self.tr("Save as"), _file_row(self.out, self._browse_out))
        self.county_key = QLineEdit()
        self.code = QLineEdit()
        if not enrolled:
            self.form.addRow("", QLabel(self.tr("This device is not enrolled yet: the bundle "
                                                "enrols it, with the county's key file and a "
                                                "one-time code.")))
            self.form.addRow(self.tr("County key file"),
                             _file_row(self.county_key, self._browse_key))
            self.form.addRow(self.tr("Enrolment code"), self.code)

    def _choose(self, target: QLineEdit, save: bool) -> None:
        chooser = file_dialog(self, self.windowTitle(), str(Path(target.text()).parent
                                                            if target.text() else Path.home()))
        chooser.setNameFilter(self.tr("Sync bundles (*.json)"))
        if save:
            chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            chooser.selectFile(target.text())
        else:
            chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
        chooser.fileSelected.connect(target.setText)
        self.chooser = chooser
        chooser.open()

    def _browse_out(self) -> None:
        self._choose(self.out, save=True)

    def _browse_key(self) -> None:
        self._choose(self.county_key, save=False)

    def action(self) -> Callable[[Workspace], Any] | None:
        out = self.out.text().strip()
        if not out:
            self.say(self.tr("Choose where to save the bundle."))
            return None
        key = self.county_key.text().strip()
        code = self.code.text().strip()
        if not self.enrolled and not (key and code):
            self.say(self.tr("Choose the county key file and enter the enrolment code."))
            return None
        return lambda ws: export_bundle(ws, Path(out), county_key=Path(key) if key else None,
                                        code=code or None)


class SyncPage(Page):
    # The county link, the server's address, what waits to be sent (every journaled change)
    # and the refund tasks with whether they were refunded.
    shows = Changes.SYNC | Changes.SETTINGS | Changes.JOURNALED

    def __init__(self, ctx: AppContext, controller: SyncController) -> None:
        super().__init__(ctx)
        self.controller = controller
        self.status: dict[str, Any] | None = None
        self.dialog: QWidget | None = None
        self.reasons = {"duplicate_enrolment": self.tr("Enrolled twice"),
                        "employee_insured": self.tr("In employee insurance"),
                        "paid_elsewhere": self.tr("Paid through another channel")}
        self.task_states = {"open": self.tr("to refund"), "refunded": self.tr("refunded"),
                            "voided": self.tr("receipt voided")}

        self.info = QLabel()
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.enrol_button = QPushButton(self.tr("Enrol this device…"))
        self.sync_button = QPushButton(self.tr("Sync now"))
        self.sync_button.setDefault(True)
        self.bar = QProgressBar()
        self.bar.setFormat("%v / %m")
        self.bar.hide()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton(self.tr("Export bundle for USB…"))
        self.import_button = QPushButton(self.tr("Import reply bundle…"))
        self.enrol_button.clicked.connect(self.enrol)
        self.sync_button.clicked.connect(controller.sync_now)
        self.export_button.clicked.connect(self.export)
        self.import_button.clicked.connect(self.choose_import)
        online = QHBoxLayout()
        online.addWidget(self.enrol_button)
        online.addWidget(self.sync_button)
        online.addWidget(self.bar, 1)
        online.addStretch(1)
        usb = QHBoxLayout()
        usb.addWidget(self.export_button)
        usb.addWidget(self.import_button)
        usb.addStretch(1)
        usb_note = QLabel(self.tr("No network? Take the bundle to the township on a USB stick "
                                  "and bring back the county's reply bundle."))
        usb_note.setStyleSheet("color: #555;")

        self.tasks_model = RowsModel([
            Column(self.tr("Received"), lambda r: _when(r["received_at"])),
            Column(self.tr("Name"), lambda r: r["name"]),
            Column(self.tr("ID number"), lambda r: mask_id_number(r["id_number"])),
            Column(self.tr("Receipt"), lambda r: r["receipt"] or ""),
            Column(self.tr("Reason"), lambda r: self.reasons.get(r["reason"], r["reason"])),
            Column(self.tr("State"), lambda r: self.task_states[r["status"]],
                   color=lambda r: ALERT if r["status"] == "open" else MUTED),
            Column(self.tr("County's message"), lambda r: r["message"]),
        ], key=lambda r: r["notice_id"], parent=self)
        self.tasks = table_view(self.tasks_model, stretch_column=6)
        self.tasks.doubleClicked.connect(lambda _i: self.refund_task())
        self.refund_button = QPushButton(self.tr("Refund…"))
        self.refund_button.clicked.connect(self.refund_task)
        self.tasks.selectionModel().currentRowChanged.connect(
            lambda _c, _p: self._update_buttons())
        task_buttons = QHBoxLayout()
        task_buttons.addWidget(self.refund_button)
        task_buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(heading(self.tr("County server"), 13))
        layout.addWidget(self.info)
        layout.addLayout(online)
        layout.addWidget(self.result)
        layout.addSpacing(8)
        layout.addWidget(heading(self.tr("USB bundle"), 13))
        layout.addLayout(usb)
        layout.addWidget(usb_note)
        layout.addSpacing(8)
        layout.addWidget(heading(self.tr("Refund tasks from the county"), 13))
        layout.addWidget(self.tasks, 1)
        layout.addLayout(task_buttons)

        controller.started.connect(self._started)
        controller.progressed.connect(self._progress)
        controller.finished.connect(self._finished)
        controller.failed.connect(self._failed)
        self._update_buttons()

    # ---- loading ------------------------------------------------------------------------------

    def refresh(self, changes: Changes = Changes.EVERYTHING) -> None:
        self.ctx.run(lambda ws: {"status": sync_status(ws), "tasks": list_refund_tasks(ws)},
                     self._show, parent=self)

    def _show(self, data: dict[str, Any]) -> None:
        status = self.status = data["status"]
        self._guide(status)
        if status["enrolled"]:
            state = fmt(self.tr("enrolled (village %1)"), status["village"] or "—")
        elif status["enrol_pending"]:
            state = self.tr("enrolment sent by USB bundle, waiting for the county's reply")
        else:
            state = self.tr("not enrolled")
        rows = [(self.tr("Server"), status["server_url"] or "—"),
                (self.tr("This device"), state),
                (self.tr("Waiting to sync"), fmt(self.tr("%1 records"), status["pending"])),
                (self.tr("Last sync"), _when(status["last_sync"])),
                (self.tr("County confirmed"),
                 fmt(self.tr("up to record %1"), status["countersigned_seq"])
                 if status["countersigned_seq"] is not None else self.tr("not yet"))]
        html = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
        if status["clock_warning"]:
            html += f"<tr><td></td><td style='color:#b00020'>⚠ {status['clock_warning']}</td></tr>"
        refused = status["refusals"]
        if refused:
            header = fmt(self.tr("The county refused %1 record(s); they count for nothing there. "
                                 "Check them with the township:"), len(refused))
            lines = "<br>".join(html_escape(fmt(self.tr("record %1: %2"), r["seq"], r["message"]))
                                for r in refused[-3:])
            html += f"<tr><td></td><td style='color:#b00020'>⚠ {header}<br>{lines}</td></tr>"
        self.info.setText(f"<table cellpadding=3>{html}</table>")
        selected = self.selected_task()
        self.tasks_model.set_rows(data["tasks"])
        if selected is not None:
            position = self.tasks_model.position_of(selected["notice_id"])
            if position is not None:
                self.tasks.selectRow(position)
        self._update_buttons()

    def _guide(self, status: dict[str, Any]) -> None:
        """Before any sync on a device not enrolled, say so and point at the button that
        enrols it; the line gives way to the first thing a sync or enrolment says."""
        guiding = not status["enrolled"] and not status["enrol_pending"]
        if guiding and not self.result.text():
            self._say(not_enrolled_text(), GUIDE_STYLE)
        elif not guiding and self.result.text() == not_enrolled_text():
            self._say("", "")

    def _update_buttons(self) -> None:
        status = self.status or {}
        enrolled = bool(status.get("enrolled"))
        self.enrol_button.setText(self.tr("Enrol again…") if enrolled
                                  else self.tr("Enrol this device…"))
        self.sync_button.setEnabled(enrolled and not self.controller.syncing)
        task = self.selected_task()
        self.refund_button.setEnabled(task is not None and task["status"] == "open")

    def selected_task(self) -> dict[str, Any] | None:
        return selected_row(self.tasks, self.tasks_model)

    # ---- sync ---------------------------------------------------------------------------------

    def _started(self) -> None:
        self.result.setStyleSheet("")
        self.result.setText(self.tr("Syncing in the background — you can keep collecting."))
        self.bar.setRange(0, 0)
        self.bar.show()
        self._update_buttons()

    def _progress(self, step: SyncProgress) -> None:
        show_progress(self.bar, step)
        if step.stage == "push":
            self.result.setText(fmt(self.tr("Sending records: %1 of %2"), step.done,
                                    step.total))
        else:
            self.result.setText(fmt(self.tr("Receiving county data: %1 pages, %2 items "
                                            "applied"), step.pages, step.done))

    def _finished(self, result: dict[str, Any]) -> None:
        self.bar.hide()
        text = fmt(self.tr("Sync complete: %1 sent, %2 received, %3 still waiting."),
                   result["pushed"] + result["duplicates"], result["pulled"], result["pending"])
        if result["conflicts"] or result["refund_tasks"]:
            text += " " + fmt(self.tr("%1 refund task(s) from the county: see below."),
                              result["refund_tasks"])
        if result["problems"]:
            text += "\n" + self.tr("Skipped:") + " " + "；".join(result["problems"][:3])
        self.result.setStyleSheet(CALM_STYLE)
        self.result.setText(text)
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        self.bar.hide()
        text, style = describe_failure(exc)
        self.result.setStyleSheet(style)
        self.result.setText(text)
        self._update_buttons()

    # ---- enrolment, bundles, refunds --------------------------------------------------------

    def _open(self, dialog: QWidget) -> None:
        self.dialog = dialog
        dialog.open()  # type: ignore[attr-defined]

    def enrol(self) -> None:
        url = (self.status or {}).get("server_url") or ""
        dialog = EnrolDialog(self.ctx, self, self.controller, url)
        dialog.succeeded.connect(lambda r: self._say(fmt(
            self.tr("This device is enrolled with %1 for village %2. Press “Sync now”."),
            r["server_url"], r["village"]), CALM_STYLE))
        self._open(dialog)

    def export(self) -> None:
        dialog = ExportBundleDialog(self.ctx, self, self.controller,
                                    bool((self.status or {}).get("enrolled")))
        dialog.succeeded.connect(lambda r: self._say(fmt(
            self.tr("Bundle saved: %1 (%2 records). Take it to the township."),
            r["bundle"], r["events"]), CALM_STYLE))
        self._open(dialog)

    def choose_import(self) -> None:
        chooser = file_dialog(self, self.tr("Import reply bundle"), str(Path.home()))
        chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
        chooser.setNameFilter(self.tr("Sync bundles (*.json)"))
        chooser.fileSelected.connect(lambda path: self.import_from(Path(path)))
        self._open(chooser)

    def import_from(self, path: Path) -> None:
        self._say(self.tr("Importing the reply bundle…"), "")
        self.controller.act(
            lambda ws: import_bundle(ws, path),
            lambda r: self._say(fmt(self.tr("Reply bundle imported: %1 acknowledged, %2 "
                                            "received, %3 still waiting."),
                                    r["acknowledged"], r["pulled"], r["pending"]), CALM_STYLE),
            lambda exc: self._say(error_text(exc), ERROR_STYLE), changes=Changes.SYNCED)

    def _say(self, text: str, style: str) -> None:
        self.result.setStyleSheet(style)
        self.result.setText(text)

    def refund_task(self) -> None:
        task = self.selected_task()
        if task is None or task["status"] != "open":
            return
        if not task["receipt"]:
            message(self, self.tr("The county did not name the receipt for this task: find the "
                                  "payment on the Receipts page."))
            return
        series, _, number = task["receipt"].rpartition(" ")
        receipt = {"label": task["receipt"], "series": series or None, "number": number}
        self._open(RefundDialog(self.ctx, self, receipt, id_number=task["id_number"],
                                reason=task["refund_reason"]))
