"""The collect view searches on every keystroke and never shows an older text's answer.

The household search runs on the database thread with no typing pause; one search is on its
way at a time, text typed meanwhile is searched when it returns, and an answer for a text no
longer in the box is dropped. The village is test_ui_collect's (王建国 wjg, 王建军 wjj, 吴斌 wb).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ui.collect_search
from tests.helpers_ui import main_window
from tests.test_ui_collect import build_village

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def window(qtbot: Any, ws: Any) -> Iterator[Any]:
    build_village(ws)
    with main_window(qtbot, ws) as win:
        yield win


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts searched on the database thread, in order."""
    texts: list[str] = []
    real = ui.collect_search.find_households

    def counting(ws: Any, query: str, **kwargs: Any) -> list[dict[str, Any]]:
        texts.append(query)
        return real(ws, query, **kwargs)

    monkeypatch.setattr(ui.collect_search, "find_households", counting)
    return texts


def heads(win: Any) -> list[str]:
    return [row["head_name"] for row in win.collect.results_model.rows()]


def test_a_keystroke_searches_at_once_without_a_typing_pause(qtbot, window, asked):
    release = threading.Event()
    window.worker.submit(lambda: release.wait(5))
    qtbot.keyClicks(window.collect.search, "w")
    # Submitted from the keystroke itself: a typing-pause timer would still be waiting.
    assert window.worker.busy and window.collect.finder.searching
    release.set()
    qtbot.waitUntil(lambda: not window.collect.finder.searching, timeout=10_000)
    assert asked == ["w"]


def test_typing_on_while_a_search_runs_shows_only_the_last_texts_results(qtbot, window,
                                                                          asked):
    finder = window.collect.finder
    shown: list[str] = []
    finder.results_shown.connect(shown.append)
    release = threading.Event()
    window.worker.submit(lambda: release.wait(5))  # the DB thread is busy for a moment
    qtbot.keyClicks(window.collect.search, "w")
    qtbot.keyClicks(window.collect.search, "j")
    qtbot.keyClicks(window.collect.search, "g")
    release.set()
    qtbot.waitUntil(lambda: not finder.searching, timeout=10_000)
    # "w" was on its way already; "wj" was overtaken by "wjg" before it was ever asked.
    assert asked == ["w", "wjg"]
    assert shown == ["wjg"]  # the answer for "w" (吴斌 and both 王) was never shown
    assert heads(window) == ["王建国"]


def test_an_answer_for_a_cleared_box_is_dropped(qtbot, window, asked):
    finder = window.collect.finder
    shown: list[str] = []
    finder.results_shown.connect(shown.append)
    release = threading.Event()
    window.worker.submit(lambda: release.wait(5))
    qtbot.keyClicks(window.collect.search, "wb")
    window.collect.search.clear()
    assert not finder.searching  # an empty box needs no search: its empty table is shown
    release.set()
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=10_000)
    assert asked == ["w"]  # only the search already on its way ran; "wb" never did
    assert shown == [""]
    assert heads(window) == []


def test_the_search_path_does_not_load_pypinyin():
    # pypinyin's dictionaries take some 56 MB once imported; the search matches the initials
    # stored when the roster was written, so only roster writes may load it.
    code = ("import sys; import ui.collect_search, ui.collect_view; "
            "from app.domain.pinyin import name_initials; "
            "assert 'pypinyin' not in sys.modules, 'imported'; "
            "assert name_initials('王建国') == 'wjg'; "
            "assert 'pypinyin' in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr[-800:]
