"""Receipts pin the chain (county-trust issue): the QR printed on a receipt names the journal
seq of its payment event and the hash before it, so a journal rewritten consistently on the
device — amounts lowered or a receipt erased, the chain and head recomputed with the
passphrase, `verify` satisfied — is caught the moment the payer's paper copy is checked."""

from __future__ import annotations

import json
import random

import pytest

from app.domain import events as ev
from app.domain.canonical import canonical_json
from app.services.papers.receipt_qr import check_receipt_qr, receipt_qr
from app.services.upkeep.verify import verify_workspace
from app.services.village import books, collect, refunds
from db import journal
from receipts.qr import receipt_fields, sign_qr, verify_qr
from tests.conftest import PASSPHRASE, run_cli
from tests.helpers_ledger import T0, make_village


@pytest.fixture
def village(ws):
    return make_village(ws, households=4, rng=random.Random(7), members=(1, 1))


def _collect(ws, village, i=0):
    return collect.collect_household(ws, household_no=village.households[i].no, tier_code="1",
                                     now=T0)


def _untrigger(ws) -> None:
    for (name,) in ws.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                   "AND name LIKE '%no_update' OR name LIKE '%no_delete'"
                                   ).fetchall():
        ws.conn.execute(f"DROP TRIGGER {name}")


def _rechain(ws, from_seq: int) -> None:
    """What an attacker with the passphrase does after editing: every link from ``from_seq``
    recomputed and the recorded head moved, so the chain verifies again."""
    prev = ws.conn.execute("SELECT hash FROM journal WHERE seq = ?",
                           (from_seq - 1,)).fetchone()[0] if from_seq > 1 else ev.GENESIS
    rows = ws.conn.execute("SELECT seq, uuid, device_id, type, payload, actor, at FROM journal "
                           "WHERE seq >= ? ORDER BY seq", (from_seq,)).fetchall()
    for seq, uid, dev, typ, payload, actor, at in rows:
        body = ev.event_body(uuid=uid, device=dev, seq=seq, type=typ,
                             payload=json.loads(payload), actor=actor, at=at)
        digest = ev.event_hash(prev, body)
        ws.conn.execute("UPDATE journal SET prev_hash = ?, hash = ? WHERE seq = ?",
                        (prev, digest, seq))
        prev = digest
    top = ws.conn.execute("SELECT max(seq) FROM journal").fetchone()[0]
    ws.conn.execute("UPDATE meta SET value = ? WHERE key = 'journal_head_seq'", (str(top),))
    ws.conn.execute("UPDATE meta SET value = ? WHERE key = 'journal_head_hash'", (prev,))
    ws.conn.commit()
    ws._ledger = None  # the attacker's next session starts from the rewritten file


def _lower_amount(ws, done, fen: int) -> None:
    """Rewrite the payment (and its stored QR, re-signed with the device key) to ``fen``."""
    _untrigger(ws)
    seq, text = ws.conn.execute("SELECT seq, payload FROM journal WHERE type = "
                                "'payment.collected' AND payload LIKE ?",
                                (f"%{done.payment_id}%",)).fetchone()
    p = ev.parse_stored(ev.PaymentCollected.TYPE, text)
    # The first member pays ``fen``, any others nothing: the lines still add up.
    new_lines = tuple(ev.PaymentLine(line.line_id, line.person_id, line.name, line.id_type,
                                     line.id_number, line.nonlocal_, share, 0, None, share)
                      for line, share in zip(p.lines, [fen] + [0] * (len(p.lines) - 1),
                                             strict=True))
    fields = verify_qr(p.receipt.qr, {ws.device_id: ws.signing_key().public_key()}).fields
    resigned = sign_qr({**fields, "total_fen": fen}, ws.signing_key())
    forged = ev.PaymentCollected(**{
        **{f: getattr(p, f) for f in p.__struct_fields__}, "amount_fen": fen,
        "lines": new_lines, "receipt": ev.ReceiptOnPayment(
            p.receipt.series, p.receipt.number, p.receipt.label, resigned)})
    ws.conn.execute("UPDATE journal SET payload = ? WHERE seq = ?",
                    (canonical_json(ev.payload_of(forged)), seq))
    ws.conn.execute("UPDATE payments SET amount_fen = ? WHERE id = ?", (fen, done.payment_id))
    for line in new_lines:
        ws.conn.execute("UPDATE payment_lines SET price_fen = ?, subsidy_fen = 0, "
                        "payable_fen = ?, category = NULL WHERE id = ?",
                        (line.price_fen, line.payable_fen, line.line_id))
    _rechain(ws, seq)


def _erase_last_payment(ws, done) -> None:
    _untrigger(ws)
    seq = ws.conn.execute("SELECT seq FROM journal WHERE type = 'payment.collected' AND "
                          "payload LIKE ?", (f"%{done.payment_id}%",)).fetchone()[0]
    ws.conn.execute("DELETE FROM journal WHERE seq >= ?", (seq,))
    for table, column in (("enrolments", "payment_line_id IN (SELECT id FROM payment_lines "
                                         "WHERE payment_id = ?)"),
                          ("receipt_numbers", "payment_id = ?"),
                          ("payment_lines", "payment_id = ?"), ("payments", "id = ?")):
        ws.conn.execute(f"DELETE FROM {table} WHERE {column}", (done.payment_id,))
    _rechain(ws, seq)


