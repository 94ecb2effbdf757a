"""The county server's tables (SQLAlchemy Core) and engines for SQLite and PostgreSQL.

``events`` is the record: one row per device journal event, the UUID its primary key, which
is what makes a push exactly-once whatever the network does. The other tables are
projections (who holds an enrolment, which conflicts are open) or the outgoing feed that
villages pull with a cursor.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.domain.errors import ValidationError

metadata = MetaData()

server_meta = Table(
    "server_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Row locks on these rows serialise what must commit in order (the feed's sequence).
counters = Table(
    "counters", metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

enrol_codes = Table(
    "enrol_codes", metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("village", String(40), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("device_id", String(36)),
    Column("used_at", String(40)),
    # The collector the code is for (admin enrol-code --collector): the enrolling device must
    # name this user. NULL for a code issued without one (still allowed, docs/SECURITY.md).
    Column("collector", String(60)),
)

devices = Table(
    "devices", metadata,
    Column("id", String(36), primary_key=True),
    Column("village", String(40), nullable=False),
    Column("user_name", String(60), nullable=False),
    Column("public_key", String(64), nullable=False, unique=True),
    Column("box_key", String(64), nullable=False),
    Column("enrolled_at", String(40), nullable=False),
    Column("head_seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("reported_seq", BigInteger),
    Column("reported_hash", String(64)),
    Column("reported_at", String(40)),
    Column("last_seen_at", String(40)),
    # 1 when user_name was fixed by the enrolment code (enrol-code --collector), 0 when the
    # device named it itself under a code without a collector.
    Column("collector_bound", Integer, nullable=False, server_default="0"),
)

nonces = Table(
    "nonces", metadata,
    Column("device_id", String(36), primary_key=True),
    Column("nonce", String(32), primary_key=True),
    Column("at", BigInteger, nullable=False, index=True),
)

events = Table(
    "events", metadata,
    Column("uuid", String(36), primary_key=True),
    Column("device_id", String(36), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("at", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", String(60)),
    Column("message", Text),
    Column("received_at", String(40), nullable=False),
    Column("via", String(10), nullable=False),
    UniqueConstraint("device_id", "seq", name="events_device_seq"),
)

# The one standing enrolment per person and campaign year: first accepted wins.
claims = Table(
    "claims", metadata,
    Column("campaign_year", Integer, primary_key=True),
    Column("id_type", String(4), primary_key=True),
    Column("id_number", String(30), primary_key=True),
    Column("device_id", String(36), nullable=False),
    Column("village", String(40), nullable=False),
    Column("payment_id", String(64), nullable=False, index=True),
    Column("line_id", String(64), nullable=False, index=True),
    Column("event_uuid", String(36), nullable=False),
    Column("claimed_at", String(40), nullable=False),
)

conflicts = Table(
    "conflicts", metadata,
    Column("notice_id", String(36), primary_key=True),
    Column("device_id", String(36), nullable=False),
    Column("village", String(40), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("campaign_year", Integer, nullable=False),
    Column("id_number", String(30), nullable=False),
    Column("name", String(60), nullable=False),
    Column("payment_id", String(64), nullable=False, index=True),
    Column("line_id", String(64), nullable=False, index=True),
    Column("event_uuid", String(36), nullable=False),
    Column("other_village", String(40)),
    Column("created_at", String(40), nullable=False),
    Column("resolved_at", String(40)),
    Column("resolution", String(20)),
)

feed = Table(
    "feed", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(20), nullable=False),
    Column("village", String(40)),
    Column("device_id", String(36)),
    Column("collector", String(60)),
    Column("data", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)

external_payments = Table(
    "external_payments", metadata,
    Column("payment_id", String(36), primary_key=True),
    Column("campaign_year", Integer, nullable=False),
    Column("id_number", String(30), nullable=False),
    Column("channel", String(30), nullable=False),
    Column("paid_at", String(40), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Index("external_payments_person", "campaign_year", "id_number"),
)

employee_insured = Table(
    "employee_insured", metadata,
    Column("id_number", String(30), primary_key=True),
    Column("source", String(200), nullable=False),
    Column("recorded_at", String(40), nullable=False),
)

policies = Table(
    "policies", metadata,
    Column("policy_hash", String(64), primary_key=True),
    Column("campaign_year", Integer, nullable=False),
    Column("policy", Text, nullable=False),
    Column("published_at", String(40), nullable=False),
)

books = Table(
    "books", metadata,
    Column("allocation_id", String(36), primary_key=True),
    Column("series", String(20), nullable=False),
    Column("first_no", BigInteger, nullable=False),
    Column("last_no", BigInteger, nullable=False),
    Column("width", Integer),
    Column("village", String(40), nullable=False),
    Column("collector", String(60), nullable=False),
    Column("allocated_at", String(40), nullable=False),
    # The one device the book is allocated to (its collector's laptop); NULL while no device
    # of that collector is enrolled in the village yet (bound at that enrolment), or while
    # the choice is ambiguous (admin move-book decides).
    Column("device_id", String(36), index=True),
    Column("bound_at", String(40)),
    UniqueConstraint("series", "first_no", name="books_series_first"),
)

# The county's roster: who each village may collect for (admin load-roster).
roster_persons = Table(
    "roster_persons", metadata,
    Column("village", String(40), primary_key=True),
    Column("id_type", String(4), primary_key=True),
    Column("id_number", String(30), primary_key=True),
    Column("household_no", String(30), nullable=False),
    Column("loaded_at", String(40), nullable=False),
    Index("roster_persons_person", "id_type", "id_number"),
)

# Persons a device added to its own roster by accepted events (person.added, roster.imported,
# person.id_assigned): a newborn or a newcomer the county roster does not list yet.
device_persons = Table(
    "device_persons", metadata,
    Column("device_id", String(36), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("id_type", String(4), nullable=False),
    Column("id_number", String(30), nullable=False),
)

# Every stored payment with a receipt, for the payer's check page: where it sits in its
# device's journal and what became of it (the event's status; voids and refunds are read
# from the journal).
receipt_index = Table(
    "receipt_index", metadata,
    Column("device_id", String(36), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("series", String(20), nullable=False),
    Column("number", BigInteger, nullable=False),
    Column("payment_id", String(64), nullable=False),
    Column("event_uuid", String(36), nullable=False),
    Column("status", String(16), nullable=False),
    Index("receipt_index_number", "device_id", "series", "number"),
)

# What the county must look at (admin alerts): events refused by the model, rewritten
# synced events, heads contradicting a countersigned one. One row per finding.
alerts = Table(
    "alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("village", String(40), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("reason", String(60), nullable=False),
    Column("message", Text, nullable=False),
    Column("event_uuid", String(36)),
    Column("detail", String(64), nullable=False, server_default=""),  # the hash it is about
    Column("at", String(40), nullable=False),
    UniqueConstraint("kind", "device_id", "seq", "reason", "detail", name="alerts_once"),
    Index("alerts_device", "device_id", "seq"),
)

pushes = Table(
    "pushes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(36), nullable=False, index=True),
    Column("at", String(40), nullable=False),
    Column("via", String(10), nullable=False),
    Column("client_head_seq", BigInteger, nullable=False),
    Column("client_head_hash", String(64), nullable=False),
    Column("events", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("conflicts", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("refused", Integer, nullable=False, server_default="0"),
)

# The townships (乡镇) the county registered and the villages each one oversees.
townships = Table(
    "townships", metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(60), nullable=False),
    Column("created_at", String(40), nullable=False),
)

township_villages = Table(
    "township_villages", metadata,
    Column("township", String(40), primary_key=True),
    Column("village", String(40), primary_key=True),
    Column("added_at", String(40), nullable=False),
)


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (the only PostgreSQL driver installed)."""
    text = (url or "").strip()
    for prefix in ("postgresql://", "postgres://"):
        if text.startswith(prefix):
            text = "postgresql+psycopg://" + text[len(prefix):]
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise ValidationError(f"数据库地址无效：{url}") from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValidationError("数据库只支持 SQLite（sqlite:///文件）和 PostgreSQL（postgresql://…）")
    return text


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # The driver's own implicit BEGIN is deferred; a deferred reader that later writes can
        # fail with "database is locked" under concurrency, so BEGIN IMMEDIATE is issued below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in ("PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
                       "PRAGMA busy_timeout = 30000", "PRAGMA foreign_keys = ON"):
            cur.execute(pragma)
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
