"""The township's copy of a village's records is evidence: it cannot be changed, and a changed
copy arriving later is refused and reported. Also the office's rules (roles, 验旧换新 override,
settlement blockers, bank statement import, targets, categories, exports) and the CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.domain.errors import PermissionDenied, Refused
from app.services.base.workspace import init_database
from app.services.exchange import township_bundles as tb
from app.services.township import books as township_books
from app.services.township import categories as township_categories
from app.services.township import money
from app.services.township import progress as prog
from app.services.township import reconcile as trec
from app.services.village import books, campaigns, cash, collect, roster_import
from db.connection import DatabaseError, tx
from sync.state import pending_events
from tests.conftest import PASSPHRASE, run_cli
from tests.helpers_ledger import POLICY_TWO_TIER, SERIES, T0, make_village
from tests.test_sync_support import cli_env, opened

DAY = T0.date()
# The township's own tables (schema steps 5 and 7): each refuses UPDATE and DELETE.
TOWNSHIP_TABLES = (
    "tw_devices", "tw_device_keys", "tw_events", "tw_ingest_problems", "tw_stock", "tw_issues",
    "tw_settlements", "tw_void_checks", "tw_bank_credits", "tw_deposit_matches", "tw_targets",
    "tw_certifications", "book_allocations", "book_settlements", "tw_refund_payments",
    "tw_noncash_matches",
)


@pytest.fixture
def pair(tmp_path: Path) -> dict[str, Any]:
    """A township and one village (V9, collector 李会计) whose first bundle it has imported."""
    tpath = tmp_path / "township" / "yibao.db"
    vpath = tmp_path / "village" / "yibao.db"
    init_database(tpath, user="王所长", role="township", passphrase=PASSPHRASE, village="T01")
    init_database(vpath, user="李会计", role="collector", passphrase=PASSPHRASE, village="V9")
    key = tmp_path / "township.key"
    with opened(tpath) as tws:
        tb.export_township_key(tws, key)
        township_books.receive_books(tws, series=SERIES, first=1, last=500)
        issue = township_books.issue_book(tws, series=SERIES, first=1, last=100, village="V9",
                                          collector="李会计")
    with opened(vpath) as ws:
        make_village(ws, households=4, book=(1, 100))
        for no in ("3404220010000", "3404220010001"):
            done = collect.collect_household(ws, household_no=no, tier_code="1", now=T0)
            books.mark_printed(ws, done.receipt_no)
        books.void_receipt(ws, done.receipt_no, reason="填错户", now=T0)
        tb.export_for_township(ws, tmp_path / "v.bundle", township_key=key)
    with opened(tpath) as tws:
        got = tb.import_village_bundle(tws, tmp_path / "v.bundle")
    return {"township": tpath, "village": vpath, "key": key, "device": got["device_id"],
            "issue": issue, "tmp": tmp_path}


def test_village_records_cannot_be_changed_at_the_township(pair: dict[str, Any]) -> None:
    with opened(pair["township"]) as tws:
        before = tws.conn.execute("SELECT count(*), max(hash) FROM tw_events").fetchone()
        assert before[0] > 10
        for sql in ("UPDATE tw_events SET payload = '{}' WHERE seq = 3",
                    "DELETE FROM tw_events WHERE seq = 3",
                    "UPDATE tw_devices SET public_key = 'x'",
                    "DELETE FROM tw_devices",
                    "UPDATE tw_events SET receipt_sig = 'ok'"):
            with pytest.raises(DatabaseError, match="append-only"), tx(tws.conn):
                tws.conn.execute(sql)
        # Every township table is protected, not only the two tried above.
        triggers = {r[0] for r in tws.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        for table in TOWNSHIP_TABLES:
            assert {f"{table}_no_update", f"{table}_no_delete"} <= triggers
        assert tws.conn.execute("SELECT count(*), max(hash) FROM tw_events").fetchone() == before

    # An altered copy of an event the township holds is refused and reported, not stored.
    with opened(pair["village"]) as ws:
        events = pending_events(ws.conn, 0, 1000)
    forged = events[2].model_copy(update={"actor": "冒名"})
    from app.services.exchange.township_ingest import ingest_events

    with opened(pair["township"]) as tws:
        tally = ingest_events(tws, [("V9", forged)], via="bundle")
        assert tally.stored == 0 and "不同" in tally.problems[0]
        stored = tws.conn.execute("SELECT actor FROM tw_events WHERE uuid = ?",
                                  (forged.uuid,)).fetchone()[0]
        assert stored == "李会计"
        assert any(p["kind"] == "chain" for p in trec.reconcile_villages(tws)["problems"])

    # No township service writes anything but INSERT into a village's copied records.
    services = Path(__file__).resolve().parent.parent / "app" / "services"
    for module in services.glob("township*.py"):
        text = module.read_text(encoding="utf-8")
        assert "UPDATE tw_" not in text and "DELETE FROM tw_" not in text, module.name


def test_roles_settlement_and_override(pair: dict[str, Any]) -> None:
    with opened(pair["village"]) as ws, pytest.raises(PermissionDenied):
        township_books.issue_book(ws, series=SERIES, first=200, last=300, village="V9",
                                  collector="李会计")
    aid = pair["issue"]["allocation_id"]
    with opened(pair["township"]) as tws:
        with pytest.raises(Refused, match="验旧换新"):
            township_books.issue_book(tws, series=SERIES, first=101, last=200, village="V9",
                                      collector="李会计")
        override = township_books.issue_book(tws, series=SERIES, first=101, last=200,
                                             village="V9", collector="李会计",
                                             override_reason="旧票在县里核验中")
        assert override["override_reason"] == "旧票在县里核验中"
        check = township_books.settlement_check(tws, aid)
        assert (check["issued"], check["voided"], check["unused"]) == (1, 1, 98)
        assert len(check["blockers"]) == 2  # the void's parts, and cash not deposited
        with pytest.raises(Refused, match="作废票据联次未确认"):
            township_books.settle_book(tws, aid)
        township_books.confirm_void(tws, series=SERIES, number=2)
    with opened(pair["village"]) as ws:
        on_hand = cash.cash_position(ws, today=DAY).on_hand_fen
        cash.record_deposit(ws, amount_fen=on_hand, slip_no="S-77", deposit_date=DAY, now=T0)
        tb.export_for_township(ws, pair["tmp"] / "v2.bundle", township_key=pair["key"])
    statement = pair["tmp"] / "statement.csv"
    statement.write_text(f"交易日期,流水号,贷方金额,对方户名,摘要\n{DAY},B-1,{on_hand / 100:.2f},"
                         f"李会计,缴款单 S-77\n{DAY},B-2,99.00,某单位,其他\n", encoding="utf-8")
    with opened(pair["township"]) as tws:
        tb.import_village_bundle(tws, pair["tmp"] / "v2.bundle")
        assert money.import_bank_statement(tws, statement)["added"] == 2
        assert money.import_bank_statement(tws, statement)["skipped"] == 2
        state = money.deposit_matching(tws)
        assert len(state["unmatched_deposits"]) == 1 and len(state["unmatched_credits"]) == 2
        assert len(money.auto_match(tws)["matched"]) == 1
        left = money.deposit_matching(tws)
        assert left["unmatched_deposits"] == [] and \
            [c["bank_ref"] for c in left["unmatched_credits"]] == ["B-2"]
        settled = township_books.settle_book(tws, aid, note="交回空白 98 张")
        assert settled["unused"] == 98
        with pytest.raises(Refused, match="已于"):
            township_books.settle_book(tws, aid)
        listed = {b["allocation_id"]: b for b in township_books.issued_books(tws)}
        assert listed[aid]["settled_at"] and listed[aid]["issued"] == 1


def test_progress_targets_categories_and_exports(pair: dict[str, Any]) -> None:
    targets = pair["tmp"] / "targets.csv"
    targets.write_text("村,村民小组,任务人数\nV9,,3\n", encoding="utf-8")
    with opened(pair["township"]) as tws:
        prog.load_targets(tws, targets, campaign_year=2026)
        prog.set_incentive(tws, reward_fen_per_person=200, deadline=date(2026, 12, 31))
        data = prog.progress(tws, campaign_year=2026)
        village = data["villages"][0]
        assert village["village"] == "V9" and village["target"] == 3
        enrolled = village["enrolled"]
        assert enrolled >= 1 and village["roster"] >= enrolled
        assert village["completion"] == round(enrolled / 3, 4)
        assert village["reward_fen"] == (enrolled * 200 if enrolled >= 3 else 0)
        for suffix in ("xlsx", "pdf"):
            out = prog.export_progress(tws, pair["tmp"] / f"progress.{suffix}",
                                       campaign_year=2026)
            assert Path(out["file"]).stat().st_size > 1000
        assert (pair["tmp"] / "progress.pdf").read_bytes().startswith(b"%PDF")
        person = json.loads(tws.conn.execute(
            "SELECT payload FROM tw_events WHERE type = 'person.added' LIMIT 1").fetchone()[0])
        certified = township_categories.certify_category(
            tws, name=person["name"], id_number=person["id_number"], category="低保",
            department="民政", valid_to=date(2027, 12, 31))
        assert certified["village"] == "V9"
        tb.export_village_reply(tws, pair["device"], pair["tmp"] / "reply.bundle")
    with opened(pair["village"]) as ws:
        got = tb.import_township_reply(ws, pair["tmp"] / "reply.bundle")
        assert got["applied"] >= 2  # the allocation and the category
        held = ws.conn.execute("SELECT source FROM person_categories c JOIN persons p ON "
                               "p.id = c.person_id WHERE p.id_number = ? AND category = '低保'",
                               (person["id_number"],)).fetchall()
        assert held == [("民政",)]
        assert township_books.allocation_problems(ws) == []
        again = tb.import_township_reply(ws, pair["tmp"] / "reply.bundle")
        assert again["applied"] == 0


def test_cli(pair: dict[str, Any]) -> None:
    env = cli_env()
    db = ["--db", str(pair["township"])]
    bundle = pair["tmp"] / "v.bundle"
    assert run_cli("township", "import-bundle", str(bundle), *db, "--json",
                   env=env).returncode == 0
    received = run_cli("township", "book", "receive", "--series", "乙", "--first", "1",
                       "--last", "50", *db, "--json", env=env)
    assert received.returncode == 0, received.stderr
    issued = run_cli("township", "book", "issue", "--series", "乙", "--first", "1", "--last",
                     "50", "--village", "V8", "--collector", "赵会计", *db, "--json", env=env)
    aid = json.loads(issued.stdout)["allocation_id"]
    settled = run_cli("township", "book", "settle", aid, *db, "--json", env=env)
    assert settled.returncode == 0 and json.loads(settled.stdout)["unused"] == 50
    again = run_cli("township", "book", "settle", aid, *db, env=env)
    assert again.returncode == 1 and "已于" in again.stderr
    rec = json.loads(run_cli("township", "reconcile", *db, "--json", env=env).stdout)
    v9 = next(v for v in rec["villages"] if v["village"] == "V9")
    assert (v9["receipts"], v9["voids"]) == (1, 1)
    kinds = {p["kind"] for p in rec["problems"]}
    assert "pending_print" not in kinds and "bad_signature" not in kinds
    progress = json.loads(run_cli("township", "progress", *db, "--json", env=env).stdout)
    assert progress["villages"][0]["village"] == "V9"


def test_progress_counts_a_roster_imported_from_a_spreadsheet(
        pair: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Small parts, so the roster reaches the township as several `roster.imported` events.
    monkeypatch.setattr(roster_import, "JOURNAL_CHUNK", 3)
    sample = Path(__file__).parent / "data" / "roster-sample.csv"
    moved = pair["tmp"] / "moved.csv"  # 王磊 leaves 一组 for a household of his own in 三组
    moved.write_text(sample.read_text(encoding="utf-8").replace(
        "3404220010001,一组,王建国,王磊,子", "3404220010004,三组,王磊,王磊,户主"),
        encoding="utf-8")
    vpath = pair["tmp"] / "v7" / "yibao.db"
    init_database(vpath, user="周会计", role="collector", passphrase=PASSPHRASE, village="V7")

    def roster_at_township() -> dict[str, int]:
        with opened(vpath) as ws:
            tb.export_for_township(ws, pair["tmp"] / "v7.bundle", township_key=pair["key"])
        with opened(pair["township"]) as tws:
            tb.import_village_bundle(tws, pair["tmp"] / "v7.bundle")
            village = next(v for v in prog.progress(tws, campaign_year=2026)["villages"]
                           if v["village"] == "V7")
        return {g["group"]: g["roster"] for g in village["groups"]}

    with opened(vpath) as ws:
        campaigns.load_policy(ws, POLICY_TWO_TIER)
        assert roster_import.import_roster(ws, sample).persons == 10
        parts = ws.conn.execute(
            "SELECT count(*) FROM journal WHERE type = 'roster.imported'").fetchone()[0]
    assert parts == 4
    assert roster_at_township() == {"一组": 4, "二组": 6}
    with opened(vpath) as ws:
        assert roster_import.import_roster(ws, moved, accept_moves=True).updated == 1
    assert roster_at_township() == {"一组": 3, "二组": 6, "三组": 1}
    # A person of an imported (or county-pulled) roster is found in its village.
    with opened(vpath) as ws:
        name, number = ws.conn.execute("SELECT name, id_number FROM persons WHERE id_type = "
                                       "'01' ORDER BY id_number LIMIT 1").fetchone()
    with opened(pair["township"]) as tws:
        assert township_categories.certify_category(
            tws, name=name, id_number=number, category="低保", department="民政")["village"] == "V7"
