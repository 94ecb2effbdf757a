"""Extract strings (pyside6-lupdate), fill the .ts from zh_CN.CATALOGUE, compile the .qm.

Run as ``python -m ui.i18n.build``; ``--check`` only reports missing translations.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from ui.i18n.qt_gaps import QT_GAPS
from ui.i18n.zh_CN import CATALOGUE

HERE = Path(__file__).resolve().parent
UI_DIR = HERE.parent
TS = HERE / "yibao_zh_CN.ts"
QM = HERE / "yibao_zh_CN.qm"


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def sources() -> list[str]:
    return sorted(str(p) for p in UI_DIR.rglob("*.py") if "i18n" not in p.parts)


def missing(ts: Path = TS) -> list[str]:
    root = ET.parse(ts).getroot()
    # Qt's own words are translated in qt_gaps, under Qt's contexts.
    qt_words = {source for _, source in QT_GAPS}
    return sorted({m.findtext("source") or "" for m in root.iter("message")}
                  - set(CATALOGUE) - qt_words)


def fill(ts: Path = TS) -> None:
    tree = ET.parse(ts)
    for message in tree.getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if translation is None:
            translation = ET.SubElement(message, "translation")
        if source in CATALOGUE:
            translation.text = CATALOGUE[source]
            translation.attrib.pop("type", None)
        else:
            translation.set("type", "unfinished")
    tree.write(ts, encoding="utf-8", xml_declaration=True)


def add_qt_gaps(ts: Path = TS) -> None:
    """Append Qt's own untranslated words (qt_gaps.QT_GAPS) in Qt's contexts: lupdate never
    sees Qt's sources, so they are added after it ran, before the catalogue is compiled."""
    tree = ET.parse(ts)
    root = tree.getroot()
    contexts: dict[str, ET.Element] = {}
    for (name, source), text in QT_GAPS.items():
        if name not in contexts:
            contexts[name] = ET.SubElement(root, "context")
            ET.SubElement(contexts[name], "name").text = name
        message = ET.SubElement(contexts[name], "message")
        ET.SubElement(message, "source").text = source
        ET.SubElement(message, "translation").text = text
    tree.write(ts, encoding="utf-8", xml_declaration=True)


def main() -> int:
    subprocess.run([_tool("pyside6-lupdate"), *sources(), "-no-obsolete", "-ts", str(TS)],
                   check=True, capture_output=True)
    fill()
    gaps = missing()
    add_qt_gaps()
    subprocess.run([_tool("pyside6-lrelease"), str(TS), "-qm", str(QM)], check=True,
                   capture_output=True)
    for source in gaps:
        print(f"untranslated: {source!r}")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
