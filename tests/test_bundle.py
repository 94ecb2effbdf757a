"""Smoke test of the PyInstaller bundle (`make bundle-test`): starts, opens a database,
renders a receipt. Skipped in `make test`, which has no bundle to test."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pypdf
import pytest

pytestmark = pytest.mark.bundle

BUNDLE = Path(os.environ.get("YIBAO_BUNDLE_DIR", "build/dist/missing"))


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(BUNDLE / "yibao-cli"), *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def bundle() -> Path:
    if not (BUNDLE / "yibao-cli").exists():
        pytest.skip("no bundle built: run `make bundle-test`")
    return BUNDLE


def test_bundle_opens_a_database_and_renders_a_receipt(bundle, tmp_path):
    env = {"YIBAO_NEW_PASSPHRASE": "bundle passphrase", "YIBAO_PASSPHRASE": "bundle passphrase",
           "YIBAO_LOG_DIR": str(tmp_path / "logs")}
    db = tmp_path / "demo.db"
    res = _run("demo", "--db", str(db), "--user", "演示", "--json", env=env)
    assert res.returncode == 0, res.stderr
    res = _run("verify", "--db", str(db), "--json", env=env)
    assert json.loads(res.stdout)["ok"] is True
    out = tmp_path / "r.pdf"
    res = _run("receipt", "pdf", "12001", "--db", str(db), "--out", str(out), env=env)
    assert res.returncode == 0, res.stderr
    text = pypdf.PdfReader(out).pages[0].extract_text()
    assert "城乡居民基本医疗保险费专用收据" in text


def test_bundle_starts_the_window(bundle, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "YIBAO_LOG_DIR": str(tmp_path / "l"),
           "YIBAO_NEW_PASSPHRASE": "bundle passphrase"}
    db = tmp_path / "demo.db"
    subprocess.run([str(bundle / "yibao-cli"), "demo", "--db", str(db)], env=env, check=True,
                   capture_output=True, timeout=120)
    app = subprocess.Popen([str(bundle / "yibao"), "--db", str(db)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(6)
    alive = app.poll() is None
    app.kill()
    _, err = app.communicate()
    assert alive, err.decode(errors="replace")
