"""Fault injection: SIGKILL at random instants and a full disk at random writes, over the
whole day's work, and afterwards nothing acknowledged lost, nothing doubled, every number.

The child (tests/fault_child.py, forked from a zygote that imported everything once) works a
village database with a random mix of collect, void, blank void, refund, deposit, roster
import, sync apply, passphrase change and backup, and prints ``ACK`` after each committed
transaction. The parent:

- **kill runs**: SIGKILLs it at a random instant (one in ten while it is still
  unlocking), each run leaning on one operation so every operation is hit in flight;
- **ENOSPC runs**: leaves the child's disk a random 16–600 KB short of full (a size-limited
  tmpfs mounted in the test's folder when root; otherwise RLIMIT_FSIZE, so EFBIG), lets it
  work until a write fails and a little longer, then lets it free the space and carry on with
  the same open program, and ends it (clean close, or SIGKILL while idle);

and after every run reopens the database and checks what a township accountant would:

- every acknowledged payment, print, void, blank void, refund, deposit, imported and synced
  household and person, external payment and book is there; the passphrase is the last one
  acknowledged (or, after a kill, the next); every acknowledged backup opens and verifies and
  holds exactly the events it had;
- nothing twice: no receipt number used twice, no payment with two numbers, no person active
  twice, no feed page applied twice (the ``sync.pulled`` events chain cursor to cursor);
- numbers accounted for: the numbers used in each book run from its first without a gap, each
  issued, voided blank or voided with its payment cancelled; reconcile names no 跳号;
- `verify` ok;
- at most one committed-but-unacknowledged transaction per kill, and none in an ENOSPC run:
  an operation that failed for lack of space wrote nothing.

``make test`` runs two short parts (10 kills and 5 disk-full runs each); ``make soak``
(YIBAO_SOAK=1) runs ``SOAK_EPOCHS`` fresh villages of ``SOAK_KILLS`` kills and
``SOAK_FAULTS`` disk-full runs each; with YIBAO_FAULT_REPORT=<file> each part appends its
counts there as one JSON line (docs/RELIABILITY.md, "Fault injection").
"""

from __future__ import annotations

import json
import os
import random
import select
import shutil
import signal
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.domain.errors import YibaoError
from app.services.base.workspace import init_database, key_path_for, open_workspace
from app.services.upkeep.verify import verify_workspace
from app.services.views.reconcile import reconcile
from app.services.village import books
from db.keyfile import KeyFile, _aad, _unwrap_with_secret
from tests.conftest import ROOT
from tests.fault_child import OPS, SERIES, SYNC_BOOK_BASE, passphrase
from tests.helpers_faults import CHILD, Zygote, small_disk
from tests.helpers_ledger import add_household, make_village

SOAK = bool(os.environ.get("YIBAO_SOAK"))
SOAK_EPOCHS, SOAK_KILLS, SOAK_FAULTS = 10, 105, 20
# Journal types each acknowledged operation writes exactly once (one per transaction).
COUNTED = {"collect": "payment.collected", "print": "receipt.printed", "void": "receipt.voided",
           "blank": "receipt.voided", "refund": "refund.made", "deposit": "deposit.recorded",
           "import": "roster.imported", "sync": "sync.pulled"}
# About how long each operation takes on this machine (tests/fault_child.py, idle): a kill
# aimed at one comes within this long after it began.
LASTS = {"collect": 0.025, "void": 0.025, "blank": 0.003, "refund": 0.004, "deposit": 0.002,
         "import": 0.02, "sync": 0.02, "passwd": 0.25, "backup": 0.15}


