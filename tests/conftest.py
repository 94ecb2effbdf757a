"""Shared fixtures: every test gets a fresh encrypted database in its own temp folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Qt aborts without a display; the offscreen platform renders everything headless.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The OWASP-minimum Argon2id cost keeps hundreds of unlocks in the suite quick.
os.environ["YIBAO_FAST_KDF"] = "1"

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
PASSPHRASE = "correct horse 马 battery"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("YIBAO_PASSPHRASE", raising=False)
    monkeypatch.delenv("YIBAO_NEW_PASSPHRASE", raising=False)
    monkeypatch.delenv("YIBAO_RECOVERY_CODE", raising=False)
    monkeypatch.delenv("YIBAO_ENROL_CODE", raising=False)
    monkeypatch.delenv("YIBAO_DB", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "village" / "yibao.db"


@pytest.fixture
def new_db(db_path: Path):
    """A new collector database; yields its InitResult."""
    from app.services.base.workspace import init_database

    return init_database(db_path, user="李会计", role="collector", passphrase=PASSPHRASE,
                         village="3404220010")


@pytest.fixture
def ws(new_db):
    from app.services.base.workspace import open_workspace

    workspace = open_workspace(new_db.path, user=None, passphrase=PASSPHRASE)
    yield workspace
    workspace.close()


def run_cli(*args: str, env: dict[str, str] | None = None, input_text: str | None = None):
    """Run the real `yibao` CLI in a subprocess, as a clerk's script would."""
    import subprocess

    full_env = {**os.environ, "YIBAO_FAST_KDF": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ui.launcher", *args],
        cwd=ROOT, env=full_env, capture_output=True, text=True, input=input_text, timeout=120,
    )


@pytest.fixture(autouse=True)
def _no_leftover_qt_threads(request: pytest.FixtureRequest):
    """Fail any test that leaves a worker thread running (napari's habit)."""
    yield
    if "ui.worker" not in sys.modules:
        return
    from PySide6.QtCore import QThreadPool

    from ui.worker import ServiceWorker

    running = [w for w in list(ServiceWorker.instances) if w.is_running()]
    for worker in running:
        worker.stop()
    assert not running, f"{len(running)} worker thread(s) left running after the test"
    assert QThreadPool.globalInstance().waitForDone(5000)
