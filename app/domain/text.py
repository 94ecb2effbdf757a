"""Text as it enters the ledger (文本清洗): no control or invisible formatting characters.

A name, an address, a note or a reference is printed on receipts and PDFs, sent in feeds and
exported to spreadsheets. Control characters (NUL, ESC sequences, a leading ``\\x01`` that
hides ``=HYPERLINK(…)`` from a formula check), bidirectional overrides (U+202E turns
``收据123`` into something that reads otherwise) and zero-width characters (two names that
look the same but are not) have no place in any of them. Every text field is cleaned here,
at the services' boundary, before it is checked, stored or journaled; exports clean again (a
database written before this rule may still hold such text) and neutralise formulas on the
cleaned text.

Kept: every letter, mark, number, punctuation and symbol, private-use characters (rare name
characters are often encoded there) and code points newer than this Python's Unicode table.
Removed: Unicode categories Cc (control), Cf (format: bidi controls, zero-width characters,
soft hyphen, byte-order mark) and Cs (lone surrogates, which no encoder accepts). Line breaks
and tabs become spaces unless ``multiline``; runs of spaces stay as typed; the ends are
stripped.
"""

from __future__ import annotations

import re
import unicodedata

# A terminal escape sequence goes whole (ESC [ 31 m, not only its ESC): CSI, OSC, and the
# two-character ones.
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-~])")
_REMOVED = frozenset({"Cc", "Cf", "Cs"})
_BREAKS = frozenset("\n\r\t\v\f\x85\u2028\u2029")


def clean_text(text: str | None, *, multiline: bool = False) -> str:
    """``text`` without control, format and surrogate characters, its ends stripped."""
    if not text:
        return ""
    if text.isprintable():
        # The usual case, Chinese included: printable text holds no Cc, Cf or Cs character
        # and no line break, so nothing is to be looked at one by one (a 60,000-row roster
        # import spent a second doing so).
        return text.strip()
    out = []
    for ch in _ESCAPES.sub("", text).replace("\r\n", "\n"):
        if ch in _BREAKS:
            out.append("\n" if multiline and ch in "\n\r\u2028\u2029" else " ")
        elif unicodedata.category(ch) not in _REMOVED:
            out.append(ch)
    cleaned = "".join(out)
    if multiline:
        cleaned = "\n".join(line.rstrip() for line in cleaned.split("\n"))
    return cleaned.strip()