@dataclass
class Books:
    """What the parent knows: every acknowledgement so far, and the tallies."""

    acks: list[dict] = field(default_factory=list)
    n: int = 0  # the passphrase the village has now
    excess: int = 0  # committed transactions never acknowledged (≤ 1 per kill)
    runs: int = 0
    kills: Counter = field(default_factory=Counter)  # by the operation in flight
    early_kills: int = 0  # of them, while the child was still unlocking
    fault_runs: int = 0
    faults: Counter = field(default_factory=Counter)  # by operation
    fault_kinds: Counter = field(default_factory=Counter)  # by exception type
    recovered: int = 0  # ENOSPC runs with an acknowledgement after the space came back
    refused: Counter = field(default_factory=Counter)
    backups: int = 0
    next_household: int = 0

    def summary(self) -> dict:
        ops = Counter(a["op"] for a in self.acks)
        return {"runs": self.runs, "kills": sum(self.kills.values()),
                "kills_by_op": dict(self.kills), "early_kills": self.early_kills,
                "enospc_runs": self.fault_runs, "faults_by_op": dict(self.faults),
                "fault_kinds": dict(self.fault_kinds), "recovered": self.recovered,
                "acks": len(self.acks), "acks_by_op": dict(ops), "unacked_commits": self.excess,
                "backups_checked": self.backups, "refused": dict(self.refused)}


def _current_passphrase(db: Path, acked: int) -> int:
    """Which passphrase opens the key file: the acknowledged one, or the next after a kill
    (checked without a failed unlock, which the key file would count)."""
    try:
        kf = KeyFile.load(key_path_for(db))
    except (YibaoError, OSError, ValueError) as exc:  # damaged: fail with the reason
        raise AssertionError(f"the key file no longer loads: {exc}") from None
    entry = kf.data["users"][0]
    aad = _aad(kf.db_id, entry["name"], entry["role"])
    opens = []
    for n in (acked, acked + 1):
        with suppress(Exception):
            _unwrap_with_secret(entry, passphrase(n), aad)
            opens.append(n)
    assert len(opens) == 1, f"the key file opens with {opens} (acknowledged: {acked})"
    return opens[0]


def _top_up(ws, state: Books) -> None:
    """Between runs, as the township would: households and receipt numbers for a run."""
    free = ws.conn.execute(
        "SELECT count(*) FROM persons p WHERE p.status = 'active' AND NOT EXISTS (SELECT 1 "
        "FROM enrolments e WHERE e.person_id = p.id AND NOT EXISTS (SELECT 1 FROM "
        "enrolment_ends x WHERE x.enrolment_id = e.id))").fetchone()[0]
    while free < 150:
        add_household(ws, f"3404220{state.next_household:06d}", members=3)
        state.next_household, free = state.next_household + 1, free + 3
    size, last = ws.conn.execute(
        "SELECT coalesce(sum(last_no - first_no + 1), 0), coalesce(max(last_no), 0) "
        "FROM receipt_books WHERE first_no < ?", (SYNC_BOOK_BASE,)).fetchone()
    used = ws.conn.execute("SELECT count(*) FROM receipt_numbers n JOIN receipt_books b ON "
                           "b.id = n.book_id WHERE b.first_no < ?",
                           (SYNC_BOOK_BASE,)).fetchone()[0]
    if size - used < 500:
        books.register_book(ws, series=SERIES, first=last + 1, last=last + 2000)


def _rows(conn, sql: str, *args) -> list[tuple]:
    return conn.execute(sql, args).fetchall()


def _check_numbers(conn) -> None:
    assert _rows(conn, "SELECT series, number FROM payments WHERE number IS NOT NULL "
                       "GROUP BY series, number HAVING count(*) > 1") == [], "number used twice"
    assert _rows(conn, "SELECT payment_id FROM receipt_numbers WHERE payment_id IS NOT NULL "
                       "GROUP BY payment_id HAVING count(*) > 1") == [], "payment with 2 numbers"
    for book_id, first in _rows(conn, "SELECT id, first_no FROM receipt_books"):
        used = [n for (n,) in _rows(conn, "SELECT number FROM receipt_numbers WHERE book_id = ? "
                                          "ORDER BY number", book_id)]
        assert used == list(range(first, first + len(used))), f"a number was skipped: {used}"
    # Every number that left the book: issued to a live payment, issued and voided with its
    # payment cancelled, or a blank voided (skipped, with its reason) — 跳号 is anything else.
    unexplained = _rows(
        conn, "SELECT n.number, n.state FROM receipt_numbers n WHERE n.state NOT IN "
              "('issued', 'skipped') OR (n.state = 'issued' AND EXISTS (SELECT 1 FROM "
              "receipt_voids v WHERE v.series = n.series AND v.number = n.number) != EXISTS "
              "(SELECT 1 FROM payment_cancellations c WHERE c.payment_id = n.payment_id)) OR "
              "(n.state = 'skipped' AND EXISTS (SELECT 1 FROM receipt_voids v WHERE "
              "v.series = n.series AND v.number = n.number))")
    assert unexplained == [], f"numbers neither issued nor voided: {unexplained}"


