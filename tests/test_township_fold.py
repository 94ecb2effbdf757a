"""The township folds each village device's journal with the one ledger model.

A village (V9, collector 李会计) and its township exchange USB bundles. The township's figures
are the village's own to the fen (receipts, cash, non-cash); a settled book used afterwards is
a named problem (核销后仍有使用); a book with a number its village never accounted for cannot
be settled; refunds the village asked the township to pay are listed, paid and then no longer a
problem; every non-cash receipt must be matched to a bank credit, and a credit pays once.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.domain import events as ev
from app.domain.errors import Refused
from app.services.base.workspace import init_database
from app.services.exchange import township_bundles as tb
from app.services.township import books as township_books
from app.services.township import money
from app.services.township import reconcile as trec
from app.services.township import refunds as trefunds
from app.services.township.ledger import load_ledger
from app.services.views import reconcile
from app.services.village import books, cash, collect, refunds
from db import journal
from db.connection import tx
from tests.conftest import PASSPHRASE, run_cli
from tests.helpers_ledger import SERIES, T0, make_village
from tests.test_sync_support import cli_env, opened

DAY = T0.date()


@pytest.fixture
def pair(tmp_path: Path) -> dict[str, Any]:
    """A township that issued 皖医保 1–100 to V9's 李会计, and the village, not yet in touch."""
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
        village = make_village(ws, households=6, book=(1, 100))
    return {"township": tpath, "village": vpath, "key": key, "issue": issue, "tmp": tmp_path,
            "households": [h.no for h in village.households]}


def _send(pair: dict[str, Any], name: str) -> dict[str, Any]:
    """The village's journal to the township by USB bundle."""
    with opened(pair["village"]) as ws:
        tb.export_for_township(ws, pair["tmp"] / name, township_key=pair["key"])
    with opened(pair["township"]) as tws:
        return tb.import_village_bundle(tws, pair["tmp"] / name)


def _collect(ws: Any, no: str, *, when=T0, method: str = "cash",
             ref: str | None = None) -> Any:
    done = collect.collect_household(ws, household_no=no, tier_code="1", method=method,
                                     method_ref=ref, now=when)
    books.mark_printed(ws, done.receipt_no)
    return done


def _deposit_all(ws: Any, slip: str) -> int:
    on_hand = cash.cash_position(ws, today=DAY).on_hand_fen
    if on_hand:
        cash.record_deposit(ws, amount_fen=on_hand, slip_no=slip, deposit_date=DAY, now=T0)
    return on_hand


