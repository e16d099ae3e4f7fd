"""The cost-accounting ledger: API keys with budgets, money reserved before each model call, settled after.

One code path (SQLAlchemy Core) over SQLite (WAL; `sqlite:///path`, the default) and PostgreSQL
(`postgresql://...`, driven by psycopg 3); tables in `ledger_db.py`, hot statements in `ledger_sql.py`, the
refusals, key records, periods and input checks in `ledger_values.py`.

Budgets are enforced in the database, not in the process, so they hold across BentoML's worker processes:
`reserve` is ONE conditional statement, `UPDATE api_keys SET reserved_usd = reserved_usd + :amount WHERE
id = :key AND spent_in_period + reserved_usd + :amount <= budget_usd`, whose row count says whether the
money was there (the row lock it takes serialises concurrent reservations of a key; PostgreSQL re-checks the
condition on the row as the previous holder committed it). `settle` drops the reservation, writes the call row
and adds its actual cost to the key's spend in one transaction; `release` drops it without spend;
`cleanup_orphans` drops reservations left by a crashed process. A keyless request has no budget to hold:
its calls are written by `record_call`, one INSERT each, without a reservation. Whenever a reservation goes,
the key's reserved total is recomputed from its remaining reservation rows (not subtracted), so it cannot
drift. A key's spend counts from the start of its calendar period in UTC: the day, the ISO week (from Monday), the
month, or never reset.

Every transaction that touches a key locks the key's row first, then its reservations (one lock order: no
deadlocks). Amounts are binary floats in USD; a reservation fits when it exceeds the budget by at most
`TOLERANCE_USD` (a billionth of a dollar), which only absorbs rounding of sums such as 0.01 × 5.
"""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from xrouter.serve import ledger_sql as S
from xrouter.serve.ledger_db import api_keys as K
from xrouter.serve.ledger_db import calls as C
from xrouter.serve.ledger_db import create_schema, make_engine, masked
from xrouter.serve.ledger_db import reservations as R
from xrouter.serve.ledger_sql import TOLERANCE_USD
from xrouter.serve.ledger_url import DEFAULT_LEDGER_URL, LEDGER_URL_ENV, PERIODS, ledger_url  # noqa: F401
from xrouter.serve.ledger_values import (  # noqa: F401 (BudgetExceeded, KeyDisabled, KeyInfo: the API's too)
    BudgetExceeded,
    KeyDisabled,
    KeyInfo,
    call_row,
    check_period,
    hash_secret,
    key_info,
    money,
    period_start,
)

log = logging.getLogger(__name__)


