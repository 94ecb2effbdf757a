"""County trust: the real server (subprocess, loopback; SQLite and PostgreSQL) runs the ledger
model on every device's journal, countersigns heads, binds books to devices, and raises alerts.

Villages are real encrypted databases built with the ledger services; a dishonest device is
one whose journal gets an event appended straight into it (as a key holder could).
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from app.domain.canonical import canonical_bytes
from app.services.exchange.county import sync_now
from app.services.village.books import books as village_books
from app.services.village.collect import collect_household
from db import journal
from db.connection import tx
from server.kernel import open_server
from server.schema import claims, events
from sync.protocol import (
    PATH_PUSH,
    Head,
    PushRequest,
    PushResponse,
    WireEvent,
    countersign,
    verify_countersignature,
)
from sync.state import load_state, pending_events
from tests import test_server_integration as integration
from tests.conftest import ROOT
from tests.test_server_integration import VILLAGE_A, VILLAGE_B, _signed_post
from tests.test_sync_support import (
    FAST_RETRY,
    SERIES,
    T0,
    CountyServer,
    enrol,
    new_village,
    opened,
    publish_county_data,
)

# The county on SQLite and on a throwaway PostgreSQL, as in the integration tests.
pg_cluster = integration.pg_cluster
county = integration.county


def _sync(ws: Any) -> dict[str, Any]:
    """sync_now; a sync whose events the county refused (stored, acknowledged, counting for
    nothing) raises SyncRefused on the device side, with the same result in its details."""
    from app.services.exchange.county import SyncRefused

    try:
        result: dict[str, Any] = sync_now(ws, retry=FAST_RETRY)
    except SyncRefused as exc:
        result = dict(exc.details)
    return result


def _rows(server: CountyServer, device_id: str) -> list[Any]:
    srv = open_server(server.db_url)
    try:
        with srv.engine.connect() as conn:
            return conn.execute(select(events.c.seq, events.c.type, events.c.status,
                                       events.c.reason, events.c.message)
                                .where(events.c.device_id == device_id)
                                .order_by(events.c.seq)).all()
    finally:
        srv.close()


def _last_payment(ws: Any) -> dict[str, Any]:
    row = ws.conn.execute("SELECT payload FROM journal WHERE type = 'payment.collected' "
                          "ORDER BY seq DESC LIMIT 1").fetchone()
    return json.loads(row[0])


def _forge_payment(ws: Any, persons: list[dict[str, Any]], *, number: int) -> int:
    """A payment for ``persons`` appended straight into the journal, as a key holder could;
    shaped like the device's last real payment. Returns its seq."""
    p = _last_payment(ws)
    line = p["lines"][0]
    lines = [{**line, "line_id": str(uuid.uuid4()), "person_id": str(uuid.uuid4()),
              "name": who["name"], "id_type": who["id_type"], "id_number": who["id_number"]}
             for who in persons]
    payload = {**p, "payment_id": str(uuid.uuid4()), "lines": lines,
               "amount_fen": sum(ln["payable_fen"] for ln in lines),
               "receipt": {"series": SERIES, "number": number,
                           "label": f"{SERIES} {number:08d}", "qr": None}}
    with tx(ws.conn):
        journal.append(ws.conn, device_id=ws.device_id, type="payment.collected",
                       payload=payload, actor=ws.user)
    return journal.head(ws.conn)[0]


