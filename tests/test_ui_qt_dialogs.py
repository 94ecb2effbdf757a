"""Qt's own dialogs speak Chinese (desktop second pass, finding 7): Qt 6's qtbase_zh_CN.qm
lacks a few of their words, and our catalogue (ui/i18n/qt_gaps.py) supplies them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

# Symbols, not English: mnemonics (&N), file-name filters, the PDF format.
ALLOWED = re.compile(r"&\w|\*\.\w+|PDF")
# Combos whose items are paper names (A4, Letter), units (mm, pt), layouts (2x1) or paths.
SYMBOL_COMBOS = {"pageSizeCombo", "unitCombo", "pagesPerSheetCombo", "lookInCombo"}


@pytest.fixture
def app() -> Iterator[Any]:
    from ui.app import make_application

    yield make_application()


def _english(dialog: Any) -> list[str]:
    from PySide6.QtWidgets import (
        QAbstractButton,
        QComboBox,
        QGroupBox,
        QLabel,
        QTabWidget,
        QWidget,
    )

    texts = [dialog.windowTitle()]
    for widget in dialog.findChildren(QWidget):
        if not widget.isVisibleTo(dialog):
            continue
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QComboBox) and widget.objectName() not in SYMBOL_COMBOS:
            texts += [widget.itemText(i) for i in range(widget.count())]
    return [t for t in texts if re.search(r"[A-Za-z]", ALLOWED.sub("", t))]


def _shown(qtbot: Any, dialog: Any) -> Any:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.mark.parametrize("mode", ["open", "save", "folder"])
def test_the_file_dialog_has_no_english(qtbot, app, tmp_path, mode):
    from PySide6.QtWidgets import QFileDialog

    from ui.common import file_dialog

    dialog = file_dialog(None, "选择文件", str(tmp_path))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setNameFilter("电子表格 (*.xlsx *.csv)")
    if mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    elif mode == "folder":
        dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    assert _english(_shown(qtbot, dialog)) == []


def test_message_box_buttons_are_chinese(qtbot, app):
    from PySide6.QtWidgets import QMessageBox

    buttons = QMessageBox.StandardButton
    box = QMessageBox(QMessageBox.Icon.Question, "医保收缴通", "确定吗？",
                      buttons.Ok | buttons.Cancel | buttons.Yes | buttons.No | buttons.Save
                      | buttons.Close)
    assert _english(_shown(qtbot, box)) == []


def test_input_dialog_is_chinese(qtbot, app):
    from PySide6.QtWidgets import QInputDialog

    dialog = QInputDialog()
    dialog.setWindowTitle("输入")
    dialog.setLabelText("原因：")
    assert _english(_shown(qtbot, dialog)) == []


def test_print_dialog_and_its_options_are_chinese(qtbot, app):
    from PySide6.QtPrintSupport import QPageSetupDialog, QPrintDialog, QPrinter
    from PySide6.QtWidgets import QPushButton

    printer = QPrinter()
    dialog = _shown(qtbot, QPrintDialog(printer))
    dialog.setWindowTitle("打印票据")
    for button in dialog.findChildren(QPushButton):
        if "选项" in button.text():  # the collapsed 选项 panel holds 打印页面
            button.click()
    assert _english(dialog) == []
    dialog.reject()
    assert _english(_shown(qtbot, QPageSetupDialog(printer))) == []


def test_print_preview_is_chinese(qtbot, app):
    from PySide6.QtPrintSupport import QPrintPreviewDialog
    from PySide6.QtWidgets import QToolButton

    dialog = _shown(qtbot, QPrintPreviewDialog())
    dialog.setWindowTitle("预览票据")
    tips = [b.toolTip() for b in dialog.findChildren(QToolButton) if b.toolTip()]
    assert _english(dialog) == [] and not [t for t in tips if re.search("[A-Za-z]", t)]