def _check_acks(conn, acks: list[dict]) -> None:
    payments = {pid: (series, number, amount) for pid, series, number, amount in
                _rows(conn, "SELECT id, series, number, amount_fen FROM payments")}
    issued = dict(_rows(conn, "SELECT payment_id, number FROM receipt_numbers "
                              "WHERE state = 'issued'"))
    voided = {n for (n,) in _rows(conn, "SELECT number FROM receipt_voids")}
    cancelled = {p for (p,) in _rows(conn, "SELECT payment_id FROM payment_cancellations")}
    blanks = {n for (n,) in _rows(conn, "SELECT number FROM receipt_numbers "
                                        "WHERE state = 'skipped'")}
    printed = {n for (n,) in _rows(conn, "SELECT number FROM receipt_prints")}
    refunds = dict(_rows(conn, "SELECT id, amount_fen FROM refunds"))
    deposits = {i: (s, a) for i, s, a in _rows(conn, "SELECT id, slip_no, amount_fen "
                                                      "FROM deposits")}
    households = {n for (n,) in _rows(conn, "SELECT household_no FROM households")}
    persons = dict(_rows(conn, "SELECT p.id_number, h.household_no FROM persons p "
                               "JOIN households h ON h.id = p.household_id"))
    external = {i for (i,) in _rows(conn, "SELECT id FROM external_payments")}
    book_firsts = {f for (f,) in _rows(conn, "SELECT first_no FROM receipt_books")}
    for a in acks:
        op = a["op"]
        if op == "collect":
            assert payments.get(a["payment_id"]) == (a["series"], a["number"], a["amount"]), a
            assert issued[a["payment_id"]] == a["number"], a
        elif op == "print":
            assert a["number"] in printed, a
        elif op == "void":
            assert a["number"] in voided and a["payment_id"] in cancelled, a
        elif op == "blank":
            assert a["number"] in blanks, a
        elif op == "refund":
            assert refunds.get(a["refund_id"]) == a["amount"], a
        elif op == "deposit":
            assert deposits.get(a["deposit_id"]) == (a["slip"], a["amount"]), a
        elif op in ("import", "sync"):
            assert set(a["households"]) <= households, a
            assert all(persons.get(number) == no for number, no in a["persons"]), a
            assert set(a.get("payments", ())) <= external, a
            assert set(a.get("books", ())) <= book_firsts, a


def _check_once(conn, acks: list[dict]) -> None:
    """Nothing twice: a person active once, a feed page applied once, cursor to cursor."""
    assert _rows(conn, "SELECT id_type, id_number FROM persons WHERE status = 'active' "
                       "GROUP BY id_type, id_number HAVING count(*) > 1") == [], "person twice"
    pulled = [json.loads(p) for (p,) in _rows(
        conn, "SELECT payload FROM journal WHERE type = 'sync.pulled' ORDER BY seq")]
    cursor = 0
    for page in pulled:
        assert page["cursor_from"] == cursor, f"a page applied twice or skipped: {pulled}"
        cursor = page["cursor_to"]
    state = dict(_rows(conn, "SELECT key, value FROM sync_state"))
    assert int(state.get("cursor", 0)) == cursor
    synced = [a["cursor_to"] for a in acks if a["op"] == "sync"]
    assert cursor >= max(synced, default=0)


