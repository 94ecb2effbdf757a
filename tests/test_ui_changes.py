"""Which changes reach which page (ui.changes), offscreen.

Every action says what it changed; every page and each part of the status bar say what they
show, and reload only for that — a hidden page when it is next shown. The tables below are
the rule, checked kind by kind through the real signal on a village's and on the township's
window; then, end to end, a collection and a roster change as the clerk makes them.
"""

# The shared fixtures come from test_ui_collect and are requested by parameter name.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import reduce
from operator import or_
from pathlib import Path
from typing import Any

import pytest

from app.services.base.workspace import open_workspace
from app.services.demo.township import create_township_demo
from app.services.village.roster import add_household
from tests.conftest import PASSPHRASE
from tests.helpers_ui import collect_by_keyboard, main_window
from tests.test_ui_collect import prints, village, window  # noqa: F401 - fixtures by name
from ui.changes import Changes
from ui.common import ActionDialog, Page

C = Changes
# Who shows the sync queue ("12 to sync") and the journal's length hears every journaled kind.
QUEUE = {"sync", "overview", "sync label"}

# Kind → what it reaches on a collector's window: the pages by their attribute on the main
# window, the status bar's snapshot (campaign, next receipt, cash, not printed) and its
# sync label.
VILLAGE_REACH: dict[Changes, set[str]] = {
    C.ROSTER: {"collect", "roster", "progress"} | QUEUE,
    C.PAYMENTS: {"collect", "roster", "receipts", "progress"} | QUEUE,
    C.RECEIPTS: {"receipts", "status bar"} | QUEUE,
    C.CASH: {"cash", "status bar"} | QUEUE,
    C.CAMPAIGN: {"collect", "roster", "progress", "status bar"},
    C.SETTINGS: {"settings", "sync", "sync label"},
    C.SYNC: QUEUE,
    C.TOWNSHIP_BOOKS: QUEUE,
    C.TOWNSHIP_BANK: QUEUE,
}

# The township's window has the same collector's pages, its own status bar instead of the
# collector's, and its four pages.
TOWNSHIP_EXTRA: dict[Changes, set[str]] = {
    C.CAMPAIGN: {"township bar", "village progress"},
    C.SYNC: {"township bar", "books", "deposits", "reconcile", "village progress"},
    C.TOWNSHIP_BOOKS: {"township bar", "books", "reconcile"},
    C.TOWNSHIP_BANK: {"township bar", "deposits", "reconcile"},
    # Village names are the township's settings, and its four pages name the villages.
    C.SETTINGS: {"books", "deposits", "reconcile", "village progress"},
}
TOWNSHIP_REACH = {kind: (reach - {"status bar"}) | TOWNSHIP_EXTRA.get(kind, set())
                  for kind, reach in VILLAGE_REACH.items()}
TOWNSHIP_PAGES = {"TownshipBooksPage": "books", "TownshipDepositsPage": "deposits",
                  "TownshipReconcilePage": "reconcile", "TownshipProgressPage": "village progress"}
PAGES = ("roster", "receipts", "cash", "progress", "sync", "settings", "overview")


def test_the_tables_name_every_kind_and_everything_is_every_kind():
    assert set(VILLAGE_REACH) == set(Changes)
    assert reduce(or_, Changes) == Changes.EVERYTHING
    assert not Changes.SYNCED & Changes.CASH  # a sync never moves the cash on hand


def test_every_action_and_every_page_says_what_it_changes_or_shows():
    import ui.main_window  # noqa: F401 - imports every page and dialog

    def family(cls: type) -> list[type]:
        return [cls, *(sub for child in cls.__subclasses__() for sub in family(child))]

    actions = [cls for cls in family(ActionDialog)[1:] if "action" in vars(cls)]
    assert len(actions) >= 17
    for cls in actions:
        assert isinstance(cls.changes, Changes) and cls.changes, cls.__name__
    pages = family(Page)[1:]
    assert len(pages) >= 11
    for cls in pages:
        assert isinstance(cls.shows, Changes) and cls.shows, cls.__name__


