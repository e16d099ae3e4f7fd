"""The ledger's hot-path statements, built once with bound parameters (building SQLAlchemy expressions per
call cost more CPU than running them on SQLite). Each reads its values from the parameters named `p_*`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from xrouter.serve.ledger_db import api_keys as K
from xrouter.serve.ledger_db import calls as C
from xrouter.serve.ledger_db import requests as Q
from xrouter.serve.ledger_db import reservations as R

EPOCH = datetime(1970, 1, 1)
TOLERANCE_USD = 1e-9  # rounding of float sums such as 5 × 0.01, not a margin


def _p(name: str, type_: sa.types.TypeEngine | None = None) -> sa.BindParameter:
    return sa.bindparam(name, type_=type_)


# The start of the current period of the key row being read (its `period` column); p_day/p_week/p_month are
# the starts of today's day, week and month in UTC.
CURRENT_START = sa.case({"day": _p("p_day", sa.DateTime()), "week": _p("p_week", sa.DateTime()),
                         "month": _p("p_month", sa.DateTime())},
                        value=K.c.period, else_=sa.literal(EPOCH, sa.DateTime()))
# The key's spend in the current period: its running total restarts when the period turned.
SPENT_NOW = sa.case((K.c.period_start >= CURRENT_START, K.c.spent_usd), else_=sa.literal(0.0, sa.Double()))


# What a key holds once a reservation row is gone: the sum of its remaining rows, recomputed rather than
# subtracted, so the running float cannot drift (after the last hold it is exactly 0.0). Correct under
# concurrency because every writer locks the key's row before it touches the key's reservations.
HELD_BY_KEY = (sa.select(sa.func.coalesce(sa.func.sum(R.c.amount_usd), sa.literal(0.0, sa.Double())))
               .where(R.c.key_id == K.c.id).scalar_subquery())


# THE budget check: one conditional UPDATE; rowcount 1 = the money is held.
RESERVE = (
    K.update()
    .where(K.c.id == _p("p_key"), K.c.disabled == sa.false(),
           sa.or_(K.c.budget_usd.is_(None),
                  SPENT_NOW + K.c.reserved_usd + _p("p_amount", sa.Double())
                  <= K.c.budget_usd + sa.literal(TOLERANCE_USD, sa.Double())))
    .values(reserved_usd=K.c.reserved_usd + _p("p_amount", sa.Double()), spent_usd=SPENT_NOW,
            period_start=CURRENT_START)
)
ADD_RESERVATION = R.insert()  # values: id, key_id, request_id, amount_usd, created
LOCK_KEY = sa.select(K.c.id).where(K.c.id == _p("p_key")).with_for_update()  # no-op on SQLite (BEGIN IMMEDIATE)
TAKE_RESERVATION = R.delete().where(R.c.id == _p("p_rid")).returning(R.c.amount_usd, R.c.request_id)
ADD_CALL = C.insert()
SETTLED = sa.select(C.c.id).where(C.c.reservation_id == _p("p_rid"))
SETTLE_KEY = (
    K.update().where(K.c.id == _p("p_key"))
    .values(spent_usd=SPENT_NOW + _p("p_cost", sa.Double()), period_start=CURRENT_START,
            reserved_usd=HELD_BY_KEY)
)
UNRESERVE_KEY = K.update().where(K.c.id == _p("p_key")).values(reserved_usd=HELD_BY_KEY)
FIND_SECRET = sa.select(K).where(K.c.secret_hash == _p("p_hash"))


def upsert_request(dialect: str) -> sa.Insert:
    """INSERT a request row, or overwrite it when the id exists (SQLite and PostgreSQL share the syntax)."""
    ins = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(Q)
    return ins.on_conflict_do_update(index_elements=[Q.c.id], set_={
        c: ins.excluded[c] for c in ("key_id", "model_used", "total_cost_usd", "status", "strategy")})