class Ledger:
    """The ledger over one database. Thread-safe (a connection pool); create one per process (`from_url`)."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self._clock = clock or (lambda: datetime.now(UTC))
        self._upsert_request = S.upsert_request(engine.dialect.name)
        # SQLite takes one writer at a time and a waiting writer sleeps in growing steps (up to 100 ms each), so
        # this process's writers queue on a lock instead; other processes still wait on the database's lock.
        # (PostgreSQL locks rows, not the database: no process-wide queue there.)
        self._writers = threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()

    @classmethod
    def from_url(cls, url: str, clock: Callable[[], datetime] | None = None) -> Ledger:
        """Open (and idempotently create) the ledger at `url`; ValueError naming the URL when it is bad.

        `clock` returns the current time (aware, or naive UTC); tests inject one to cross period boundaries."""
        engine = make_engine(url)
        try:
            create_schema(engine)
        except DBAPIError as err:
            engine.dispose()
            raise ValueError(f"ledger URL {masked(url)!r}: cannot open the database: {err.orig}") from None
        return cls(engine, clock)

    def close(self) -> None:
        self.engine.dispose()

    # -- time ---------------------------------------------------------------------------------------------
    def now(self) -> datetime:
        t = self._clock()
        return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t

    @staticmethod
    def _starts(now: datetime) -> dict[str, datetime]:
        """The parameters of `ledger_sql.CURRENT_START`: this day's, week's and month's starts."""
        return {"p_day": period_start("day", now), "p_week": period_start("week", now),
                "p_month": period_start("month", now)}

    # -- transactions -------------------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self._writers, self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(ledger_read=True)
            with conn.begin():
                yield conn

    # -- keys ---------------------------------------------------------------------------------------------
    def create_key(self, name: str, budget_usd: float | None, period: str = "month") -> tuple[KeyInfo, str]:
        """A new key and its secret; only the secret's hash is stored, so the secret is shown once."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name must be a non-empty string (got {name!r})")
        budget = money("budget_usd", budget_usd, optional=True)
        period = check_period(period)
        key_id, secret = f"key_{secrets.token_hex(8)}", f"xr-{secrets.token_urlsafe(32)}"
        now = self.now()
        with self._write() as conn:
            conn.execute(K.insert().values(
                id=key_id, name=name.strip(), secret_hash=hash_secret(secret), budget_usd=budget, period=period,
                created=now, disabled=False, spent_usd=0.0, period_start=period_start(period, now), reserved_usd=0.0,
            ))
        return KeyInfo(key_id, name.strip(), budget, period, False), secret

    def authenticate(self, secret: str) -> KeyInfo | None:
        """The enabled key with this secret, else None."""
        if not isinstance(secret, str) or not secret:
            return None
        with self._read() as conn:
            row = conn.execute(S.FIND_SECRET, {"p_hash": hash_secret(secret)}).first()
        return None if row is None or row.disabled else key_info(row)

    def get_key(self, key_id: str) -> KeyInfo:
        with self._read() as conn:
            return key_info(self._key_row(conn, key_id))

    def list_keys(self) -> list[KeyInfo]:
        with self._read() as conn:
            return [key_info(r) for r in conn.execute(sa.select(K).order_by(K.c.created, K.c.id))]

    def disable_key(self, key_id: str) -> None:
        """Refuse the key from now on (authenticate → None, reserve → KeyDisabled); its rows stay."""
        with self._write() as conn:
            if conn.execute(K.update().where(K.c.id == key_id).values(disabled=True)).rowcount != 1:
                raise KeyError(f"unknown key id {key_id!r}")

    def set_budget(self, key_id: str, budget_usd: float | None, period: str | None = None) -> KeyInfo:
        """New budget (None: unlimited) and, if given, period; the spend is recounted from the call rows."""
        budget = money("budget_usd", budget_usd, optional=True)
        with self._write() as conn:
            row = self._key_row(conn, key_id, lock=True)
            period = check_period(period) if period is not None else row.period
            start = period_start(period, self.now())
            spent = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(C.c.cost_usd), 0.0)).where(
                C.c.key_id == key_id, C.c.created >= start)).scalar_one()
            conn.execute(K.update().where(K.c.id == key_id).values(
                budget_usd=budget, period=period, period_start=start, spent_usd=float(spent)))
        return KeyInfo(key_id, row.name, budget, period, bool(row.disabled))

    def _key_row(self, conn: sa.Connection, key_id: str, lock: bool = False) -> Any:
        query = sa.select(K).where(K.c.id == key_id)
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise KeyError(f"unknown key id {key_id!r}")
        return row

    # -- money --------------------------------------------------------------------------------------------
    def remaining(self, key_id: str) -> float | None:
        """Budget − spent this period (call rows) − reserved (reservation rows); None for an unlimited key."""
        with self._read() as conn:
            row = self._key_row(conn, key_id)
            if row.budget_usd is None:
                return None
            spent = self._rows_spend(conn, key_id, period_start(row.period, self.now()))
            held = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(R.c.amount_usd), 0.0)).where(
                R.c.key_id == key_id)).scalar_one()
        return row.budget_usd - spent - float(held)

    def key_spend(self, key_id: str) -> float:
        """The sum of the key's call rows in its current period."""
        with self._read() as conn:
            row = self._key_row(conn, key_id)
            return self._rows_spend(conn, key_id, period_start(row.period, self.now()))

    @staticmethod
    def _rows_spend(conn: sa.Connection, key_id: str, start: datetime) -> float:
        return float(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(C.c.cost_usd), 0.0)).where(
            C.c.key_id == key_id, C.c.created >= start)).scalar_one())

    def reserve(self, key_id: str | None, request_id: str, amount_usd: float) -> str:
        """Hold `amount_usd` of the key's budget; the reservation id. BudgetExceeded when it does not fit
        (KeyDisabled for a disabled key, KeyError for an unknown one); nothing is held then.

        key_id None: no budget to check, the reservation is still recorded."""
        amount = money("amount_usd", amount_usd)
        rid = f"rsv_{uuid.uuid4().hex}.{key_id or ''}"  # the key travels in the id: settle attributes the cost
        now = self.now()                                # even after cleanup_orphans dropped the reservation
        with self._write() as conn:
            if key_id is not None:
                took = conn.execute(S.RESERVE, {"p_key": key_id, "p_amount": amount, **self._starts(now)}).rowcount
                if took != 1:
                    raise self._refusal(conn, key_id, amount, now)
            conn.execute(S.ADD_RESERVATION, {"id": rid, "key_id": key_id, "request_id": request_id,
                                             "amount_usd": amount, "created": now})
        return rid

    def _refusal(self, conn: sa.Connection, key_id: str, amount: float, now: datetime) -> Exception:
        row = self._key_row(conn, key_id)
        if row.disabled:
            return KeyDisabled(key_id, amount)
        spent = row.spent_usd if row.period_start >= period_start(row.period, now) else 0.0
        return BudgetExceeded(key_id, row.budget_usd, spent, amount, row.reserved_usd)

    def settle(self, reservation_id: str, call: dict) -> None:
        """Drop the reservation, write the call row and add its actual cost to the key's spend (one transaction).

        `call` is a `call_history` entry (`metadata.call_entry`: cost, model_id, tokens_used {prompt,
        completion}, latency, ...) or has the column names (cost_usd, model, input_tokens, output_tokens,
        latency_s, ...); its request_id is used when the reservation is gone. Settling a reservation twice
        records it once. A reservation already dropped by cleanup_orphans still gets its call row and spend."""
        key_id = self._key_of(reservation_id)
        row = call_row(call)
        now = self.now()
        try:
            with self._write() as conn:
                if key_id is not None and conn.execute(S.LOCK_KEY, {"p_key": key_id}).first() is None:
                    raise KeyError(f"unknown key id {key_id!r}")
                held = conn.execute(S.TAKE_RESERVATION, {"p_rid": reservation_id}).first()
                if held is None and conn.execute(S.SETTLED, {"p_rid": reservation_id}).first() is not None:
                    log.warning("reservation %s was already settled; the second settle is ignored", reservation_id)
                    return
                request_id = held.request_id if held is not None else call.get("request_id")
                conn.execute(S.ADD_CALL, {**row, "reservation_id": reservation_id, "request_id": request_id,
                                          "key_id": key_id, "created": now})
                if key_id is not None:
                    conn.execute(S.SETTLE_KEY, {"p_key": key_id, "p_cost": row["cost_usd"], **self._starts(now)})
        except IntegrityError:
            if self._settled(reservation_id):
                log.warning("reservation %s was already settled; the second settle is ignored", reservation_id)
                return
            raise

    def record_call(self, request_id: str, call: dict) -> None:
        """The call row of a keyless request (no budget to hold, so no reservation): one INSERT, paid or failed
        (`call` as for `settle`)."""
        row = call_row(call)
        with self._write() as conn:
            conn.execute(S.ADD_CALL, {**row, "reservation_id": None, "request_id": request_id, "key_id": None,
                                      "created": self.now()})

    def _settled(self, reservation_id: str) -> bool:
        with self._read() as conn:
            return conn.execute(S.SETTLED, {"p_rid": reservation_id}).first() is not None

    @staticmethod
    def _key_of(reservation_id: str) -> str | None:
        if not isinstance(reservation_id, str) or not reservation_id.startswith("rsv_") or "." not in reservation_id:
            raise ValueError(f"reservation_id {reservation_id!r} is not one that reserve() returned")
        return reservation_id.split(".", 1)[1] or None

    def release(self, reservation_id: str, call: dict | None = None) -> None:
        """Drop a reservation without spend (the call failed or was never made); a no-op when it is gone.

        With `call` (the failed call's call_history entry, cost 0) its row is written too, error included,
        so the calls table lists failed calls beside paid ones."""
        key_id = self._key_of(reservation_id)
        row = None
        if call is not None:
            row = call_row({**call, "cost": call.get("cost_usd", call.get("cost")) or 0.0})
            if row["cost_usd"] > 0:
                raise ValueError(f"call cost_usd is {row['cost_usd']}: a call that cost money is settled, "
                                 "not released")
        with self._write() as conn:
            if key_id is not None:
                conn.execute(S.LOCK_KEY, {"p_key": key_id})
            held = conn.execute(S.TAKE_RESERVATION, {"p_rid": reservation_id}).first()
            if held is not None and key_id is not None:
                conn.execute(S.UNRESERVE_KEY, {"p_key": key_id})
            if row is not None and held is not None:
                conn.execute(S.ADD_CALL, {**row, "reservation_id": reservation_id, "request_id": held.request_id,
                                          "key_id": key_id, "created": self.now()})

    def cleanup_orphans(self, older_than_s: float = 0) -> int:
        """Drop reservations created at least `older_than_s` seconds ago; how many were dropped.

        Call at start with 0 from a single process; with several worker processes sharing the ledger pass
        more than the longest request can run (e.g. the episode deadline), or a live call's hold is dropped
        (its settle still records the cost, but the budget check meanwhile did not count it)."""
        cutoff = self.now() - timedelta(seconds=money("older_than_s", older_than_s))
        with self._read() as conn:
            keys = [r.key_id for r in conn.execute(
                sa.select(R.c.key_id).where(R.c.created <= cutoff).distinct())]
        dropped = 0
        for key_id in keys:
            with self._write() as conn:
                if key_id is not None:
                    try:
                        self._key_row(conn, key_id, lock=True)
                    except KeyError:
                        pass  # a reservation of a key that no longer exists: dropped below all the same
                stale = sa.and_(R.c.key_id == key_id if key_id is not None else R.c.key_id.is_(None),
                                R.c.created <= cutoff)
                amounts = [r.amount_usd for r in conn.execute(R.delete().where(stale).returning(R.c.amount_usd))]
                if key_id is not None and amounts:
                    conn.execute(S.UNRESERVE_KEY, {"p_key": key_id})
                dropped += len(amounts)
        if dropped:
            log.warning("ledger: dropped %d orphaned reservation(s) older than %gs", dropped, older_than_s)
        return dropped

    def audit(self) -> list[dict]:
        """Per key: the running totals on its row against the rows they sum (spend this period, reservations);
        `ok` when they agree within TOLERANCE_USD per row. A check for operators and tests (e.g. after a kill)."""
        now = self.now()
        out = []
        with self._read() as conn:
            held = dict(conn.execute(sa.select(R.c.key_id, sa.func.sum(R.c.amount_usd)).group_by(R.c.key_id)).all())
            for row in conn.execute(sa.select(K).order_by(K.c.created, K.c.id)):
                start = period_start(row.period, now)
                spent_rows = self._rows_spend(conn, row.id, start)
                n_rows = conn.execute(sa.select(sa.func.count()).where(C.c.key_id == row.id)).scalar_one()
                spent_total = row.spent_usd if row.period_start >= start else 0.0
                reserved_rows = float(held.get(row.id) or 0.0)
                tol = TOLERANCE_USD * (1 + n_rows)
                out.append({"key_id": row.id, "spent_usd": spent_total, "spent_rows_usd": spent_rows,
                            "reserved_usd": row.reserved_usd, "reserved_rows_usd": reserved_rows,
                            "ok": abs(spent_total - spent_rows) <= tol and abs(row.reserved_usd - reserved_rows) <= tol})
        return out

    # -- requests and reports -----------------------------------------------------------------------------
    def record_request(self, request_id: str, key_id: str | None, model_used: str | None, total_cost_usd: float,
                       status: str, strategy: str) -> None:
        """One row per request (written again when recorded twice: the last word wins)."""
        values = {"key_id": key_id, "model_used": model_used, "status": str(status), "strategy": str(strategy),
                  "total_cost_usd": money("total_cost_usd", total_cost_usd)}
        with self._write() as conn:
            conn.execute(self._upsert_request, {"id": request_id, "created": self.now(), **values})

    def spend(self, key_id: str | None = None, since: datetime | None = None) -> list[dict]:
        """Rows per key, model and UTC day (oldest first): key_id, model, day ("YYYY-MM-DD"), cost_usd, calls,
        input_tokens, output_tokens, simulated_cost_usd, errors (failed calls, recorded by `release` with
        their call). key_id None: every key (and keyless calls)."""
        with self._read() as conn:
            day = sa.func.date(C.c.created) if conn.dialect.name == "sqlite" else sa.cast(C.c.created, sa.Date)
            query = (sa.select(C.c.key_id, C.c.model, day.label("day"), sa.func.sum(C.c.cost_usd).label("cost"),
                               sa.func.count().label("calls"), sa.func.sum(C.c.input_tokens).label("tin"),
                               sa.func.sum(C.c.output_tokens).label("tout"),
                               sa.func.sum(sa.case((C.c.simulated, C.c.cost_usd), else_=0.0)).label("sim"),
                               sa.func.count(C.c.error).label("errors"))
                     .group_by(C.c.key_id, C.c.model, day).order_by(day, C.c.key_id, C.c.model))
            if key_id is not None:
                query = query.where(C.c.key_id == key_id)
            if since is not None:
                query = query.where(C.c.created >= (since.astimezone(UTC).replace(tzinfo=None)
                                                    if since.tzinfo else since))
            return [{"key_id": r.key_id, "model": r.model, "day": str(r.day), "cost_usd": float(r.cost),
                     "calls": int(r.calls), "input_tokens": int(r.tin), "output_tokens": int(r.tout),
                     "simulated_cost_usd": float(r.sim), "errors": int(r.errors)} for r in conn.execute(query)]
