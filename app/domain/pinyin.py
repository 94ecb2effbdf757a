"""Pinyin initials of Chinese names (拼音首字母), for quick search in the roster."""

from __future__ import annotations

import unicodedata
from functools import cache


def name_initials(name: str) -> str:
    """Lower-case initials: 王建国 → ``wjg``.

    Latin letters are kept (lower-cased); digits, punctuation such as the ``·`` in
    minority names, and characters without a reading are dropped. Polyphonic characters
    use pypinyin's default reading (no heteronyms), so the result is deterministic.
    """
    # NFKC folds full-width letters typed with a Chinese IME into ASCII.
    text = unicodedata.normalize("NFKC", name)
    # pypinyin takes some 50 µs a name, most of it segmenting the name into words; a word
    # found in its phrase dictionary may read otherwise than its characters alone (长江 is
    # cháng jiāng). A name holding no such word reads character by character, and
    # characters repeat from name to name: a 60,000-row roster import spent 2 s here.
    if _holds_phrase(text):
        return _initials(text)
    return "".join(map(_char_initials, text))


def _initials(text: str) -> str:
    # Imported here, not at the top: importing pypinyin loads its dictionaries, some 56 MB,
    # and only writes to the roster need them (the search matches the initials stored then).
    from pypinyin import Style, lazy_pinyin

    pieces = lazy_pinyin(text, style=Style.FIRST_LETTER)
    return "".join(ch for ch in "".join(pieces).lower() if ch.isascii() and ch.isalpha())


_char_initials = cache(_initials)


@cache
def _phrases() -> dict[str, object]:
    from pypinyin.constants import PHRASES_DICT  # as in _initials: only when first needed

    return PHRASES_DICT


@cache
def _longest_phrase() -> int:
    return max(map(len, _phrases()), default=0)


def _holds_phrase(text: str) -> bool:
    """Whether any run of two or more characters of ``text`` is in the phrase dictionary
    (every word pypinyin's segmentation can cut from ``text`` is such a run)."""
    longest = _longest_phrase()
    phrases = _phrases()
    return any(
        text[start:end] in phrases
        for start in range(len(text) - 1)
        for end in range(start + 2, min(len(text), start + longest) + 1)
    )