def _kinds(problems: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for p in problems:
        out.setdefault(p["kind"], []).append(p)
    return out


def test_figures_agree_with_the_village_to_the_fen(pair: dict[str, Any]) -> None:
    nos = pair["households"]
    with opened(pair["village"]) as ws:
        paid = [_collect(ws, nos[0]), _collect(ws, nos[1], method="wechat", ref="WX0001"),
                _collect(ws, nos[2], method="bank", ref="BK0002"), _collect(ws, nos[3])]
        books.void_receipt(ws, paid[3].receipt_no, reason="填错户", now=T0)
        refunds.refund_line(ws, receipt_no=paid[0].receipt_no,
                            id_number=paid[0].lines[0].id_number, reason="duplicate", now=T0)
        _deposit_all(ws, "S-1")
        village = reconcile.reconcile(ws, today=DAY)
        state = ws.ledger()
        own = (state.receipts_fen, state.cash, state.noncash, state.noncash_by_method,
               state.cash_on_hand_fen, state.deposited_fen)
    _send(pair, "v1.bundle")
    with opened(pair["township"]) as tws:
        led = load_ledger(tws)
        [dev] = led.devices.values()
        got = dev.state
        assert (got.receipts_fen, got.cash, got.noncash, got.noncash_by_method,
                got.cash_on_hand_fen, got.deposited_fen) == own
        result = trec.reconcile_villages(tws, today=DAY)
    [v9] = result["villages"]
    assert v9["amount_fen"] == village["receipts_fen"]
    assert v9["cash_collected_fen"] == village["cash"]["collected_fen"]
    assert v9["cash_refunded_fen"] == village["cash"]["refunded_fen"]
    assert v9["deposited_fen"] == village["cash"]["deposited_fen"]
    assert v9["on_hand_fen"] == village["cash"]["on_hand_fen"] == 0
    assert v9["noncash_fen"] == village["noncash"]["collected_fen"] > 0
    assert v9["refunds_fen"] == sum(b["refunds_fen"] for b in village["books"])
    assert (v9["receipts"], v9["voids"]) == (3, 1)
    assert not [p for p in result["problems"] if p["kind"] in ("ledger", "gap")]


def test_a_settled_book_used_afterwards_is_named(pair: dict[str, Any]) -> None:
    nos = pair["households"]
    with opened(pair["village"]) as ws:
        _collect(ws, nos[0])
        _deposit_all(ws, "S-1")
    _send(pair, "v1.bundle")
    aid = pair["issue"]["allocation_id"]
    with opened(pair["township"]) as tws:
        before = trec.reconcile_villages(tws, today=DAY)  # the fold kept for this connection
        settled = township_books.settle_book(tws, aid, now=T0 + timedelta(hours=1))
        assert (settled["issued"], settled["unused"]) == (1, 99)
        before = trec.reconcile_villages(tws, today=DAY)
        assert not [p for p in before["problems"] if p["kind"] == "used_after_settlement"]
        # The village has not heard of the settlement yet and keeps collecting on the book;
        # its journal arrives while the office has the fold of what it held before.
        with opened(pair["village"]) as ws:
            late = _collect(ws, nos[1], when=T0 + timedelta(hours=2))
            tb.export_for_township(ws, pair["tmp"] / "v2.bundle", township_key=pair["key"])
        tb.import_village_bundle(tws, pair["tmp"] / "v2.bundle")
        result = trec.reconcile_villages(tws, today=DAY)
        [book] = [b for b in township_books.issued_books(tws) if b["allocation_id"] == aid]
    with opened(pair["township"]) as tws:  # folded afresh: the same
        again = trec.reconcile_villages(tws, today=DAY)
    assert again["problems"] == result["problems"]
    after = _kinds(result["problems"]).get("used_after_settlement", [])
    assert after and all("核销后仍有使用" in p["message"] for p in after)
    assert {p["village"] for p in after} == {"V9"} and after[0]["collector"] == "李会计"
    late_seq = _seq_of(pair, late.payment_id)
    assert [p["seq"] for p in after] == [late_seq]
    # The book keeps the figures it was settled with; the change is shown, not taken in.
    assert (book["issued"], book["unused"]) == (1, 99)
    assert book["changed_after_settlement"] is True and book["now"]["issued"] == 2

    # Once the village has the settlement, its own journal says the book is closed: an event
    # on it written anyway (forged) is named too.
    with opened(pair["township"]) as tws:
        tb.export_village_reply(tws, _device(pair), pair["tmp"] / "reply.bundle")
    with opened(pair["village"]) as ws:
        tb.import_township_reply(ws, pair["tmp"] / "reply.bundle")
        with pytest.raises(Refused, match="没有可用的票据"):
            _collect(ws, nos[2], when=T0 + timedelta(hours=3))
        with tx(ws.conn):
            forged = journal.append(
                ws.conn, device_id=ws.device_id, type="receipt.voided", actor=ws.user,
                payload={"v": 2, "series": SERIES, "number": 3, "reason": "伪造",
                         "payment_id": None, "blank": True, "enrolments_ended": [],
                         "business_date": str(DAY)})
    _send(pair, "v3.bundle")
    with opened(pair["township"]) as tws:
        problems = trec.reconcile_villages(tws, today=DAY)["problems"]
    named = [p["seq"] for p in _kinds(problems)["used_after_settlement"]]
    assert named == [late_seq, forged.seq]


def _seq_of(pair: dict[str, Any], payment_id: str) -> int:
    with opened(pair["village"]) as ws:
        return next(e.seq for e in journal.iter_events(ws.conn)
                    if e.type == "payment.collected" and e.payload["payment_id"] == payment_id)


def _device(pair: dict[str, Any]) -> str:
    with opened(pair["township"]) as tws:
        return tws.conn.execute("SELECT device_id FROM tw_devices").fetchone()[0]


def test_settlement_needs_every_number_accounted_for(pair: dict[str, Any]) -> None:
    nos = pair["households"]
    with opened(pair["village"]) as ws:
        _collect(ws, nos[0])
        _collect(ws, nos[1])
        # Number 3 is never used, voided or reported lost; number 4 is used (written straight
        # into the journal, as a device with a broken clock or a tampered file might).
        p = json.loads(ws.conn.execute("SELECT payload FROM journal WHERE type = "
                                       "'payment.collected' ORDER BY seq DESC LIMIT 1")
                       .fetchone()[0])
        forged = {**p, "payment_id": "forged-4", "method": "wechat", "method_ref": "WX4",
                  "receipt": {**p["receipt"], "number": 4, "label": f"{SERIES} 00000004"}}
        with tx(ws.conn):
            journal.append(ws.conn, device_id=ws.device_id, type="payment.collected",
                           payload=forged, actor=ws.user, at=journal.stamp(T0))
        _deposit_all(ws, "S-1")
    _send(pair, "v1.bundle")
    aid = pair["issue"]["allocation_id"]
    with opened(pair["township"]) as tws:
        check = township_books.settlement_check(tws, aid)
        assert check["gaps"] == [[3, 3]]
        with pytest.raises(Refused) as refused:
            township_books.settle_book(tws, aid)
        assert f"{SERIES} 00000003" in refused.value.message
        assert "没有开具、作废或遗失的记录" in refused.value.message
        assert tws.conn.execute("SELECT count(*) FROM tw_settlements").fetchone()[0] == 0
        # The fold names what the forged event broke, by village and event.
        problems = _kinds(trec.reconcile_villages(tws, today=DAY)["problems"])
        assert problems["gap"][0]["receipt"] == f"{SERIES} 00000003"
        assert any("已经参保缴费" in p["message"] for p in problems["ledger"])
    # Reported lost at the village, number 3 is accounted for and the book can be settled.
    with opened(pair["village"]) as ws:
        books.mark_lost(ws, series=SERIES, first=3, last=3, reason="遗失")
    _send(pair, "v2.bundle")
    with opened(pair["township"]) as tws:
        done = township_books.settle_book(tws, aid)
        assert (done["issued"], done["lost"], done["unused"]) == (3, 1, 96)


def test_refunds_the_township_pays(pair: dict[str, Any]) -> None:
    nos = pair["households"]
    with opened(pair["village"]) as ws:
        paid = _collect(ws, nos[0])
        _deposit_all(ws, "S-1")  # nothing left in hand: the township pays the refund
        line = paid.lines[0]
        made = refunds.refund_line(ws, receipt_no=paid.receipt_no, id_number=line.id_number,
                                   reason="elsewhere", paid_by="township", now=T0)
        village = reconcile.reconcile(ws, today=DAY)
    assert village["refunds"]["township_fen"] == line.payable_fen
    device = _send(pair, "v1.bundle")["device_id"]
    with opened(pair["township"]) as tws:
        [request] = trefunds.township_refund_requests(tws)
        assert request["refund_id"] == made.refund_id and request["village"] == "V9"
        assert request["collector"] == "李会计" and request["receipt"] == paid.receipt_label
        assert request["amount_fen"] == line.payable_fen and request["reason"] == "elsewhere"
        assert "*" in request["id_number"] and line.id_number not in request["id_number"]
        assert request["requested_on"] == str(DAY) and request["paid"] is False
        result = trec.reconcile_villages(tws, today=DAY)
        [unpaid] = _kinds(result["problems"])["refund_unpaid"]
        assert unpaid["refund_id"] == made.refund_id
        assert result["villages"][0]["township_refunds_fen"] == line.payable_fen
        assert result["villages"][0]["cash_refunded_fen"] == 0
    env, db = cli_env(), ["--db", str(pair["township"])]
    listed = run_cli("township", "refunds", *db, "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert [r["refund_id"] for r in json.loads(listed.stdout)] == [made.refund_id]
    done = run_cli("township", "refund-paid", "--device", device, "--refund-id", made.refund_id,
                   "--reference", "ZF-2026-001", "--date", str(DAY), *db, "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["paid"] is True
    again = run_cli("township", "refund-paid", "--device", device, "--refund-id", made.refund_id,
                    "--reference", "ZF-2026-002", *db, env=env)
    assert again.returncode == 1 and "已于" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    with opened(pair["township"]) as tws:
        [request] = trefunds.township_refund_requests(tws)
        assert (request["paid"], request["reference"], request["paid_on"]) == (
            True, "ZF-2026-001", str(DAY))
        assert "refund_unpaid" not in _kinds(trec.reconcile_villages(tws, today=DAY)["problems"])
        assert tws.conn.execute("SELECT count(*) FROM journal WHERE type = "
                                "'township.refund_paid'").fetchone()[0] == 1


def test_noncash_receipts_are_matched_to_bank_credits(pair: dict[str, Any]) -> None:
    nos = pair["households"]
    with opened(pair["village"]) as ws:
        wechat = _collect(ws, nos[0], method="wechat", ref="WX20261015001")
        bank = _collect(ws, nos[1], method="bank", ref="BK77")
        _collect(ws, nos[2])
        on_hand = _deposit_all(ws, "S-1")
    device = _send(pair, "v1.bundle")["device_id"]
    later = DAY + timedelta(days=5)
    with opened(pair["township"]) as tws:
        unmatched = _kinds(trec.reconcile_villages(tws, today=later)["problems"])[
            "noncash_unmatched"]
        assert len(unmatched) == 2
        first = next(p for p in unmatched if p["receipt"] == wechat.receipt_label)
        assert first["message"].startswith("微信收款") and "未与银行到账核对（5 天）" in \
            first["message"] and first["days"] == 5
        # A credit whose reference is the WeChat transaction number is matched on entry.
        credit = money.add_bank_credit(tws, amount_fen=wechat.amount_fen, credit_date=DAY,
                                       bank_ref="WX20261015001", memo="微信商户结算")
        assert [m["payment_id"] for m in credit["noncash_matched"]] == [wechat.payment_id]
        left = _kinds(trec.reconcile_villages(tws, today=later)["problems"])["noncash_unmatched"]
        assert [p["receipt"] for p in left] == [bank.receipt_label]
        # The same credit cannot also stand for a deposit, nor for another receipt.
        deposit = money.deposit_matching(tws)["deposits"][0]
        with pytest.raises(Refused, match="一笔到账只能核对一次"):
            money.match_deposit(tws, deposit_id=deposit["deposit_id"],
                                credit_id=credit["credit_id"])
        with pytest.raises(Refused, match="一笔到账只能核对一次"):
            money.match_noncash(tws, credit_id=credit["credit_id"], device_id=device,
                                payment_id=bank.payment_id)
        # A credit whose reference names nothing is matched by hand; the amounts must agree.
        wrong = money.add_bank_credit(tws, amount_fen=bank.amount_fen + 100, credit_date=DAY,
                                      bank_ref="CR-9")
        assert wrong["noncash_matched"] == []
        with pytest.raises(Refused, match="金额不符"):
            money.match_noncash(tws, credit_id=wrong["credit_id"], device_id=device,
                                payment_id=bank.payment_id)
        right = money.add_bank_credit(tws, amount_fen=bank.amount_fen, credit_date=DAY,
                                      bank_ref="CR-10")
        dep = money.add_bank_credit(tws, amount_fen=on_hand, credit_date=DAY, bank_ref="CR-11",
                                    memo="缴款单 S-1")
        money.match_deposit(tws, deposit_id=deposit["deposit_id"], credit_id=dep["credit_id"])
    env, db = cli_env(), ["--db", str(pair["township"])]
    used = run_cli("township", "match-noncash", "--credit", dep["credit_id"], "--device", device,
                   "--payment", bank.payment_id, *db, env=env)
    assert used.returncode == 1 and "已与另一笔缴存核对" in used.stderr
    done = run_cli("township", "match-noncash", "--credit", right["credit_id"], "--device",
                   device, "--payment", bank.payment_id, *db, "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["bank_ref"] == "CR-10"
    with opened(pair["township"]) as tws:
        result = trec.reconcile_villages(tws, today=later)
        assert "noncash_unmatched" not in _kinds(result["problems"])
        v9 = result["villages"][0]
        assert v9["noncash_matched_fen"] == v9["noncash_fen"] == \
            wechat.amount_fen + bank.amount_fen
        assert {r["payment_id"]: r["bank_ref"] for r in money.noncash_receipts(tws)} == {
            wechat.payment_id: "WX20261015001", bank.payment_id: "CR-10"}
        assert tws.conn.execute("SELECT count(*) FROM journal WHERE type = "
                                "'township.noncash_matched'").fetchone()[0] == 2
        assert money.deposit_matching(tws)["unmatched_credits"] == [
            c for c in money.deposit_matching(tws)["credits"] if c["bank_ref"] == "CR-9"]


def test_json_paths_come_from_the_catalogue() -> None:
    from app.domain.ledger_views import json_path

    assert json_path(ev.PaymentCollected, "receipt.series") == "$.receipt.series"
    assert json_path(ev.PaymentCollected, "household.group") == "$.household.group"
    assert json_path(ev.PaymentLine, "nonlocal_") == "$.nonlocal"
    with pytest.raises(KeyError):
        json_path(ev.PaymentCollected, "receipt.colour")
