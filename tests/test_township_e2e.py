"""Three villages and one township, end to end through the real county server and USB bundles.

V1 and V2 sync with the county server (loopback); V3 never has a network and exchanges bundles
with the township. Books are issued at the township, reach the collectors, are used (with a
void and a refund), cash is deposited and matched with bank credits, books are settled and the
settlement reaches each village. The township's reconciliation must equal the sum of the
villages' own ``reconcile()`` to the fen; then a missing bank credit, a number gap, a forged
receipt and a hand-registered book are injected and each must be reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.services.base.workspace import init_database
from app.services.exchange import township_bundles as tb
from app.services.exchange.county import SyncRefused, enrol_device, sync_now, sync_status
from app.services.township import books as township_books
from app.services.township import money
from app.services.township import reconcile as trec
from app.services.views import reconcile
from app.services.village import books, campaigns, cash, collect, refunds
from db import journal
from db.connection import tx
from receipts.qr import receipt_fields, sign_qr
from tests.conftest import PASSPHRASE
from tests.helpers_ledger import POLICY_TWO_TIER, add_household
from tests.test_sync_support import (
    FAST_RETRY,
    POLICY,
    SERIES,
    T0,
    CountyServer,
    new_village,
    opened,
    roster_json,
)

DAY = T0.date()
COLLECTORS = {"V1": "李会计", "V2": "张会计", "V3": "王会计"}
RANGES = {"V1": (1, 100), "V2": (101, 200), "V3": (201, 300)}


@pytest.fixture
def county(tmp_path: Path):
    server = CountyServer(f"sqlite:///{tmp_path / 'county.db'}", tmp_path / "county").start()
    yield server
    server.stop()


def _collect(ws: Any, households: list[str]) -> list[Any]:
    done = []
    for no in households:
        got = collect.collect_household(ws, household_no=no, tier_code="1", now=T0)
        if got.receipt_no:
            books.mark_printed(ws, got.receipt_no)
        done.append(got)
    return done


def _deposit_all(ws: Any, slip: str) -> int:
    on_hand = cash.cash_position(ws, today=DAY).on_hand_fen
    if on_hand:
        cash.record_deposit(ws, amount_fen=on_hand, slip_no=slip, deposit_date=DAY, now=T0)
    return on_hand


def _village_figures(ws: Any) -> dict[str, int]:
    r = reconcile.reconcile(ws, today=DAY)
    totals = {k: sum(b[k] for b in r["books"]) for k in
              ("issued", "voided", "lost", "amount_fen", "refunds_fen")}
    return {**totals, **r["cash"]}


def _township_figures(village: dict[str, Any]) -> dict[str, int]:
    return {"issued": village["receipts"], "voided": village["voids"], "lost": village["lost"],
            "amount_fen": village["amount_fen"], "refunds_fen": village["refunds_fen"],
            "collected_fen": village["cash_collected_fen"],
            "refunded_fen": village["cash_refunded_fen"],
            "deposited_fen": village["deposited_fen"], "on_hand_fen": village["on_hand_fen"]}


def _sync(ws: Any) -> dict[str, Any]:
    return sync_now(ws, retry=FAST_RETRY)


def test_three_villages_one_township(county: CountyServer, tmp_path: Path) -> None:
    county.admin("publish-policy", str(POLICY))
    county.admin("township", "--code", "T01", "--name", "示例镇", "--villages", "V1,V2,V3")
    for seed, village in enumerate(("V1", "V2"), start=1):
        path = tmp_path / f"roster-{village}.json"
        path.write_text(json.dumps(roster_json(village, 5, seed=seed), ensure_ascii=False),
                        encoding="utf-8")
        county.admin("load-roster", str(path))

    # ---- the township: enrolled with a township-scoped code; books in and out ------------
    tpath = tmp_path / "township" / "yibao.db"
    init_database(tpath, user="王所长", role="township", passphrase=PASSPHRASE, village="T01")
    with opened(tpath) as tws:
        code = county.admin("township-code", "--township", "T01")
        assert code["scope"] == "township"
        enrol_device(tws, server_url=county.url, code=code["code"], retry=FAST_RETRY)
        township_books.receive_books(tws, series=SERIES, first=1, last=1000)
        issued = {v: township_books.issue_book(tws, series=SERIES, first=a, last=b, village=v,
                                               collector=COLLECTORS[v])
                  for v, (a, b) in RANGES.items()}
        with pytest.raises(Exception, match="验旧换新"):
            township_books.issue_book(tws, series=SERIES, first=301, last=400, village="V1",
                                      collector=COLLECTORS["V1"])
        _sync(tws)
        key_file = tmp_path / "township.key"
        tb.export_township_key(tws, key_file)

    # ---- V1, V2 online: roster, policy and the allocated book come down -------------------
    paths = {v: new_village(tmp_path, v, v, COLLECTORS[v]) for v in ("V1", "V2")}
    for v, path in paths.items():
        with opened(path) as ws:
            code = county.admin("enrol-code", "--village", v)["code"]
            enrol_device(ws, server_url=county.url, code=code, retry=FAST_RETRY)
            _sync(ws)
            assert [(b.series, b.first, b.last) for b in books.books(ws)] == \
                [(SERIES, *RANGES[v])]
            assert township_books.allocation_problems(ws) == []

    # ---- V3 offline: its own roster, the book by the township's USB reply -----------------
    paths["V3"] = new_village(tmp_path, "V3", "V3", COLLECTORS["V3"])
    v3_households = []
    with opened(paths["V3"]) as ws:
        campaigns.load_policy(ws, POLICY_TWO_TIER)
        v3_households = [add_household(ws, f"V3000{i}", members=2).no for i in range(4)]
        tb.export_for_township(ws, tmp_path / "v3-1.bundle", township_key=key_file)
    with opened(tpath) as tws:
        got = tb.import_village_bundle(tws, tmp_path / "v3-1.bundle")
        assert got["village"] == "V3" and got["problem_count"] == 0
        v3_device = got["device_id"]
        tb.export_village_reply(tws, v3_device, tmp_path / "v3-reply-1.bundle")
    with opened(paths["V3"]) as ws:
        assert tb.import_township_reply(ws, tmp_path / "v3-reply-1.bundle")["applied"] >= 1
        assert [(b.first, b.last) for b in books.books(ws)] == [RANGES["V3"]]

    # ---- collecting: a void in V1, a refund in V2, everything deposited --------------------
    for v in ("V1", "V2", "V3"):
        with opened(paths[v]) as ws:
            nos = v3_households if v == "V3" else [r[0] for r in ws.conn.execute(
                "SELECT household_no FROM households ORDER BY household_no LIMIT 3")]
            done = _collect(ws, nos)
            if v == "V1":
                books.void_receipt(ws, done[0].receipt_no, reason="打印错位", now=T0)
            if v == "V2":
                line = done[1].lines[0]
                refunds.refund_line(ws, receipt_no=done[1].receipt_no,
                                    id_number=line.id_number, reason="duplicate", now=T0)
            _deposit_all(ws, f"SLIP-{v}-1")
            if v == "V3":
                tb.export_for_township(ws, tmp_path / "v3-2.bundle", township_key=key_file)
            else:
                _sync(ws)

    with opened(tpath) as tws:
        _sync(tws)
        assert tb.import_village_bundle(tws, tmp_path / "v3-2.bundle")["duplicates"] > 0
        for v in ("V1", "V2", "V3"):
            dep = next(d for d in money.deposit_matching(tws)["deposits"] if d["village"] == v)
            money.add_bank_credit(tws, amount_fen=dep["amount_fen"], credit_date=DAY,
                                  bank_ref=f"BANK-{v}", memo=f"缴款单 {dep['slip_no']}")
        assert len(money.auto_match(tws)["matched"]) == 3
        voided = [r for r in trec.village_receipts(tws, "V1") if r["state"] == "voided"]
        assert len(voided) == 1
        blocked = township_books.settlement_check(tws, issued["V1"]["allocation_id"])
        assert any("作废票据联次未确认" in b for b in blocked["blockers"])
        township_books.confirm_void(tws, series=SERIES, number=voided[0]["number"])
        for v in ("V1", "V2", "V3"):
            done = township_books.settle_book(tws, issued[v]["allocation_id"])
            assert done["unused"] == RANGES[v][1] - RANGES[v][0] + 1 - done["issued"] \
                - done["voided"] - done["lost"]
        # 验旧换新: the old book is settled, so a new one may be issued now.
        township_books.issue_book(tws, series=SERIES, first=301, last=400, village="V1",
                                  collector=COLLECTORS["V1"])
        _sync(tws)
        tb.export_village_reply(tws, v3_device, tmp_path / "v3-reply-2.bundle")
        result = trec.reconcile_villages(tws, today=DAY)

    # ---- the township's figures are the villages' own, to the fen --------------------------
    by_village = {v["village"]: v for v in result["villages"]}
    assert set(by_village) == {"V1", "V2", "V3"}
    for v in ("V1", "V2"):
        with opened(paths[v]) as ws:
            _sync(ws)
            assert ws.conn.execute("SELECT count(*) FROM book_settlements").fetchone()[0] == 1
            assert _village_figures(ws) == _township_figures(by_village[v])
    with opened(paths["V3"]) as ws:
        tb.import_township_reply(ws, tmp_path / "v3-reply-2.bundle")
        assert ws.conn.execute("SELECT count(*) FROM book_settlements").fetchone()[0] == 1
        assert _village_figures(ws) == _township_figures(by_village["V3"])
    assert by_village["V1"]["voids"] == 1 and by_village["V2"]["refunds"] == 1
    assert result["totals"]["on_hand_fen"] == 0
    assert result["problems"] == []

    # ---- injected discrepancies ----------------------------------------------------------
    with opened(paths["V1"]) as ws:  # a deposit the bank never credited; a book typed by hand
        extra = next(r[0] for r in ws.conn.execute(
            "SELECT household_no FROM households ORDER BY household_no DESC LIMIT 1"))
        _collect(ws, [extra])
        _deposit_all(ws, "SLIP-V1-2")
        books.register_book(ws, series="手工", first=1, last=50)
        # The county never allocated it to this device: stored, refused, counted for nothing.
        with pytest.raises(SyncRefused) as refused:
            _sync(ws)
        assert [r["type"] for r in refused.value.details["refusals"]] == ["book.registered"]
        assert sync_status(ws)["refusals"][0]["reason"] == "book_not_allocated"
        assert any("手工" in p for p in township_books.allocation_problems(ws))
    with opened(paths["V2"]) as ws:  # a receipt number skipped without any record
        _skip_a_number(ws)
        # Written straight into the journal, it breaks the ledger model: the county refuses it.
        with pytest.raises(SyncRefused):
            _sync(ws)
    with opened(paths["V3"]) as ws:  # a receipt signed by a key that is not the device's
        _forge_receipt(ws)
        tb.export_for_township(ws, tmp_path / "v3-3.bundle", township_key=key_file)
    with opened(tpath) as tws:
        _sync(tws)
        tb.import_village_bundle(tws, tmp_path / "v3-3.bundle")
        problems = trec.reconcile_villages(tws, today=DAY)["problems"]
    kinds = {(p["village"], p["kind"]) for p in problems}
    assert ("V1", "deposit_without_credit") in kinds
    assert ("V1", "book_mismatch") in kinds
    assert ("V2", "gap") in kinds
    assert ("V3", "bad_signature") in kinds
    assert any("SLIP-V1-2" in p["message"] for p in problems)


def _last_payment(ws: Any) -> dict[str, Any]:
    row = ws.conn.execute("SELECT payload FROM journal WHERE type = 'payment.collected' "
                          "ORDER BY seq DESC LIMIT 1").fetchone()
    return json.loads(row[0])


def _append_payment(ws: Any, number: int, key: Ed25519PrivateKey) -> None:
    """A payment.collected event written straight into the journal (as tampering would)."""
    p = _last_payment(ws)
    formatted = f"{number:08d}"
    fields = receipt_fields(device_id=ws.device_id, series=SERIES, number=formatted,
                            household_no=p["household"]["no"], payer_name=p["household"]["head"],
                            total_fen=p["amount_fen"], member_count=max(1, len(p["lines"])),
                            benefit_year=p["benefit_year"], issued_at=T0, method="cash")
    payload = {**p, "payment_id": f"forged-{number}", "lines": [],
               "receipt": {"series": SERIES, "number": number,
                           "label": f"{SERIES} {formatted}", "qr": sign_qr(fields, key)}}
    with tx(ws.conn):
        journal.append(ws.conn, device_id=ws.device_id, type="payment.collected",
                       payload=payload, actor=ws.user)


def _skip_a_number(ws: Any) -> None:
    _append_payment(ws, _last_payment(ws)["receipt"]["number"] + 2, ws.signing_key())


def _forge_receipt(ws: Any) -> None:
    _append_payment(ws, _last_payment(ws)["receipt"]["number"] + 1,
                    Ed25519PrivateKey.generate())