def _check_backups(acks: list[dict], state: Books, folder: Path) -> None:
    """Each acknowledged backup opens with its own key copy and holds what it said; then the
    folder is emptied (half-written copies of killed backups included) to keep the disk."""
    for a in acks:
        if a["op"] != "backup":
            continue
        with open_workspace(Path(a["path"]), user=None, passphrase=passphrase(a["n"])) as bws:
            held = bws.conn.execute("SELECT count(*) FROM journal").fetchone()[0]
            assert held == a["events"], (a, held)
            report = verify_workspace(bws)
            assert report.ok, (a, report.problems)
        state.backups += 1
    for leftover in folder.glob("*") if folder.exists() else ():
        leftover.unlink()


def _check(db: Path, state: Books, new: list[dict], *, killed: bool) -> None:
    acked_n = state.n + sum(a["op"] == "passwd" for a in new)
    n_now = _current_passphrase(db, acked_n)
    state.acks += new
    with open_workspace(db, user=None, passphrase=passphrase(n_now)) as ws:
        conn = ws.conn
        _check_numbers(conn)
        problems = reconcile(ws)["problems"]
        assert [p for p in problems if "跳号" in p or "超出" in p] == [], problems
        _check_acks(conn, state.acks)
        _check_once(conn, state.acks)
        report = verify_workspace(ws)
        assert report.ok and report.problems == [], report.problems
        # Committed transactions the clerk never saw acknowledged: at most the one a kill
        # cut short; none when the run only met a full disk.
        # (A pulled page journals its households as a roster.imported of its own, beside its
        # sync.pulled: one transaction, counted once as the sync.)
        counts = Counter(dict(_rows(conn, "SELECT type, count(*) FROM journal WHERE NOT "
                                          "(type = 'roster.imported' AND json_extract(payload, "
                                          "'$.via') IS 'sync') GROUP BY type")))
        acked = Counter(COUNTED[a["op"]] for a in state.acks
                        if a["op"] in COUNTED and a.get("journaled", True))
        for kind in set(COUNTED.values()):
            assert counts[kind] >= acked[kind], f"{kind}: {counts[kind]} < {acked[kind]} acked"
        passwd_acks = sum(a["op"] == "passwd" for a in state.acks)
        excess = sum(counts[k] - acked[k] for k in set(COUNTED.values())) + n_now - passwd_acks
        grew = excess - state.excess
        assert 0 <= grew <= (1 if killed else 0), (
            f"{grew} committed transactions were never acknowledged in one run: journal "
            f"{dict(counts)}, acknowledged {dict(acked)}, passphrase {n_now} after "
            f"{passwd_acks} acknowledged changes, before {state.excess}")
        state.excess, state.n = excess, n_now
        _top_up(ws, state)
    _check_backups(new, state, db.parent.parent / "backups")


def _parse(text: str) -> tuple[list[dict], list[str]]:
    """Whole lines only: a line cut off by the kill was never seen by the clerk."""
    lines = [line[:-1] for line in text.splitlines(keepends=True) if line.endswith("\n")]
    return [json.loads(line[4:]) for line in lines if line.startswith("ACK ")], lines


def _in_flight(lines: list[str]) -> str:
    if "READY" not in lines:
        return "open"
    begun = [line.split()[1] for line in lines if line.startswith("BEGIN ")]
    return "idle" if lines[-1] == "IDLE" or not begun else begun[-1]


def _wait_for(path: Path, words: tuple[str, ...], child_done, timeout: float, *,
              poll: float = 0.005) -> None:
    """Until the child has said one of ``words`` (a word given n times: said n times)."""
    deadline = time.monotonic() + timeout
    wanted = Counter(words)

    def said() -> bool:
        text = path.read_text("utf-8")
        return any(text.count(w) >= n for w, n in wanted.items())

    while not said() and not child_done():
        assert time.monotonic() < deadline, f"the child never said {words}"
        time.sleep(poll)


