"""Pinyin initials of Chinese names (拼音首字母), for quick search in the roster."""

from __future__ import annotations

import unicodedata

from pypinyin import Style, lazy_pinyin


def name_initials(name: str) -> str:
    """Lower-case initials: 王建国 → ``wjg``.

    Latin letters are kept (lower-cased); digits, punctuation such as the ``·`` in
    minority names, and characters without a reading are dropped. Polyphonic characters
    use pypinyin's default reading (no heteronyms), so the result is deterministic.
    """
    # Imported here, not at the top: pypinyin's dictionaries take ~50 MB, and only writes to
    # the roster need them (searching uses the initials stored at write time).

    # NFKC folds full-width letters typed with a Chinese IME into ASCII.
    text = unicodedata.normalize("NFKC", name)
    pieces = lazy_pinyin(text, style=Style.FIRST_LETTER)
    return "".join(ch for ch in "".join(pieces).lower() if ch.isascii() and ch.isalpha())
