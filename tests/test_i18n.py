"""Every string the UI shows through tr() has a Simplified Chinese translation, and the
compiled catalogue the app loads is the one the sources and the table make."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ui.i18n import build


def test_every_visible_string_is_translated(tmp_path: Path):
    ts = tmp_path / "yibao_zh_CN.ts"
    # The sources as they are now, extracted afresh (not the committed .ts, which may lag).
    subprocess.run([build._tool("pyside6-lupdate"), *build.sources(), "-no-obsolete", "-ts",
                    str(ts)], check=True, capture_output=True)
    assert build.missing(ts) == [], "add these to ui/i18n/zh_CN.py, then python -m ui.i18n.build"


def test_the_shipped_catalogue_is_up_to_date(tmp_path: Path):
    ts = tmp_path / "yibao_zh_CN.ts"
    subprocess.run([build._tool("pyside6-lupdate"), *build.sources(), "-no-obsolete", "-ts",
                    str(ts)], check=True, capture_output=True)
    build.fill(ts)
    shipped = {(m.findtext("source"), m.findtext("translation"))
               for m in _messages(build.TS)}
    fresh = {(m.findtext("source"), m.findtext("translation")) for m in _messages(ts)}
    assert fresh <= shipped, "run python -m ui.i18n.build and commit the .ts and .qm"


def _messages(ts: Path):
    import xml.etree.ElementTree as ET

    return ET.parse(ts).getroot().iter("message")