def _watch(qtbot: Any, win: Any, monkeypatch: pytest.MonkeyPatch
           ) -> Callable[[Changes], set[str]]:
    """Emit a change and answer what it reached, once every page has been looked at."""
    import ui.main_window

    reached: set[str] = set()
    pages = {name: getattr(win, name) for name in PAGES}
    pages.update({TOWNSHIP_PAGES[type(p).__name__]: p for p in win.township_pages})
    for name, page in pages.items():
        monkeypatch.setattr(page, "refresh",
                            lambda changes=Changes.EVERYTHING, n=name: reached.add(n))
    monkeypatch.setattr(win.collect, "_reload_if_open", lambda: reached.add("collect"))
    for reader, part in (("status_snapshot", "status bar"), ("township_status", "township bar"),
                         ("sync_status", "sync label")):
        real = getattr(ui.main_window, reader)

        def counted(ws: Any, *args: Any, _real: Any = real, _part: str = part,
                    **kwargs: Any) -> Any:
            reached.add(_part)
            return _real(ws, *args, **kwargs)

        monkeypatch.setattr(ui.main_window, reader, counted)

    def look_at_every_page() -> None:
        for page in pages.values():
            win.tabs.setCurrentWidget(page)
        win.tabs.setCurrentWidget(win.collect)

    look_at_every_page()  # the first look loads each page

    def emit(changes: Changes) -> set[str]:
        qtbot.waitUntil(lambda: not win.worker.busy, timeout=10_000)
        reached.clear()
        win.ctx.data_changed.emit(changes)
        qtbot.waitUntil(lambda: not win.worker.busy, timeout=10_000)
        look_at_every_page()
        return set(reached)

    return emit


def _check_the_rule(emit: Callable[[Changes], set[str]],
                    rule: dict[Changes, set[str]]) -> None:
    got = {kind: emit(kind) for kind in Changes}
    assert got == rule
    # A change of several kinds reaches what any of them reaches.
    for group in (Changes.SYNCED, Changes.JOURNALED, Changes.EVERYTHING):
        assert emit(group) == set().union(*(rule[kind] for kind in group)), group
    assert emit(Changes.NONE) == set()


def test_which_kinds_reach_which_part_of_a_collectors_window(qtbot, window, monkeypatch):
    _check_the_rule(_watch(qtbot, window, monkeypatch), VILLAGE_REACH)


@pytest.fixture
def township_window(qtbot: Any, tmp_path: Path) -> Iterator[Any]:
    demo = create_township_demo(tmp_path, passphrase=PASSPHRASE)
    ws = open_workspace(Path(demo["township"]), user=None, passphrase=PASSPHRASE)
    with main_window(qtbot, ws) as win:
        yield win


def test_which_kinds_reach_which_part_of_the_townships_window(qtbot, township_window,
                                                              monkeypatch):
    _check_the_rule(_watch(qtbot, township_window, monkeypatch), TOWNSHIP_REACH)


def test_a_hidden_page_reloads_once_when_shown_with_all_that_changed(qtbot, window,
                                                                     monkeypatch):
    roster = window.roster
    window.tabs.setCurrentWidget(roster)
    window.tabs.setCurrentWidget(window.cash)
    calls: list[Changes] = []
    monkeypatch.setattr(roster, "refresh", calls.append)
    for kind in (C.PAYMENTS, C.CASH, C.ROSTER, C.SETTINGS, C.PAYMENTS):
        window.ctx.data_changed.emit(kind)
    assert calls == []  # hidden: nothing is read yet
    window.tabs.setCurrentWidget(roster)
    assert calls == [C.PAYMENTS | C.ROSTER]
    window.tabs.setCurrentWidget(window.cash)
    window.tabs.setCurrentWidget(roster)
    assert calls == [C.PAYMENTS | C.ROSTER]  # nothing changed since: no second reload
    window.ctx.data_changed.emit(C.CAMPAIGN)  # shown: at once
    assert calls == [C.PAYMENTS | C.ROSTER, C.CAMPAIGN]


