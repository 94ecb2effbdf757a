"""The child of tests/test_fault_injection.py: a clerk doing a random mix of the day's work.

``python tests/fault_child.py zygote`` imports everything once and then forks one driver per
line of JSON it reads on stdin (so a run costs an unlock, not a second of imports); it answers
``PID <pid>`` at once and ``EXIT <pid> <code>`` when that driver ends (-9 after a SIGKILL).

A driver opens the village database and performs collect (then prints), void (then sometimes
collects again), blank void, refund, deposit, roster import (a new file, or one imported
before), sync apply (a pulled page built from the cursor, as the county would resend it, and
sometimes a stale page again), passphrase change and backup. Its stdout says what happened:

- ``READY`` once the database is open; ``BEGIN <op>`` before each operation;
- ``ACK <json>`` after each committed transaction (when the clerk would hand over the paper);
- ``REFUSED <op> <message>`` for a business refusal (nothing written);
- ``FAULT <op> <type> <message>`` for a resource failure (the ENOSPC runs), ``FREED`` once it
  has freed the space again;
- ``IDLE`` when its budget is spent (it then waits to be killed), ``CLOSED`` after a clean exit.

Everything it does is a function of ``seed`` and ``run`` and of the database it finds, so a
failing run can be replayed with the same numbers (see the test module's docstring).
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import signal
import sys
import time
import traceback
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.domain.errors import NotFound, PermissionDenied, Refused, ValidationError
from app.domain.idcard import make_id_number
from app.services.base.workspace import change_passphrase, open_workspace
from app.services.exchange.county_checks import check_page
from app.services.exchange.feed import SyncTally, apply_page
from app.services.upkeep.backup import backup_database
from app.services.village.books import mark_printed, next_receipt, void_receipt
from app.services.village.campaigns import active_campaign
from app.services.village.cash import cash_position, record_deposit
from app.services.village.collect import collect_household, household_fees, member_statuses
from app.services.village.refunds import refund_line
from app.services.village.roster_import import import_roster
from sync.protocol import PullResponse
from sync.state import load_state

OPS = ("collect", "void", "blank", "refund", "deposit", "import", "sync", "passwd", "backup")
WEIGHTS = {"collect": 30, "void": 10, "blank": 4, "refund": 8, "deposit": 8, "import": 6,
           "sync": 10, "passwd": 4, "backup": 3}
SERIES = "皖医保"
AREA = "340422"
COLLECTOR = "李会计"
# 09:00 in Beijing: runs step 20 s each, so even 2,000 runs stay inside one business day
# (a receipt may be voided only on its own day) and inside the collection window.
DAY_START = datetime(2026, 10, 20, 1, 0, tzinfo=UTC)
# Household and person numbers of each source, far apart so they never meet.
IMPORT_BIRTH = date(1970, 1, 1)
SYNC_BIRTH = date(1985, 1, 1)
SYNC_BOOK_BASE = 10_000_000
NAMESPACE = uuid.UUID("6f1c2a52-5d0e-4a57-9d43-1f0c8e0a7b11")
IMPORT_HEADER = ["户号", "村民小组", "户主姓名", "姓名", "与户主关系", "证件类型", "证件号码",
                 "性别", "出生日期", "民族", "户籍性质", "人员类别", "联系电话", "备注"]
PER_RUN_IMPORTED = 60  # persons a run may put in new import files (their numbers are reserved)
BUSINESS = (Refused, ValidationError, NotFound, PermissionDenied)


def passphrase(n: int) -> str:
    """The n-th passphrase of the village (change n → n + 1 is one passphrase change)."""
    return f"故障注入 passphrase {n}"


def person_number(birth: date, counter: int) -> str:
    """A valid ID number for ``counter`` (0, 1, …) of a source starting at ``birth``."""
    return make_id_number(AREA, birth + timedelta(days=counter // 1000), counter % 1000)


# ---- the county's feed, a pure function of the cursor ---------------------------------------


def feed_kind(seq: int) -> str:
    if seq % 10 == 5:
        return "book"
    if seq % 7 == 3:
        return "external_payment"
    return "household"


def sync_person(seq: int, i: int) -> str:
    return person_number(SYNC_BIRTH, seq * 4 + i)


def feed_item(seq: int) -> dict:
    kind = feed_kind(seq)
    if kind == "book":
        first = SYNC_BOOK_BASE + seq * 100
        return {"seq": seq, "kind": kind, "data": {
            "allocation_id": str(uuid.uuid5(NAMESPACE, f"book-{seq}")), "series": SERIES,
            "first": first, "last": first + 99, "collector": COLLECTOR}}
    if kind == "external_payment":
        paid = max(s for s in range(1, seq) if feed_kind(s) == "household") if seq > 1 else 0
        return {"seq": seq, "kind": kind, "data": {
            "payment_id": str(uuid.uuid5(NAMESPACE, f"ext-{seq}")), "campaign_year": 2026,
            "id_number": sync_person(max(paid, 0), 0), "channel": "税务APP",
            "paid_at": "2026-10-01T02:00:00+00:00", "amount_fen": 38000}}
    persons = [{"name": f"县同步{seq}{i}", "id_number": sync_person(seq, i),
                "relation": "02" if i == 0 else "20"} for i in range(1 + seq % 2)]
    return {"seq": seq, "kind": kind, "data": {
        "household_no": f"SY{seq:07d}", "head_name": f"县同步{seq}0", "group": "三组",
        "persons": persons}}


def feed_page(cursor: int) -> PullResponse:
    """The page the county answers for ``cursor``: always the same one for the same cursor."""
    size = 1 + cursor % 3
    return PullResponse.model_validate({
        "cursor_from": cursor, "next_cursor": cursor + size, "more": False,
        "items": [feed_item(seq) for seq in range(cursor + 1, cursor + size + 1)],
        "server_time": "2026-10-20T02:00:00+00:00"})


def previous_cursor(cursor: int) -> int | None:
    """Where the page that ended at ``cursor`` began (pages chain 0 → 1 → 3 → 4 → …)."""
    start = 0
    while start < cursor:
        end = start + 1 + start % 3
        if end == cursor:
            return start
        start = end
    return None


def page_effects(page: PullResponse) -> dict:
    """What applying ``page`` must leave in the database (the parent checks these)."""
    out: dict[str, list] = {"households": [], "persons": [], "payments": [], "books": []}
    for item in page.items:
        if item.kind == "household":
            out["households"].append(item.data["household_no"])
            out["persons"] += [[p["id_number"], item.data["household_no"]]
                               for p in item.data["persons"]]
        elif item.kind == "external_payment":
            out["payments"].append(item.data["payment_id"])
        else:
            out["books"].append(item.data["first"])
    return out


# ---- the driver ------------------------------------------------------------------------------


class Driver:
    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.run = int(cfg["run"])
        self.rng = random.Random(int(cfg["seed"]) * 100_003 + self.run)
        self.n = int(cfg["passphrase_n"])
        self.path = Path(cfg["db"])
        self.work = Path(cfg["work"])
        self.now = DAY_START + timedelta(seconds=20 * self.run)
        self.mine: list[tuple[str, str, list[str]]] = []  # this run's receipts: no, hh, members
        self.imported = 0
        self.backups = 0
        weights = dict(WEIGHTS)
        if cfg.get("focus"):
            weights[cfg["focus"]] = sum(WEIGHTS.values())
        self.ops, self.weights = list(weights), list(weights.values())
        self.ws = None

    def open(self) -> None:
        self.ws = open_workspace(self.path, user=None, passphrase=passphrase(self.n))
        self.campaign = active_campaign(self.ws)
        print("READY", flush=True)

    @staticmethod
    def ack(**fields) -> None:
        print("ACK " + json.dumps(fields, ensure_ascii=False), flush=True)

    # -- collect, void, blank ------------------------------------------------------------------

    def _collectable(self) -> tuple[str, list[str]] | None:
        rows = self.ws.conn.execute(
            "SELECT id, household_no FROM households ORDER BY random() LIMIT 8").fetchall()
        for hid, no in rows:
            waiting = [m.id_number for m in member_statuses(self.ws, hid, self.campaign)
                       if m.collectable]
            if waiting:
                return no, waiting
        return None

    def _collect(self, no: str, members: list[str]) -> str:
        tier = "12"[sum(map(ord, no)) % 2]  # one tier per household (同户同档)
        household_fees(self.ws, no, tier, on=self.now.date())
        method = "cash" if self.rng.random() < 0.7 else "wechat"
        done = collect_household(self.ws, household_no=no, tier_code=tier, members=members,
                                 method=method, method_ref=f"WX{self.rng.getrandbits(40)}",
                                 now=self.now)
        self.ack(op="collect", payment_id=done.payment_id, series=done.series,
                 number=int(done.receipt_no), amount=done.amount_fen)
        self.mine.append((done.receipt_no, no, members))
        if self.rng.random() < 0.8:
            mark_printed(self.ws, done.receipt_no)
            self.ack(op="print", number=int(done.receipt_no))
        return done.receipt_no

    def op_collect(self) -> None:
        found = self._collectable()
        if found is None:
            raise Refused("没有待收缴的户")
        no, waiting = found
        members = self.rng.sample(waiting, 1 if self.rng.random() < 0.5 else len(waiting))
        self._collect(no, members)

    def op_void(self) -> None:
        if not self.mine or self.rng.random() < 0.5:
            self.op_collect()  # the mistake is seen at once, the money still in hand
            receipt, no, members = self.mine.pop()
        else:
            receipt, no, members = self.mine.pop(self.rng.randrange(len(self.mine)))
        result = void_receipt(self.ws, receipt, reason="打印错位", now=self.now)
        self.ack(op="void", payment_id=result["payment_id"], number=int(receipt))
        if self.rng.random() < 0.5:
            self._collect(no, members)

    def op_blank(self) -> None:
        blank = next_receipt(self.ws)
        void_receipt(self.ws, blank.formatted, reason="卡纸", now=self.now)
        self.ack(op="blank", number=blank.number)

    # -- refund, deposit ----------------------------------------------------------------------

    def op_refund(self) -> None:
        row = self._refundable()
        if row is None:  # every line refunded already: someone pays, and then is refunded
            self.op_collect()
            row = self._refundable()
        if row is None:
            raise Refused("没有可退费的缴费")
        on_hand = cash_position(self.ws, today=self.now.date()).on_hand_fen
        paid_by = "cash" if row[2] <= on_hand and self.rng.random() < 0.7 else "township"
        done = refund_line(self.ws, receipt_no=str(row[0]), id_number=row[1],
                           reason="elsewhere", paid_by=paid_by, now=self.now)
        self.ack(op="refund", refund_id=done.refund_id, amount=done.refund_fen,
                 id_number=row[1], number=int(row[0]))

    def _refundable(self) -> tuple | None:
        return self.ws.conn.execute(
            "SELECT p.number, l.id_number, l.payable_fen FROM payments p "
            "JOIN payment_lines l ON l.payment_id = p.id "
            "JOIN enrolments e ON e.payment_line_id = l.id WHERE l.payable_fen > 0 "
            "AND NOT EXISTS (SELECT 1 FROM payment_cancellations c WHERE c.payment_id = p.id) "
            "AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_line_id = l.id) "
            "AND NOT EXISTS (SELECT 1 FROM enrolment_ends x WHERE x.enrolment_id = e.id) "
            "ORDER BY random() LIMIT 1").fetchone()

    def op_deposit(self) -> None:
        on_hand = cash_position(self.ws, today=self.now.date()).on_hand_fen
        if on_hand <= 0:  # all of it deposited already: collect some first
            self.op_collect()
            on_hand = cash_position(self.ws, today=self.now.date()).on_hand_fen
        if on_hand <= 0:
            raise Refused("现金在手为零")
        amount = self.rng.randint(1, on_hand)
        slip = f"YH{self.run:05d}{self.rng.getrandbits(40):010x}"
        done = record_deposit(self.ws, amount_fen=amount, slip_no=slip, now=self.now)
        self.ack(op="deposit", deposit_id=done["deposit_id"], slip=slip, amount=amount)

    # -- roster import ------------------------------------------------------------------------

    def _new_import_file(self) -> Path:
        rows, households = [], self.rng.randint(1, 3)
        for h in range(households):
            no = f"IM{self.run:05d}{self.imported:02d}{h}"
            head = None
            for i in range(self.rng.randint(1, 3)):
                counter = self.run * PER_RUN_IMPORTED + self.imported + h * 3 + i
                number = person_number(IMPORT_BIRTH, counter)
                born = IMPORT_BIRTH + timedelta(days=counter // 1000)
                name = f"导入{self.run}{h}{i}"
                head = head or name
                rows.append([no, "一组", head, name, "户主" if i == 0 else "子", "居民身份证",
                             number, "男" if counter % 2 else "女", born.isoformat(), "汉族",
                             "本地", "", "", ""])
        self.imported += 9
        folder = self.work / "imports"
        folder.mkdir(exist_ok=True)
        path = folder / f"roster-{self.run:05d}-{self.imported:02d}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([IMPORT_HEADER, *rows])
        return path

    def op_import(self) -> None:
        old = sorted((self.work / "imports").glob("roster-*.csv")) \
            if (self.work / "imports").exists() else []
        if old and self.rng.random() < 0.3:
            path = self.rng.choice(old)  # the same file again, as after a crash
        elif self.imported + 9 <= PER_RUN_IMPORTED:
            path = self._new_import_file()
        else:
            raise Refused("本轮导入已达上限")
        with path.open(encoding="utf-8", newline="") as fh:
            # Only whole rows: a file cut short by a full disk may end inside one.
            rows = [r for r in list(csv.reader(fh))[1:] if len(r) == len(IMPORT_HEADER)]
        if not rows:  # a file cut short by a full disk: never imported, start another
            path.unlink()
            raise Refused("导入文件为空")
        report = import_roster(self.ws, path)
        self.ack(op="import", file=path.name, journaled=bool(
            report.households or report.persons or report.updated),
            persons=[[r[6], r[0]] for r in rows], households=sorted({r[0] for r in rows}))

    # -- sync apply ---------------------------------------------------------------------------

    def op_sync(self) -> None:
        cursor = load_state(self.ws.conn).cursor
        before = previous_cursor(cursor)
        if before is not None and self.rng.random() < 0.2:
            # The county sends the last page again (its answer to us was lost): no change.
            stale = feed_page(before)
            apply_page(self.ws, stale, check_page(stale, stale.cursor_from), SyncTally())
            self.ack(op="stale", cursor=cursor)
        page = feed_page(cursor)
        items = check_page(page, cursor)
        apply_page(self.ws, page, items, SyncTally())
        self.ack(op="sync", journaled=True, cursor_from=cursor, cursor_to=page.next_cursor,
                 **page_effects(page))

    # -- passphrase, backup -------------------------------------------------------------------

    def op_passwd(self) -> None:
        change_passphrase(self.path, user=None, old=passphrase(self.n),
                          new=passphrase(self.n + 1))
        self.n += 1
        self.ack(op="passwd", n=self.n)

    def op_backup(self) -> None:
        folder = self.work / "backups"
        out = folder / f"backup-{self.run:05d}-{self.backups}.db"
        self.backups += 1
        done = backup_database(self.ws, out)
        self.ack(op="backup", path=str(out), events=done.events, n=self.n)

    # -- the loop -----------------------------------------------------------------------------

    def step(self, op: str) -> bool:
        """One operation; False when it failed for lack of resources (a FAULT line)."""
        print(f"BEGIN {op}", flush=True)
        try:
            getattr(self, f"op_{op}")()
        except BUSINESS as exc:
            print(f"REFUSED {op} {exc.message[:120]}", flush=True)
        except Exception as exc:  # a full disk shows as whatever broke
            text = str(getattr(exc, "message", "") or exc).replace("\n", " ")[:160]
            print(f"FAULT {op} {type(exc).__name__} {text}", flush=True)
            if not self.cfg.get("enospc"):
                raise
            return False
        return True

    def choose(self) -> str:
        return self.rng.choices(self.ops, self.weights)[0]

    def loop(self) -> None:
        budget = int(self.cfg["budget"])
        if not self.cfg.get("enospc"):
            for _ in range(budget):
                self.step(self.choose())
            return
        # ENOSPC: work until the disk is full, a few more tries while it is, then the clerk
        # frees space and carries on with the same open program.
        faults = 0
        for _ in range(budget):
            faults += not self.step(self.choose())
            if faults:
                break
        if not faults:
            print("NOFAULT", flush=True)
        for _ in range(self.rng.randint(0, 3)):
            faults += not self.step(self.choose())
        free_space(self.cfg)
        print("FREED", flush=True)
        for _ in range(self.rng.randint(3, 12)):
            self.step(self.choose())


def free_space(cfg: dict) -> None:
    """The clerk deletes files: the filler goes (tmpfs) or the size limit is lifted."""
    filler = cfg.get("filler")
    if filler:
        Path(filler).unlink(missing_ok=True)
    if cfg.get("fsize"):
        resource.setrlimit(resource.RLIMIT_FSIZE,
                           (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def drive(cfg: dict) -> int:
    if cfg.get("fsize"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = int(cfg["fsize"])
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    driver = Driver(cfg)
    try:
        driver.open()
    except Exception as exc:  # a full disk may already stop the unlock
        if not cfg.get("enospc"):
            raise
        print(f"FAULT open {type(exc).__name__} {str(exc)[:120]}", flush=True)
        free_space(cfg)
        print("FREED", flush=True)
        return 3
    driver.loop()
    if cfg.get("enospc") and driver.rng.random() < 0.5:
        driver.ws.close()
        print("CLOSED", flush=True)
        return 0
    print("IDLE", flush=True)
    time.sleep(600)  # wait to be killed, like a clerk on a break
    return 0


def zygote() -> None:
    """Fork one driver per command line; report its pid at once and its exit when it ends."""
    for line in sys.stdin:
        cfg = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                for fd, name in ((1, cfg["out"]), (2, cfg["err"])):
                    target = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    os.dup2(target, fd)
                    os.close(target)
                os.environ["YIBAO_LOG_DIR"] = cfg["logs"]
                code = drive(cfg)
            except BaseException:  # noqa: BLE001 — whatever it was goes to the err file
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        print(f"PID {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"EXIT {pid} {os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["zygote"]:
        zygote()
    else:
        sys.exit(drive(json.loads(sys.argv[1])))
