"""The hash-chained journal and `verify` naming the first bad event."""

from __future__ import annotations

import pytest

from app.services.upkeep.verify import verify_workspace
from db import journal
from db.connection import tx


def _fill(ws, n=5):
    for i in range(n):
        with tx(ws.conn):
            ws.record("test.event", {"i": i, "name": "王建国"})


def _untrigger(ws):
    ws.conn.execute("DROP TRIGGER journal_no_update")
    ws.conn.execute("DROP TRIGGER journal_no_delete")


def test_fresh_chain_verifies(ws):
    _fill(ws)
    report = verify_workspace(ws)
    assert report.ok, report.problems
    assert report.events == 6  # database.created + 5
    assert report.head == journal.head(ws.conn)[1]


def test_a_plain_payload_is_stored_as_the_standard_encoder_writes_it(ws):
    payload = {"name": "王建国\u202e", "z": [1, None, True, {"b": "", "a": -3}], "a": "x\"y"}
    with tx(ws.conn):
        plain = ws.record("test.event", payload, plain=True)
        standard = ws.record("test.event", payload)
    texts = [t for (t,) in ws.conn.execute(
        "SELECT payload FROM journal WHERE seq IN (?, ?) ORDER BY seq", (plain.seq, standard.seq))]
    assert texts[0] == texts[1]
    assert plain.payload == standard.payload == payload
    assert verify_workspace(ws).ok


def test_journal_refuses_update_and_delete(ws):
    _fill(ws, 1)
    with pytest.raises(Exception, match="append-only"):
        ws.conn.execute("UPDATE journal SET actor = 'x' WHERE seq = 1")
    with pytest.raises(Exception, match="append-only"):
        ws.conn.execute("DELETE FROM journal WHERE seq = 1")


def test_append_outside_a_transaction_is_a_bug(ws):
    with pytest.raises(RuntimeError):
        ws.record("test.event", {})


def test_edited_event_is_named(ws):
    _fill(ws)
    _untrigger(ws)
    ws.conn.execute("""UPDATE journal SET payload = '{"i":2,"name":"李四"}' WHERE seq = 4""")
    report = verify_workspace(ws)
    assert not report.ok
    assert report.first_bad_seq == 4
    assert "第 4 条" in report.problems[0] and "被修改" in report.problems[0]


def test_deleted_event_is_named(ws):
    _fill(ws)
    _untrigger(ws)
    ws.conn.execute("DELETE FROM journal WHERE seq = 3")
    report = verify_workspace(ws)
    assert not report.ok
    assert report.first_bad_seq == 3
    assert "缺失" in report.problems[0]


def test_reordered_events_are_named(ws):
    _fill(ws)
    _untrigger(ws)
    rows = {r[0]: r[1:] for r in ws.conn.execute(
        "SELECT seq, uuid, type, payload, actor, at, prev_hash, hash FROM journal "
        "WHERE seq IN (3, 4)")}
    for seq, other in ((3, 4), (4, 3)):
        ws.conn.execute(
            "UPDATE journal SET uuid=?||'-', type=?, payload=?, actor=?, at=?, prev_hash=?, "
            "hash=?||'-' WHERE seq=?", (*rows[other], seq))
    for seq in (3, 4):
        ws.conn.execute("UPDATE journal SET uuid=rtrim(uuid,'-'), hash=rtrim(hash,'-') "
                        "WHERE seq=?", (seq,))
    report = verify_workspace(ws)
    assert not report.ok
    assert report.first_bad_seq == 3
    assert "哈希链断开" in report.problems[0]


def test_truncated_tail_is_detected(ws):
    _fill(ws)
    _untrigger(ws)
    ws.conn.execute("DELETE FROM journal WHERE seq >= 5")
    report = verify_workspace(ws)
    assert not report.ok
    assert report.first_bad_seq == 5
    assert "截断" in report.problems[0]
