"""Starting the desktop app: font, translations, unlock, main window."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from app.logsetup import setup_logging
from app.services.base.paths import log_dir
from app.services.base.workspace import Workspace
from receipts.fonts import FONT_PATH
from ui.common import message, show_error

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).resolve().parent / "i18n"
BASE_POINT_SIZE = 11


def load_font(app: QApplication) -> str | None:
    """Load the bundled CJK font so Chinese renders on machines without one."""
    font_id = QFontDatabase.addApplicationFont(str(FONT_PATH))
    if font_id < 0:
        log.error("could not load the bundled font %s", FONT_PATH.name)
        return None
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    font = QFont(family, BASE_POINT_SIZE)
    app.setFont(font)
    return family


def install_translator(app: QApplication, language: str = "zh_CN") -> QTranslator | None:
    """Chinese is the default; ``en`` shows the English source strings.

    Replaces a translator installed earlier: the language setting is only known once the
    database is unlocked, after the unlock screen was already shown in Chinese.
    """
    for old in app.findChildren(QTranslator):
        app.removeTranslator(old)
        old.deleteLater()
    if language.startswith("en"):
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return None
    # Qt's own words too: the OK and Cancel buttons, the print and file dialogs. From Qt's
    # translations folder when run from source; the frozen bundle carries a copy beside ours
    # (build.spec), whatever the bundled Qt believes its folder to be.
    qt_words = QTranslator(app)
    for folder in (QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath), str(I18N_DIR)):
        if qt_words.load(f"qtbase_{language}", folder):
            app.installTranslator(qt_words)
            break
    translator = QTranslator(app)
    if translator.load(str(I18N_DIR / f"yibao_{language}.qm")):
        app.installTranslator(translator)
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        return translator
    log.error("translation %s not found", language)
    return None


def report_unexpected(exc_type: type[BaseException], exc: BaseException,
                      tb: TracebackType | None) -> None:
    """sys.excepthook: an error nobody handled is logged and shown, and the app carries on.

    PySide6 hands exceptions raised in slots and callbacks to sys.excepthook, so this catches
    every bug in the GUI thread; worker-thread errors come back through ServiceWorker.
    """
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    log.critical("unexpected error", exc_info=(exc_type, exc, tb))
    app = QApplication.instance()
    if isinstance(app, QApplication):
        show_error(app.activeWindow(), exc)


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("医保收缴通")
    app.setOrganizationName("yibao-collect")
    load_font(app)
    install_translator(app)
    sys.excepthook = report_unexpected
    return app  # type: ignore[return-value]


def run_app(db_path: Path, *, user: str | None = None) -> int:
    """Open the unlock dialog for ``db_path``, then the main window."""
    with contextlib.suppress(OSError):
        setup_logging(log_dir())
    from ui.unlock import UnlockDialog
    from ui.worker import ServiceWorker

    app = make_application()
    worker = ServiceWorker()
    dialog = UnlockDialog(db_path, worker, preselect_user=user)
    windows: list[MainWindow] = []

    def unlocked(ws: Workspace) -> None:
        # The window's modules (the pages, reportlab, openpyxl, QtCharts: some 55 MB) load only
        # now, once Argon2id has given its 64 MiB back: loaded before, the two would add up
        # into the process's peak memory.
        from ui.main_window import MainWindow

        install_translator(app, dialog.language)
        window = MainWindow(ws, worker)
        windows.append(window)
        window.show()
        if ws.warnings:  # said once at unlock (a damaged recovery entry in the key file)
            message(window, "\n\n".join(ws.warnings), icon=QMessageBox.Icon.Warning)

    dialog.unlocked.connect(unlocked)
    dialog.show()
    code = app.exec()
    for window in windows:
        window.close_workspace()
    worker.stop()
    return code
