"""The county's batch primitives under push (server.kernel, server.claims), on both databases.

A push writes its rows together (COPY on PostgreSQL) and judges claims from one read per
batch; what makes it safe under several workers is that a lost race still surfaces as the
SQLAlchemy error ``kernel.retrying`` retries, and that the batch's view of the claims
follows its own claims and releases.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.domain import events as catalogue
from app.domain.canonical import canonical_json
from app.domain.events import event_body, event_hash
from server.claims import Claims
from server.kernel import FeedBatch, among, append_feed, insert_rows, open_server
from server.schema import claims, conflicts, device_persons, feed
from sync.protocol import PolicyData, WireEvent
from tests.pg import PgCluster, find_bin_dir

_databases = itertools.count()
DEVICE = SimpleNamespace(id="00000000-0000-4000-8000-000000000001", village="3404220010")
OTHER = SimpleNamespace(id="00000000-0000-4000-8000-000000000002", village="3404220020")
NOW = "2026-10-15T02:00:00+00:00"


@pytest.fixture(scope="module")
def pg_cluster():
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("no PostgreSQL initdb binary (searched /usr/lib/postgresql/*/bin and PATH)")
    cluster = PgCluster(bin_dir).start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def srv(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'county.db'}"
    else:
        url = request.getfixturevalue("pg_cluster").create_database(
            f"batch_{os.getpid()}_{next(_databases)}")
    server = open_server(url)
    yield server
    server.close()


def _person(n: int) -> dict[str, str]:
    return {"device_id": DEVICE.id, "person_id": f"p{n}", "id_type": "01",
            "id_number": f"34042219900101{n:04d}"}


def test_insert_rows_lost_key_is_the_error_retrying_retries(srv):
    with srv.engine.begin() as conn:
        insert_rows(conn, device_persons, [_person(1), _person(2)])
    with pytest.raises(IntegrityError), srv.engine.begin() as conn:
        insert_rows(conn, device_persons, [_person(3), _person(2)])
    with srv.engine.connect() as conn:
        held = sorted(r.person_id for r in conn.execute(select(device_persons)))
    assert held == ["p1", "p2"]  # the failed insert left nothing behind


def test_insert_rows_replace_on_updates_a_held_key(srv):
    with srv.engine.begin() as conn:
        insert_rows(conn, device_persons, [_person(1)])
        moved = {**_person(1), "id_number": "340422199001019999"}
        insert_rows(conn, device_persons, [moved, _person(2)],
                    replace_on=("device_id", "person_id"))
    with srv.engine.connect() as conn:
        rows = {r.person_id: r.id_number for r in conn.execute(select(device_persons))}
        found = [r.person_id for r in conn.execute(select(device_persons).where(
            among(conn, device_persons.c.person_id, ["p2", "p9"])))]
    assert rows == {"p1": "340422199001019999", "p2": "340422199001010002"}
    assert found == ["p2"]


def test_insert_rows_replace_on_keeps_the_later_of_two_rows_with_one_key(srv):
    first = {**_person(1), "id_number": "340422199001011111"}
    later = {**_person(1), "id_number": "340422199001012222"}
    with srv.engine.begin() as conn:
        insert_rows(conn, device_persons, [first, _person(2), later],
                    replace_on=("device_id", "person_id"))
    with srv.engine.connect() as conn:
        rows = {r.person_id: r.id_number for r in conn.execute(select(device_persons))}
    assert rows == {"p1": "340422199001012222", "p2": "340422199001010002"}


def test_feed_batch_keeps_order_after_direct_appends(srv):
    policy = PolicyData(policy_hash="0" * 64, policy={"campaign_year": 2026})
    with srv.engine.begin() as conn:
        first = append_feed(srv, conn, "policy", policy)
        batch = FeedBatch()
        for village in ("a", "b", "c"):
            batch.add("policy", policy, village=village)
        batch.flush(srv, conn)
        last = append_feed(srv, conn, "policy", policy)
    with srv.engine.connect() as conn:
        rows = [(int(r.seq), r.village) for r in conn.execute(select(feed).order_by(feed.c.seq))]
    assert rows == [(first, None), (first + 1, "a"), (first + 2, "b"), (first + 3, "c"),
                    (last, None)]
    assert last == first + 4


def _payment(payment_id: str, line_id: str, id_number: str) -> catalogue.PaymentCollected:
    line = catalogue.PaymentLine(line_id=line_id, person_id="p1", name="张三", id_type="01",
                                 id_number=id_number, nonlocal_=False, price_fen=38000,
                                 subsidy_fen=0, category=None, payable_fen=38000)
    return catalogue.PaymentCollected(
        payment_id=payment_id, campaign_id="c", campaign_year=2026, benefit_year=2027,
        household=catalogue.HouseholdRef(id="h", no="1", head="张三"), tier="1",
        method="cash", method_ref=None, amount_fen=38000, collected_at=NOW,
        business_date="2026-10-15", override_reason=None, receipt=None, lines=(line,))


def test_claims_follow_the_batch_and_first_accepted_wins(srv):
    person = "340422199001010001"
    first, second = _payment("pay-1", "line-1", person), _payment("pay-2", "line-2", person)
    with srv.engine.begin() as conn:
        batch = Claims.for_batch(conn, [first])
        assert batch.pay(conn, FeedBatch(), DEVICE, "00000000-0000-4000-8000-000000000001", first, NOW) == []
        # Released in the same batch (a void), the person may be claimed again at once.
        batch.release(conn, DEVICE, column="payment_id", value="pay-1", resolution="voided",
                      now=NOW)
        assert batch.pay(conn, FeedBatch(), DEVICE, "00000000-0000-4000-8000-000000000002", second, NOW) == []
        batch.flush(conn)
    with srv.engine.begin() as conn:
        # Another village's push, read after the claim committed: a conflict and its notice.
        later = _payment("pay-3", "line-3", person)
        notices = FeedBatch()
        messages = Claims.for_batch(conn, [later]).pay(conn, notices, OTHER, "00000000-0000-4000-8000-000000000003", later,
                                                       NOW)
        notices.flush(srv, conn)
    assert len(messages) == 1 and "先到先得" in messages[0]
    with srv.engine.connect() as conn:
        held = [(r.payment_id, r.village) for r in conn.execute(select(claims))]
        found = [r.reason for r in conn.execute(select(conflicts))]
        kinds = [r.kind for r in conn.execute(select(feed))]
    assert held == [("pay-2", DEVICE.village)]
    assert found == ["duplicate_enrolment"] and kinds == ["conflict"]


def test_a_claim_won_by_a_concurrent_push_fails_the_later_insert(srv):
    person = "340422199001010001"
    mine, theirs = _payment("pay-1", "line-1", person), _payment("pay-9", "line-9", person)
    with srv.engine.begin() as conn:
        stale = Claims.for_batch(conn, [mine])  # read before the other push committed
    with srv.engine.begin() as conn:
        other = Claims.for_batch(conn, [theirs])
        other.pay(conn, FeedBatch(), OTHER, "00000000-0000-4000-8000-000000000009", theirs, NOW)
        other.flush(conn)
    with pytest.raises(IntegrityError), srv.engine.begin() as conn:
        assert stale.pay(conn, FeedBatch(), DEVICE, "00000000-0000-4000-8000-000000000001", mine, NOW) == []
        stale.flush(conn)


def test_verified_payload_is_the_hashed_text_of_the_payload():
    payload = {"seq": 7, "note": 'a,"payload":{"x":1},"seq":2 引号"',
               "nested": {"seq": [1, {"at": "x"}]}, "名字": "张三\n\t\u2028", "n": None,
               "ok": True}
    body = event_body(uuid=DEVICE.id, device=OTHER.id, seq=3, type="person.added",
                      payload=payload, actor='会计,"payload":', at='2026,"seq":1')
    ev = WireEvent(**body, prev_hash="1" * 64, hash=event_hash("1" * 64, body))
    assert ev.verified_payload() == canonical_json(payload)
    assert ev.model_copy(update={"hash": "2" * 64}).verified_payload() is None
    assert ev.model_copy(update={"actor": "别人"}).verified_payload() is None