def _fill(disk: Path, kind: str, rng: random.Random, db: Path) -> dict:
    """Leave the child a random 16–600 KB before the disk is full."""
    room = rng.randint(16, 600) * 1024
    if kind == "rlimit":
        return {"fsize": os.path.getsize(db) + room}
    filler = disk / "filler"
    st = os.statvfs(disk)
    size = st.f_bavail * st.f_frsize - room
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.posix_fallocate(fd, 0, max(size, 1))
    finally:
        os.close(fd)
    return {"filler": str(filler)}


def _campaign(tmp_path: Path, *, kills: int, faults: int, seed: int) -> dict:
    """``kills`` kill runs and ``faults`` disk-full runs, shuffled, on one village."""
    rng = random.Random(seed)
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {**os.environ, "YIBAO_FAST_KDF": "1", "PYTHONPATH": str(ROOT),
           "YIBAO_LOG_DIR": str(logs)}
    with small_disk(tmp_path / "disk") as (kind, disk):
        db = disk / "village" / "yibao.db"
        init_database(db, user="李会计", role="collector", passphrase=passphrase(0),
                      village="3404220010")
        state = Books()
        with open_workspace(db, user=None, passphrase=passphrase(0)) as ws:
            make_village(ws, households=0, book=None)
            _top_up(ws, state)
        plan = ["kill"] * kills + ["enospc"] * faults
        rng.shuffle(plan)
        zygote = Zygote(env, CHILD)
        try:
            for mode in plan:
                _one_run(zygote, mode, db, disk, kind, state, rng, seed, tmp_path)
            # A run whose work never filled the disk does not count: more until enough did.
            for _ in range(3 * faults):
                if state.fault_runs >= faults:
                    break
                _one_run(zygote, "enospc", db, disk, kind, state, rng, seed, tmp_path)
        except AssertionError as exc:
            # Keep what the check saw (the tmpfs goes with the mount) and say so at once.
            zygote.close()
            shutil.copytree(disk, tmp_path / "disk-at-failure", dirs_exist_ok=True)
            _report({"failed": str(exc)[:4000], "seed": seed, "kept": str(tmp_path)})
            raise
        finally:
            zygote.close()
        out = state.summary() | {"disk": kind, "seed": seed}
    _report(out)
    print(json.dumps(out, ensure_ascii=False))
    return out


def _report(line: dict) -> None:
    report = os.environ.get("YIBAO_FAULT_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def _one_run(zygote: Zygote, mode: str, db: Path, disk: Path, kind: str, state: Books,
             rng: random.Random, seed: int, tmp_path: Path) -> None:
    run = state.runs
    out, err = tmp_path / f"run{run}.out", tmp_path / f"run{run}.err"
    focus = rng.choice(OPS) if rng.random() < 0.8 else None
    cfg = {"run": run, "seed": seed, "passphrase_n": state.n, "db": str(db),
           "work": str(disk), "focus": focus, "budget": 400, "out": str(out),
           "err": str(err), "logs": str(tmp_path / "logs")}
    if mode == "enospc":
        cfg |= {"enospc": True, **_fill(disk, kind, rng, db)}
    out.touch()
    err.touch()
    pid = zygote.start(cfg)
    exited: list[int] = []

    def done() -> bool:  # the child ended by itself (the zygote says so)
        if not exited:
            ready, _, _ = select.select([zygote.proc.stdout], [], [], 0)
            if ready:
                exited.append(zygote.wait(pid))
        return bool(exited)

    if mode == "kill":
        if rng.random() < 0.1:
            time.sleep(rng.uniform(0, 0.06))  # while it unlocks and opens the database
        elif focus is None:
            _wait_for(out, ("READY",), done, 60)
            time.sleep(rng.uniform(0, 0.35))
        else:  # during (or just after) the operation it leans on
            _wait_for(out, (f"BEGIN {focus}\n",) * rng.randint(1, 3), done, 60,
                      poll=0.001)
            time.sleep(rng.uniform(0, LASTS[focus]))
    else:
        _wait_for(out, ("IDLE", "CLOSED"), done, 120)
    if not done():
        with suppress(ProcessLookupError):  # it may have ended just now
            os.kill(pid, signal.SIGKILL)
        exited.append(zygote.wait(pid))
    code = exited[0]
    Path(cfg.get("filler", disk / "filler")).unlink(missing_ok=True)
    state.runs += 1
    new, lines = _parse(out.read_text("utf-8"))
    trouble = f"run {run} ({mode}, seed {seed}, exit {code}): {lines[-5:]}\n" \
              f"{err.read_text('utf-8')[-3000:]}"
    state.refused.update(line.split()[1] for line in lines if line.startswith("REFUSED "))
    if mode == "kill":
        assert code == -signal.SIGKILL, f"the child ended by itself: {trouble}"
        assert not any(line.startswith("FAULT ") for line in lines), trouble
        where = _in_flight(lines)
        state.kills[where] += 1
        state.early_kills += where == "open"
    else:
        assert code in (0, 3, -signal.SIGKILL), f"the child broke: {trouble}"
        hit = [line.split(maxsplit=3) for line in lines if line.startswith("FAULT ")]
        if hit:
            state.fault_runs += 1
            state.faults.update(h[1] for h in hit)
            state.fault_kinds.update(h[2] for h in hit)
        if "FREED" in lines and any(line.startswith("ACK ")
                                    for line in lines[lines.index("FREED"):]):
            state.recovered += 1
    try:
        _check(db, state, new, killed=mode == "kill")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{trouble}") from None


