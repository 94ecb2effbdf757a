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
    UniqueConstraint("series", "first_no", name="books_series_first"),
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