# ---- end to end ------------------------------------------------------------------------------


def _resets(model: Any) -> list[int]:
    counted: list[int] = []
    model.modelReset.connect(lambda: counted.append(1))
    return counted


def test_collecting_refreshes_what_shows_payments_not_the_roster_list(qtbot, window):
    roster = window.roster
    window.tabs.setCurrentWidget(roster)
    qtbot.waitUntil(lambda: roster.households_model.rowCount() == 4, timeout=10_000)
    roster.households.selectRow(roster.households_model.position_of(next(
        r["household_id"] for r in roster.households_model.rows() if r["head_name"] == "王建国")))
    qtbot.waitUntil(lambda: roster.detail is not None and all(
        m["enrolment"]["state"] == "not_enrolled" for m in roster.members_model.rows()),
        timeout=10_000)
    for page in (window.receipts, window.cash, window.progress):
        window.tabs.setCurrentWidget(page)  # each page loaded before the money comes in
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=10_000)
    assert window.progress.figures["enrolled"].text() == "0 / 6"
    list_resets = _resets(roster.households_model)
    detail_resets = _resets(roster.members_model)

    window.tabs.setCurrentWidget(window.collect)
    collect_by_keyboard(qtbot, window, "wjg")
    collect = window.collect

    # The status bar and the collect view at once; each page with the payment when shown.
    qtbot.waitUntil(lambda: "00012002" in window.book_label.text(), timeout=10_000)
    assert window.cash_label.text() == "现金在手 ¥1,140.00"
    qtbot.waitUntil(lambda: all(m["status_label"] == "已参保"
                                for m in collect.household["members"]), timeout=10_000)
    window.tabs.setCurrentWidget(window.receipts)
    qtbot.waitUntil(lambda: window.receipts.model.rowCount() == 1, timeout=10_000)
    assert window.receipts.model.row_at(0)["label"] == "皖医保 00012001"
    window.tabs.setCurrentWidget(window.cash)
    qtbot.waitUntil(lambda: window.cash.on_hand.text() == "¥1,140.00", timeout=10_000)
    window.tabs.setCurrentWidget(window.progress)
    qtbot.waitUntil(lambda: window.progress.figures["enrolled"].text() == "3 / 6",
                    timeout=10_000)
    window.tabs.setCurrentWidget(roster)
    qtbot.waitUntil(lambda: all(m["enrolment"]["state"] == "enrolled"
                                for m in roster.members_model.rows()), timeout=10_000)
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=10_000)
    assert detail_resets  # the open household shows its new enrolments
    assert list_resets == []  # the households list did not change, and was not read again


def test_a_roster_change_refreshes_the_roster_page_when_next_shown(qtbot, window):
    roster = window.roster
    window.tabs.setCurrentWidget(roster)
    qtbot.waitUntil(lambda: roster.households_model.rowCount() == 4, timeout=10_000)
    window.tabs.setCurrentWidget(window.collect)
    done: list[Any] = []
    window.ctx.act(lambda ws: add_household(ws, household_no="3404220010005", head_name="赵敏",
                                            group="四组"),
                   done.append, changes=Changes.ROSTER)
    qtbot.waitUntil(lambda: bool(done) and not window.worker.busy, timeout=10_000)
    assert roster.households_model.rowCount() == 4  # hidden: read when looked at
    window.tabs.setCurrentWidget(roster)
    qtbot.waitUntil(lambda: roster.households_model.rowCount() == 5, timeout=10_000)
    assert "赵敏" in {r["head_name"] for r in roster.households_model.rows()}
    assert roster.count.text() == "共 5 户"