def test_a_collected_receipt_carries_a_qr_pinned_to_its_journal_event(ws, village):
    done = _collect(ws, village)
    assert done.qr and done.qr.startswith("YB2:")
    assert done.to_dict()["qr"] == done.qr
    fields = verify_qr(done.qr, {ws.device_id: ws.signing_key().public_key()}).fields
    event = next(e for e in journal.iter_events(ws.conn) if e.type == "payment.collected")
    assert (fields["journal_seq"], fields["prev_hash16"]) == (event.seq, event.prev_hash[:16])
    assert receipt_qr(ws, done.receipt_no)["qr"] == done.qr
    assert check_receipt_qr(ws, done.qr)["ledger"] == "ok"


def test_a_voided_or_refunded_receipt_says_so(ws, village):
    first, second = _collect(ws, village, 0), _collect(ws, village, 1)
    books.void_receipt(ws, first.receipt_no, reason="写错", now=T0)
    assert check_receipt_qr(ws, first.qr)["ledger"] == "voided"
    refunds.refund_line(ws, receipt_no=second.receipt_no, id_number=second.lines[0].id_number,
                        reason="death", now=T0)
    assert check_receipt_qr(ws, second.qr)["ledger"] == "refunded"


def test_a_consistent_rewrite_of_an_unsynced_receipt_is_caught_by_the_paper_copy(ws, village):
    _collect(ws, village, 0)
    done = _collect(ws, village, 1)
    _collect(ws, village, 2)
    _lower_amount(ws, done, 100)
    assert verify_workspace(ws).ok, "the rewrite must be consistent for this test to mean much"
    result = check_receipt_qr(ws, done.qr)
    assert result["valid"] and result["ledger"] == "differs: total_fen"
    assert "账目可能被改写" in result["ledger_message"]


def test_an_erased_receipt_is_not_in_the_ledger(ws, village):
    _collect(ws, village, 0)
    done = _collect(ws, village, 1)
    _erase_last_payment(ws, done)
    assert verify_workspace(ws).ok
    assert check_receipt_qr(ws, done.qr)["ledger"] == "not_in_ledger"


def test_an_earlier_rewrite_moves_the_chain_under_a_receipt(ws, village):
    first = _collect(ws, village, 0)
    done = _collect(ws, village, 1)
    _lower_amount(ws, first, 200)  # an earlier event: every later link changes
    assert check_receipt_qr(ws, first.qr)["ledger"] == "differs: total_fen"
    assert check_receipt_qr(ws, done.qr)["ledger"] == "differs: prev_hash16"


def test_a_v1_receipt_still_checks_by_its_fields(ws, village):
    done = _collect(ws, village)
    fields = verify_qr(done.qr, {ws.device_id: ws.signing_key().public_key()}).fields
    old = sign_qr({k: v for k, v in fields.items() if k not in ("journal_seq", "prev_hash16")},
                  ws.signing_key())
    assert old.startswith("YB1:")
    result = check_receipt_qr(ws, old)
    assert result["valid"] and result["ledger"] == "ok"  # no pins to hold it to: fields only


def test_cli_collect_qr_and_receipt_verify(ws, village):
    hh = village.households[0]
    ws.close()
    env = {"YIBAO_PASSPHRASE": PASSPHRASE}
    db = ["--db", str(ws.path), "--json"]
    done = run_cli("collect", "--household", hh.no, "--tier", "1", *db, env=env)
    assert done.returncode == 0, done.stderr
    collected = json.loads(done.stdout)
    assert collected["qr"].startswith("YB2:")
    shown = json.loads(run_cli("receipt", "qr", collected["receipt_no"], *db, env=env).stdout)
    assert shown["qr"] == collected["qr"]
    ok = run_cli("receipt", "verify", collected["qr"], *db, env=env)
    assert ok.returncode == 0 and json.loads(ok.stdout)["ledger"] == "ok"
    void = run_cli("receipt", "void", collected["receipt_no"], "--reason", "写错", *db, env=env)
    assert void.returncode == 0, void.stderr
    voided = run_cli("receipt", "verify", collected["qr"], *db, env=env)
    assert voided.returncode == 1 and json.loads(voided.stdout)["ledger"] == "voided"
    forged = run_cli("receipt", "verify", collected["qr"][:-4] + "AAAA", *db, env=env)
    assert forged.returncode == 1 and json.loads(forged.stdout)["status"] == "forged"


def test_receipt_fields_refuse_half_a_pin():
    with pytest.raises(ValueError):
        receipt_fields(device_id="d", series="S", number="1", household_no="1",
                       payer_name="x", total_fen=1, member_count=1, benefit_year=2027,
                       issued_at=T0, method="cash", journal_seq=3)
