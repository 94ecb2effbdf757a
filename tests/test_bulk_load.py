"""A large roster import builds the roster's indexes after its inserts (db.connection
.indexes_built_after): the schema, the searches and the uniqueness rules come out the same."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.idcard import make_id_number
from app.services.base.workspace import init_database, open_workspace
from app.services.upkeep.verify import verify_workspace
from app.services.village.roster import find_households
from app.services.village.roster_import import _BULK_LOAD_PERSONS, import_roster
from db.connection import IntegrityError, indexes_built_after, tx
from db.journal import verify_chain
from tests.conftest import PASSPHRASE, ROOT

HEADER = ["户号", "户主姓名", "姓名", "与户主关系", "证件号码", "户籍性质"]
SURNAMES = "王李张刘陈杨黄赵吴周"


def _schema(ws) -> set[tuple]:
    return set(ws.conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def _roster(path: Path, persons: int, *, first: int = 0) -> Path:
    """``persons`` people, two to a household, the first of each its head."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for n in range(first, first + persons):
            household = f"34042200{n // 2:06d}"
            name = SURNAMES[n % 10] + "春秋冬夏"[n // 10 % 4] + "明亮"[n // 40 % 2]
            head = SURNAMES[(n - n % 2) % 10] + "春秋冬夏"[(n - n % 2) // 10 % 4] \
                + "明亮"[(n - n % 2) // 40 % 2]
            number = make_id_number("340422", date(1950, 1, 1) + timedelta(days=n % 20000),
                                    n // 20000)
            out.writerow([household, head, name, "户主" if n % 2 == 0 else "配偶", number,
                          "本地"])
    return path


def _person(ws, pid: str, hid: str, number: str) -> None:
    ws.conn.execute(
        "INSERT INTO persons (id, household_id, name, id_number, id_rev, created_at, "
        "updated_at) VALUES (?, ?, '王明', ?, ?, 'now', 'now')", (pid, hid, number, number[::-1]))


def _household(ws, hid: str) -> None:
    ws.conn.execute("INSERT INTO households (id, household_no, head_name, created_at, updated_at)"
                    " VALUES (?, ?, '王明', 'now', 'now')", (hid, hid))


def test_the_indexes_come_back_as_they_were(ws):
    before = _schema(ws)
    with tx(ws.conn), indexes_built_after(ws.conn, ("households", "persons")):
        _household(ws, "h1")
        _person(ws, "p1", "h1", make_id_number("340422", date(1980, 1, 1), 1))
        assert not ws.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'persons_name'"
                                   ).fetchone()
    assert _schema(ws) == before
    plan = " ".join(row[3] for row in ws.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM persons WHERE name = '王明'"))
    assert "persons_name" in plan


def test_a_duplicate_certificate_is_still_refused_and_nothing_is_kept(ws):
    before = _schema(ws)
    number = make_id_number("340422", date(1980, 1, 1), 1)
    with pytest.raises(IntegrityError), tx(ws.conn), \
            indexes_built_after(ws.conn, ("households", "persons")):
        _household(ws, "h1")
        _person(ws, "p1", "h1", number)
        _person(ws, "p2", "h1", number)  # both active: the unique index refuses it when built
    assert _schema(ws) == before
    assert ws.conn.execute("SELECT count(*) FROM persons").fetchone() == (0,)


def test_an_error_inside_leaves_the_indexes_to_the_rollback(ws):
    before = _schema(ws)
    with pytest.raises(RuntimeError, match="stop"), tx(ws.conn), \
            indexes_built_after(ws.conn, ("persons",)):
        _household(ws, "h1")
        raise RuntimeError("stop")
    assert _schema(ws) == before
    assert ws.conn.execute("SELECT count(*) FROM households").fetchone() == (0,)


def test_outside_a_transaction_it_refuses(ws):
    with pytest.raises(RuntimeError), indexes_built_after(ws.conn, ("persons",)):
        pass


def test_large_imports_keep_the_schema_the_searches_and_the_chain(ws, tmp_path):
    before = _schema(ws)
    first = import_roster(ws, _roster(tmp_path / "a.csv", _BULK_LOAD_PERSONS))
    assert (first.persons, first.rejected) == (_BULK_LOAD_PERSONS, [])
    # As many again into a roster of that size: built after again; then a small one, row by row.
    second = import_roster(ws, _roster(tmp_path / "b.csv", _BULK_LOAD_PERSONS,
                                       first=_BULK_LOAD_PERSONS))
    third = import_roster(ws, _roster(tmp_path / "c.csv", 10, first=2 * _BULK_LOAD_PERSONS))
    assert (second.persons, third.persons) == (_BULK_LOAD_PERSONS, 10)
    assert _schema(ws) == before
    assert ws.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    held = ws.conn.execute("SELECT count(*) FROM persons").fetchone()[0]
    assert held == 2 * _BULK_LOAD_PERSONS + 10
    found = find_households(ws, "34042200005001")
    assert [h["household_no"] for h in found] == ["34042200005001"]
    assert verify_chain(ws.conn).ok
    # A second copy of a certificate is refused as before: the unique index was rebuilt.
    again = import_roster(ws, _roster(tmp_path / "d.csv", 4, first=0))
    assert (again.persons, again.unchanged) == (0, 4)


CHILD = r"""
import os, sys, time
from pathlib import Path
from app.services.base.workspace import open_workspace
from app.services.village.roster_import import import_roster

ws = open_workspace(Path(sys.argv[1]), user=None, passphrase=os.environ["YIBAO_TEST_PASSPHRASE"])
print("READY", flush=True)
started = time.monotonic()
report = import_roster(ws, Path(sys.argv[2]))
print(f"DONE {report.persons} {time.monotonic() - started:.3f}", flush=True)
time.sleep(600)
"""


def _child(db: Path, roster: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "YIBAO_TEST_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(roster)], cwd=ROOT,
                            env=env, stdout=out.open("w"), stderr=subprocess.STDOUT)


def _wait_for(out: Path, word: str, child: subprocess.Popen, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while word not in (text := out.read_text()):
        assert child.poll() is None, text
        assert time.monotonic() < deadline, f"no {word} from the child: {text}"
        time.sleep(0.005)
    return text


def test_a_kill_during_a_large_import_leaves_all_of_it_or_none_and_every_index(tmp_path):
    """SIGKILL while 6,000 persons go into an empty roster, at moments spread over the
    import (the inserts, the indexes being built, the commit): after each, the database is
    whole, holds the import entirely or not at all, and has every index it had."""
    roster = _roster(tmp_path / "roster.csv", 6_000)

    def fresh(name: str) -> Path:
        return init_database(tmp_path / name / "yibao.db", user="李会计", role="collector",
                             passphrase=PASSPHRASE, village="3404220010").path

    timed = fresh("timed")
    with open_workspace(timed, user=None, passphrase=PASSPHRASE) as ws:
        schema = _schema(ws)
    out = tmp_path / "timed.out"
    child = _child(timed, roster, out)
    try:
        _wait_for(out, "READY", child)
        seconds = float(_wait_for(out, "DONE", child).split("DONE ")[1].split()[1])
    finally:
        child.kill()
        child.wait()
    outcomes = set()
    for n, share in enumerate((0.2, 0.45, 0.65, 0.8, 0.9, 0.97, 1.05)):
        db = fresh(f"killed-{n}")
        out = tmp_path / f"killed-{n}.out"
        child = _child(db, roster, out)
        try:
            _wait_for(out, "READY", child)
            time.sleep(seconds * share)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        with open_workspace(db, user=None, passphrase=PASSPHRASE) as ws:
            assert ws.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert _schema(ws) == schema
            persons = ws.conn.execute("SELECT count(*) FROM persons").fetchone()[0]
            imported = ws.conn.execute(
                "SELECT count(*) FROM journal WHERE type = 'roster.imported'").fetchone()[0]
            assert (persons, imported) in ((0, 0), (6_000, 6)), (share, persons, imported)
            assert verify_workspace(ws).ok
            outcomes.add(persons)
    assert 0 in outcomes  # at least the early kills caught it before the commit
