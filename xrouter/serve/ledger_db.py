"""The ledger's tables and database engine: SQLite (WAL) or PostgreSQL (psycopg 3) from one URL.

SQLite: every write transaction starts with `BEGIN IMMEDIATE` (the database's single write lock is taken
before anything is read, so a read-then-write can never interleave with another process's write; waiting
writers queue on a 30 s busy timeout), journal_mode=WAL (readers never block the writer), synchronous=NORMAL
(a committed transaction survives a killed process; only an OS crash may lose the last ones).
PostgreSQL: READ COMMITTED isolation (set explicitly, whatever the server's default); correctness comes from
the conditional updates of `ledger_sql.py`, which lock the key's row.
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

metadata = sa.MetaData()

api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex; the secret is never stored
    sa.Column("budget_usd", sa.Double, nullable=True),  # NULL: unlimited
    sa.Column("period", sa.String(8), nullable=False),  # day | week | month | never
    sa.Column("created", sa.DateTime, nullable=False),  # naive UTC, as every timestamp here
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    # Running totals, changed only together with the rows they summarise (same transaction):
    sa.Column("spent_usd", sa.Double, nullable=False, default=0.0),  # calls settled since period_start
    sa.Column("period_start", sa.DateTime, nullable=False),  # start of the period spent_usd counts
    sa.Column("reserved_usd", sa.Double, nullable=False, default=0.0),  # sum of the key's reservations
)

requests = sa.Table(
    "requests", metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("key_id", sa.String(), nullable=True, index=True),
    sa.Column("model_used", sa.String(), nullable=True),
    sa.Column("total_cost_usd", sa.Double, nullable=False),
    sa.Column("status", sa.String(), nullable=False),
    sa.Column("strategy", sa.String(), nullable=False),
    sa.Column("created", sa.DateTime, nullable=False, index=True),
)

calls = sa.Table(
    "calls", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reservation_id", sa.String(), nullable=True, unique=True),  # a reservation settles once
    sa.Column("request_id", sa.String(), nullable=True, index=True),  # NULL only if its reservation was lost
    sa.Column("key_id", sa.String(), nullable=True),
    sa.Column("call_id", sa.String(), nullable=True),
    sa.Column("model", sa.String(), nullable=True),
    sa.Column("requested_model", sa.String(), nullable=True),
    sa.Column("backend", sa.String(), nullable=True),
    sa.Column("input_tokens", sa.Integer, nullable=False),
    sa.Column("output_tokens", sa.Integer, nullable=False),
    sa.Column("cost_usd", sa.Double, nullable=False),
    sa.Column("simulated", sa.Boolean, nullable=False),
    sa.Column("latency_s", sa.Double, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=True),
    sa.Column("cached", sa.Boolean, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Index("ix_calls_key_created", "key_id", "created"),
)

reservations = sa.Table(
    "reservations", metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("key_id", sa.String(), nullable=True, index=True),
    sa.Column("request_id", sa.String(), nullable=False),
    sa.Column("amount_usd", sa.Double, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False, index=True),
)

_SCHEMA_LOCK = 0x78726C6467  # pg_advisory_xact_lock id: processes creating the schema at once take turns


def masked(url: str) -> str:
    """The URL with any password replaced by ***, for error messages."""
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", url)


def make_engine(url: str) -> Engine:
    """An engine for a `sqlite:///path` or `postgresql://...` URL; ValueError naming the URL otherwise."""
    shown = masked(url)
    try:
        u = make_url(url)
    except ArgumentError as err:
        raise ValueError(f"ledger URL {shown!r} is not a database URL "
                         f"(use sqlite:///path/ledger.db or postgresql://user@host:port/db): {err}") from None
    backend = u.get_backend_name()
    if backend == "sqlite":
        if not u.database or u.database == ":memory:":
            raise ValueError(f"ledger URL {shown!r}: SQLite needs a file path (sqlite:///path/ledger.db); an "
                             "in-memory database is not shared between connections or processes")
        try:
            Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ValueError(f"ledger URL {shown!r}: cannot create the folder of {u.database}: {err}") from None
        engine = sa.create_engine(u, connect_args={"timeout": 30.0, "check_same_thread": False})
        _sqlite_transactions(engine)
        return engine
    if backend in ("postgresql", "postgres"):
        if u.drivername in ("postgresql", "postgres"):
            u = u.set(drivername="postgresql+psycopg")
        try:
            return sa.create_engine(u, pool_pre_ping=True, isolation_level="READ COMMITTED")
        except (NoSuchModuleError, ImportError) as err:
            raise ValueError(f"ledger URL {shown!r}: driver not available ({err}); use postgresql:// "
                             "(psycopg 3)") from None
    raise ValueError(f"ledger URL {shown!r}: unsupported database {backend!r} "
                     "(use sqlite:///path/ledger.db or postgresql://user@host:port/db)")


def _sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, start transactions: BEGIN IMMEDIATE to write, BEGIN to read."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # the driver's own implicit BEGIN is off; `_begin` emits ours
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        read = conn.get_execution_options().get("ledger_read", False)
        conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def create_schema(engine: Engine) -> None:
    """Create the tables that do not exist yet (idempotent; safe when several processes start at once)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
        metadata.create_all(conn, checkfirst=True)