@pytest.mark.parametrize("part", [0, 1])
def test_kills_and_full_disks_lose_nothing_acknowledged(tmp_path, part):
    stats = _campaign(tmp_path, kills=10, faults=5, seed=20261207 + part)
    assert stats["kills"] == 10 and stats["enospc_runs"] >= 5


def _soak_seed() -> int:
    value = os.environ.get("YIBAO_FAULT_SEED", "")
    return int(value) if value.isdigit() else int(time.time())


_SOAK_DONE: list[dict] = []  # each epoch's counts, for the totals below (make soak: in order)


@pytest.mark.soak
@pytest.mark.timeout(3600)
@pytest.mark.skipif(not SOAK, reason="soak run: make soak (YIBAO_SOAK)")
@pytest.mark.parametrize("epoch", range(SOAK_EPOCHS))
def test_soak_kills_and_full_disks(tmp_path, epoch):
    stats = _campaign(tmp_path, kills=SOAK_KILLS, faults=SOAK_FAULTS,
                      seed=_soak_seed() * 100 + epoch)
    assert stats["kills"] == SOAK_KILLS and stats["enospc_runs"] >= SOAK_FAULTS
    _SOAK_DONE.append(stats)


@pytest.mark.soak
@pytest.mark.skipif(not SOAK, reason="soak run: make soak (YIBAO_SOAK)")
def test_soak_totals():
    """Over the whole soak: ≥ 1,000 kills with every listed operation in flight at some of
    them, and ≥ 100 runs that met a full disk."""
    if len(_SOAK_DONE) < SOAK_EPOCHS:
        pytest.skip("the soak epochs did not all run in this session")
    def total(key: str) -> dict:
        return dict(sum((Counter(s[key]) for s in _SOAK_DONE), Counter()))

    kills = Counter(total("kills_by_op"))
    totals = {"kills": sum(kills.values()), "kills_by_op": dict(kills),
              **{key: sum(s[key] for s in _SOAK_DONE) for key in (
                  "runs", "early_kills", "enospc_runs", "recovered", "acks",
                  "unacked_commits", "backups_checked")},
              **{key: total(key) for key in ("faults_by_op", "fault_kinds", "acks_by_op",
                                             "refused")}}
    _report({"totals": totals})
    assert totals["kills"] >= 1000 and totals["enospc_runs"] >= 100, totals
    assert all(kills[op] >= 10 for op in OPS), totals["kills_by_op"]