def _alerts(server: CountyServer, *args: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = server.admin("alerts", *args)
    return result


def test_a_foreign_claim_is_refused_and_the_real_collection_stands(county, tmp_path):
    roster_a = publish_county_data(county, tmp_path, village=VILLAGE_A, households=3, seed=21)
    roster_b = publish_county_data(county, tmp_path, village=VILLAGE_B, households=3, seed=22,
                                   collector="王会计", first=1001)
    b_household = roster_b["households"][0]
    victims = b_household["persons"][:2]
    with opened(new_village(tmp_path, "a", VILLAGE_A)) as a, \
            opened(new_village(tmp_path, "b", VILLAGE_B, user="王会计")) as b:
        enrol(a, county, VILLAGE_A)
        enrol(b, county, VILLAGE_B)
        _sync(a)
        _sync(b)
        collect_household(a, household_no=roster_a["households"][0]["household_no"],
                          tier_code="1", now=T0)
        # Two of village B's people, on no roster of A, with a number from B's book.
        forged = _forge_payment(a, victims, number=1001)
        collect_household(a, household_no=roster_a["households"][1]["household_no"],
                          tier_code="1", now=T0)
        pushed = _sync(a)
        assert pushed["rejected"] == 0 and pushed["pending"] == 0  # acknowledged, moved on
        rows = {r.seq: r for r in _rows(county, a.device_id)}
        refused = rows[forged]
        assert (refused.status, refused.reason) == ("refused", "not_on_roster")
        assert "不在村" in refused.message and "花名册" in refused.message
        assert "县医保分配给本设备" in refused.message  # the number is B's, not A's
        assert rows[forged + 1].status == "accepted"  # the chain goes on after a refusal
        assert [r.status for r in rows.values() if r.type == "payment.collected"] == \
            ["accepted", "refused", "accepted"]

        # B's real collection of the same household stands: no conflict, no refund task.
        collect_household(b, household_no=b_household["household_no"], tier_code="1", now=T0)
        collected = _sync(b)
        assert (collected["conflicts"], collected["refund_tasks"]) == (0, 0)
    assert county.admin("conflicts") == []
    srv = open_server(county.db_url)
    try:
        with srv.engine.connect() as conn:
            standing = {r.id_number: r.village for r in conn.execute(select(claims))}
    finally:
        srv.close()
    assert {standing[v["id_number"]] for v in victims} == {VILLAGE_B}
    [alert] = _alerts(county, "--kind", "refused")
    assert (alert["device_id"], alert["village"], alert["seq"], alert["reason"]) == (
        a.device_id, VILLAGE_A, forged, "not_on_roster")
    assert alert["message"] == refused.message and alert["at"]
    assert county.admin("stats")["events_by_status"]["refused"] == 1


def test_ledger_rules_and_books_are_the_countys_too(county, tmp_path):
    roster = publish_county_data(county, tmp_path, village=VILLAGE_A, households=3, seed=23)
    with opened(new_village(tmp_path, "a", VILLAGE_A)) as a:
        enrol(a, county, VILLAGE_A)
        _sync(a)
        collect_household(a, household_no=roster["households"][0]["household_no"],
                          tier_code="1", now=T0)
        # The same number again (票号不能重复使用), for people who are on A's roster.
        people = roster["households"][1]["persons"][:1]
        reused = _forge_payment(a, people, number=_last_payment(a)["receipt"]["number"])
        # A book the county never allocated to this device, typed in by hand.
        from app.services.village.books import register_book
        register_book(a, series="手工", first=1, last=50)
        _sync(a)
        rows = {r.seq: r for r in _rows(county, a.device_id)}
    assert (rows[reused].status, rows[reused].reason) == ("refused", "ledger_rule")
    assert "已经用过" in rows[reused].message
    book = next(r for r in rows.values() if r.type == "book.registered" and r.status == "refused")
    assert book.reason == "book_not_allocated" and "手工" in book.message
    kinds = {(x["kind"], x["reason"]) for x in _alerts(county)}
    assert kinds == {("refused", "ledger_rule"), ("refused", "book_not_allocated")}


def test_second_laptop_gets_no_book_until_it_is_moved(tmp_path):
    server = CountyServer(f"sqlite:///{tmp_path / 'county.db'}", tmp_path / "server").start()
    try:
        roster = publish_county_data(server, tmp_path, village=VILLAGE_A, households=2, seed=24)
        first_code = server.admin("enrol-code", "--village", VILLAGE_A, "--collector", "李会计")
        assert first_code["collector"] == "李会计"
        from app.services.exchange.county import enrol_device
        from sync.client import ServerRefused
        # A code bound to 李会计 does not enrol a laptop whose user is someone else.
        with opened(new_village(tmp_path, "stranger", VILLAGE_A, user="张三")) as stranger:
            with pytest.raises(ServerRefused) as refused:
                enrol_device(stranger, server_url=server.url, code=first_code["code"],
                             retry=FAST_RETRY)
            # The refusal names only this laptop's user, never whom the code was issued to.
            assert refused.value.status == 403 and "张三" in refused.value.message
            assert "李会计" not in refused.value.message
        one_path, two_path = (new_village(tmp_path, n, VILLAGE_A) for n in ("one", "two"))
        with opened(one_path) as one:
            enrol_device(one, server_url=server.url, code=first_code["code"], retry=FAST_RETRY)
            _sync(one)
            assert [(b.series, b.first) for b in village_books(one)] == [(SERIES, 1)]
            first_device = one.device_id
        # A second laptop of the same village, its user also named 李会计: no book.
        with opened(two_path) as two:
            code = server.admin("enrol-code", "--village", VILLAGE_A, "--collector", "李会计")
            enrol_device(two, server_url=server.url, code=code["code"], retry=FAST_RETRY)
            got = _sync(two)
            assert village_books(two) == [] and got["rejected"] == 0
            second_device = two.device_id
        # Allocating by name alone is now ambiguous; naming the device is not.
        with pytest.raises(RuntimeError, match="有 2 台设备"):
            server.admin("allocate-book", "--village", VILLAGE_A, "--collector", "李会计",
                         "--series", SERIES, "--first", "501", "--last", "600")
        placed = server.admin("allocate-book", "--village", VILLAGE_A, "--collector", "李会计",
                              "--series", SERIES, "--first", "501", "--last", "600",
                              "--device", first_device)
        assert placed["device_id"] == first_device
        # The replacement laptop takes over the first book: from then on only it may use it.
        moved = server.admin("move-book", "--series", SERIES, "--first", "1",
                             "--device", second_device)
        assert (moved["from_device"], moved["device_id"]) == (first_device, second_device)
        with opened(two_path) as two:
            _sync(two)
            assert [(b.series, b.first) for b in village_books(two)] == [(SERIES, 1)]
        with opened(one_path) as one:
            collect_household(one, household_no=roster["households"][0]["household_no"],
                              tier_code="1", now=T0)
            _sync(one)
            payment = [r for r in _rows(server, first_device) if r.type == "payment.collected"]
        assert [(r.status, r.reason) for r in payment] == [("refused", "book_not_allocated")]
        listed = {b["first"]: b["device_id"] for b in server.admin("books")}
        assert listed == {1: second_device, 501: first_device}
    finally:
        server.stop()


def _signed_push(server: CountyServer, ws: Any, request: PushRequest) -> PushResponse:
    body = canonical_bytes(request.model_dump(exclude_none=True))
    _, resp = _signed_post(server.url, PATH_PUSH, body, ws.signing_key(), ws.device_id)
    assert resp.status_code == 200, resp.text
    return PushResponse.model_validate_json(resp.content)


def test_heads_are_countersigned_and_a_rewrite_raises_alerts(county, tmp_path):
    publish_county_data(county, tmp_path, village=VILLAGE_A, households=2, seed=25)
    with opened(new_village(tmp_path, "a", VILLAGE_A)) as ws:
        enrol(ws, county, VILLAGE_A)
        county_key = load_state(ws.conn).server_sign_key
        from app.services.village.books import register_book
        register_book(ws, series="手工", first=1, last=9)  # journal events to push by hand
        register_book(ws, series="手工", first=10, last=19)
        register_book(ws, series="手工", first=20, last=29)
        batch = pending_events(ws.conn, 0, 5)
        assert len(batch) == 5
        answer = _signed_push(county, ws, PushRequest(head=Head(seq=batch[-1].seq,
                                                                hash=batch[-1].hash),
                                                      events=batch))
        cs = answer.countersignature
        assert cs is not None and verify_countersignature(county_key, cs)
        assert (cs.device_id, cs.seq, cs.hash) == (ws.device_id, answer.device_head.seq,
                                                   answer.device_head.hash) == \
            (ws.device_id, 5, batch[-1].hash)
        assert not verify_countersignature(county_key, cs.model_copy(update={"seq": 6}))
        assert not verify_countersignature(county_key, cs.model_copy(update={"at": "2099"}))

        # A key holder rewrites event 4 (already synced) and pushes it again: rejected as a
        # fork, and the county raises an alert.
        original = batch[3]
        body = {**original.body(), "actor": "冒名者", "uuid": str(uuid.uuid4())}
        from app.domain.events import event_hash
        rewritten = WireEvent(**body, prev_hash=original.prev_hash,
                              hash=event_hash(original.prev_hash, body))
        again = _signed_push(county, ws, PushRequest(head=Head(seq=4, hash=rewritten.hash),
                                                     events=[rewritten]))
        assert (again.results[0].status, again.results[0].reason) == ("rejected", "fork")
        assert again.countersignature is not None and again.countersignature.seq == 5
        # The same UUID with other content: rejected as before, alerted as well.
        altered = original.model_copy(update={"actor": "冒名者"})
        altered = altered.model_copy(update={"hash": event_hash(altered.prev_hash,
                                                                altered.body())})
        assert _signed_push(county, ws, PushRequest(head=Head(seq=5, hash=batch[-1].hash),
                                                    events=[altered])).results[0].reason == \
            "uuid_reused"
        # A countersignature that is not the county's, and one for a longer journal.
        forged = countersign(ws.signing_key(), device_id=ws.device_id, seq=5,
                             hash=batch[-1].hash, at=cs.at)
        _signed_push(county, ws, PushRequest(head=Head(seq=5, hash=batch[-1].hash),
                                             events=[], countersigned=forged))
        _signed_push(county, ws, PushRequest(head=Head(seq=3, hash=batch[2].hash),
                                             events=[], countersigned=cs))
        # The genuine countersignature with an agreeing head raises nothing more.
        _signed_push(county, ws, PushRequest(head=Head(seq=5, hash=batch[-1].hash),
                                             events=[], countersigned=cs))
        # Pushing the same rewrite again is the same finding, not a new alert.
        _signed_push(county, ws, PushRequest(head=Head(seq=4, hash=rewritten.hash),
                                             events=[rewritten]))
        device = ws.device_id
    found = [(a["kind"], a["seq"], a["reason"]) for a in _alerts(county)
             if a["kind"] != "refused"]  # (the books typed in by hand are refused too)
    assert sorted(found) == sorted([
        ("rewritten_event", 4, "fork"),
        ("countersignature_mismatch", 4, "head_contradicts"),
        ("rewritten_event", 4, "uuid_reused"),
        ("countersignature_mismatch", 5, "forged_countersignature"),
        ("countersignature_mismatch", 5, "head_behind"),
    ])
    assert all(a["device_id"] == device and a["village"] == VILLAGE_A and a["message"]
               for a in _alerts(county))
    assert [a["reason"] for a in _alerts(county, "--kind", "rewritten_event")] == \
        ["fork", "uuid_reused"]


def test_alerts_cli_lists_them_per_device_and_village(tmp_path):
    """`yibao-server admin alerts` as the county runs it: JSON and one line per alert."""
    server = CountyServer(f"sqlite:///{tmp_path / 'county.db'}", tmp_path / "server").start()
    try:
        roster = publish_county_data(server, tmp_path, village=VILLAGE_A, households=2, seed=26)
        with opened(new_village(tmp_path, "a", VILLAGE_A)) as ws:
            enrol(ws, server, VILLAGE_A)
            _sync(ws)
            collect_household(ws, household_no=roster["households"][0]["household_no"],
                              tier_code="1", now=T0)
            seq = _forge_payment(ws, [{"name": "外村人", "id_type": "01",
                                       "id_number": "11010519491231002X"}], number=2)
            _sync(ws)
        base = [sys.executable, "-m", "server.cli", "admin", "alerts", "--db-url",
                server.db_url]
        out = subprocess.run([*base, "--json"], cwd=ROOT, capture_output=True, text=True,
                             timeout=60, check=True)
        [alert] = json.loads(out.stdout)
        assert {k: alert[k] for k in ("kind", "device_id", "village", "seq", "reason")} == {
            "kind": "refused", "device_id": ws.device_id, "village": VILLAGE_A, "seq": seq,
            "reason": "not_on_roster"}
        assert "110105**********" not in alert["message"] and "110105********002X" in \
            alert["message"]  # masked
        plain = subprocess.run([*base, "--village", VILLAGE_A], cwd=ROOT, capture_output=True,
                               text=True, timeout=60, check=True)
        assert len(plain.stdout.splitlines()) == 1 and "not_on_roster" in plain.stdout
        none = subprocess.run([*base, "--village", VILLAGE_B, "--json"], cwd=ROOT,
                              capture_output=True, text=True, timeout=60, check=True)
        assert json.loads(none.stdout) == []
    finally:
        server.stop()


def test_bad_bodies_are_4xx_and_signatures_come_before_parsing(tmp_path):
    server = CountyServer(f"sqlite:///{tmp_path / 'county.db'}", tmp_path / "server").start()
    try:
        with opened(new_village(tmp_path, "a", VILLAGE_A)) as ws:
            enrol(ws, server, VILLAGE_A)
            key, device = ws.signing_key(), ws.device_id
            [genesis] = pending_events(ws.conn, 0, 1)
        good = genesis.model_dump()

        def push_text(payload_text: str) -> str:
            event = json.dumps({**good, "payload": "@@"}, ensure_ascii=False)
            events_text = event.replace('"@@"', payload_text)
            return f'{{"head":{{"seq":1,"hash":"{genesis.hash}"}},"events":[{events_text}]}}'

        bodies = {
            "lone surrogate": push_text('{"name":"\\ud800"}'),
            "low surrogate": push_text('{"name":"x\\udfff"}'),
            "NaN": push_text('{"fen":NaN}'),
            "Infinity": push_text('{"fen":-Infinity}'),
            "deep nesting": push_text("[" * 5000 + "]" * 5000),
            "huge int": push_text('{"fen":' + "9" * 5000 + "}"),
            "int beyond 64 bits": push_text('{"fen":' + "9" * 30 + "}"),
            "not JSON": "{\"head\": ",
        }
        for name, text in bodies.items():
            _, resp = _signed_post(server.url, PATH_PUSH, text.encode("utf-8"), key, device)
            assert resp.status_code == 422, (name, resp.status_code, resp.text)
            assert resp.json()["error"] == "invalid" and resp.json()["message"]
        _, resp = _signed_post(server.url, PATH_PUSH, b"\xff\xfe{", key, device)
        assert resp.status_code == 422
        # A surrogate pair is a character like any other (and the event still verifies).
        assert server.admin("stats")["events"] == 0

        # Unsigned or badly signed, a body is never parsed: 401, whatever it holds.
        for text in (*bodies.values(), "[]"):
            raw = text.encode("utf-8")
            unsigned = requests.post(server.url + PATH_PUSH, data=raw, timeout=10,
                                     headers={"Content-Type": "application/json"})
            assert (unsigned.status_code, unsigned.json()["error"]) == (401, "unsigned")
            headers, _ = _signed_post(server.url, PATH_PUSH, b"{}", key, device)
            tampered = requests.post(server.url + PATH_PUSH, data=raw, headers=headers,
                                     timeout=10)
            assert (tampered.status_code, tampered.json()["error"]) == (401, "bad_signature")
        # The enrolment's body is bounded before it is read for its key.
        big = b'{"code":"' + b"A" * 20_000 + b'"}'
        _, resp = _signed_post(server.url, "/v1/enrol", big, key, device)
        assert resp.status_code == 413
    finally:
        server.stop()


def test_a_bundle_reply_carries_the_countersignature(tmp_path):
    from app.services.exchange.county import device_box_key
    from app.services.exchange.county_bundles import export_bundle, import_bundle
    from server.bundles import import_bundle_file

    srv_url = f"sqlite:///{tmp_path / 'county.db'}"
    srv = open_server(srv_url)
    try:
        key_file = tmp_path / "county-key.json"
        key_file.write_text(json.dumps(srv.county_keys().model_dump()), encoding="utf-8")
        from server.enrol import create_enrol_code
        code = create_enrol_code(srv, village=VILLAGE_A, collector="李会计")["code"]
        with opened(new_village(tmp_path, "a", VILLAGE_A)) as ws:
            export_bundle(ws, tmp_path / "push.bundle", county_key=key_file, code=code)
            summary = import_bundle_file(srv, tmp_path / "push.bundle", tmp_path / "reply")
            assert summary["enrolled"] and summary["refused"] == 0
            import_bundle(ws, tmp_path / "reply")
            head = journal.head(ws.conn)
            box = device_box_key(ws.conn)
        from sync.files import read_bundle_file
        from sync.protocol import ReplyBundle, open_bundle, read_bundle_header
        reply = open_bundle(read_bundle_header(read_bundle_file(tmp_path / "reply")),
                            box_key=box, expected_sign_key=None, model=ReplyBundle)
        cs = reply.countersignature
        assert cs is not None and verify_countersignature(srv.county_keys().sign_key, cs)
        assert (cs.seq, cs.hash) == (reply.device_head.seq, reply.device_head.hash)
        assert cs.seq <= head[0]
    finally:
        srv.close()


def test_upgrade_adds_columns_and_binds_old_books(tmp_path: Path):
    """A county database of the release before county trust opens, gains the new columns,
    and its books are bound to the collector's one device; old book items are re-addressed."""
    import sqlite3

    path = tmp_path / "old.db"
    srv = open_server(f"sqlite:///{path}")
    srv.close()
    with sqlite3.connect(path) as db:
        # The old shape: no device binding, no code collector, no refused count.
        db.execute("DROP INDEX ix_books_device_id")
        for table, column in (("books", "device_id"), ("books", "bound_at"),
                              ("enrol_codes", "collector"), ("devices", "collector_bound"),
                              ("pushes", "refused")):
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        db.execute("DELETE FROM server_meta WHERE key = 'trust_backfill'")
        db.execute("INSERT INTO devices (id, village, user_name, public_key, box_key, "
                   "enrolled_at, head_seq, head_hash) VALUES ('d1', 'V1', '李会计', 'k1', 'b1', "
                   "'2026-01-01', 0, ?)", ("0" * 64,))
        db.execute("INSERT INTO books (allocation_id, series, first_no, last_no, village, "
                   "collector, allocated_at) VALUES ('a1', 'S', 1, 50, 'V1', '李会计', "
                   "'2026-01-01')")
        db.execute("INSERT INTO feed (seq, kind, village, device_id, collector, data, "
                   "created_at) VALUES (1, 'book', 'V1', NULL, '李会计', ?, '2026-01-01')",
                   (json.dumps({"allocation_id": "a1"}),))
    srv = open_server(f"sqlite:///{path}")
    try:
        from server.admin import list_books
        assert [b["device_id"] for b in list_books(srv)] == ["d1"]
        with srv.engine.connect() as conn:
            from server.schema import feed
            assert conn.execute(select(feed.c.device_id)).scalar_one() == "d1"
    finally:
        srv.close()


def test_countersigned_message_is_the_documented_ascii():
    from sync.protocol import countersign_message

    assert countersign_message("d", 7, "ab" * 32, "2026-10-15T02:00:00+00:00") == (
        b"yibao-head/1\nd\n7\n" + b"ab" * 32 + b"\n2026-10-15T02:00:00+00:00")


def test_refused_is_acknowledged():
    """The protocol's statuses: refused is acknowledged (the device moves on)."""
    from sync.protocol import ACKNOWLEDGED, EventResult

    assert "refused" in ACKNOWLEDGED
    EventResult(uuid=str(uuid.uuid4()), seq=1, status="refused", reason="ledger_rule",
                message="…")
    EventResult(uuid=str(uuid.uuid4()), seq=1, status="duplicate", first_status="refused")
