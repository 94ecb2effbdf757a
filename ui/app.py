"""Starting the desktop app: font, translations, unlock, main window."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path

from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.cli import log_dir
from app.logsetup import setup_logging
from receipts.fonts import FONT_PATH

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
    """Chinese is the default; ``en`` shows the English source strings."""
    if language.startswith("en"):
        return None
    translator = QTranslator(app)
    if translator.load(str(I18N_DIR / f"yibao_{language}.qm")):
        app.installTranslator(translator)
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        return translator
    log.error("translation %s not found", language)
    return None


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("医保收缴通")
    app.setOrganizationName("yibao-collect")
    load_font(app)
    install_translator(app)
    return app  # type: ignore[return-value]


def run_app(db_path: Path, *, user: str | None = None) -> int:
    """Open the unlock dialog for ``db_path``, then the main window."""
    with contextlib.suppress(OSError):
        setup_logging(log_dir())
    from ui.main_window import MainWindow
    from ui.unlock import UnlockDialog
    from ui.worker import ServiceWorker

    app = make_application()
    worker = ServiceWorker()
    dialog = UnlockDialog(db_path, worker, preselect_user=user)
    windows: list[MainWindow] = []

    def unlocked(ws: object) -> None:
        window = MainWindow(ws, worker)
        windows.append(window)
        window.show()

    dialog.unlocked.connect(unlocked)
    dialog.show()
    code = app.exec()
    for window in windows:
        window.close_workspace()
    worker.stop()
    return code
