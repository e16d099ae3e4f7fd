"""The cost ledger on a real SQLite file and a real PostgreSQL server: reservations, budgets across processes,
orphans, calendar periods, spend reports and bad input."""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import signal
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from xrouter.serve.ledger import BudgetExceeded, KeyDisabled, Ledger, period_start


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/ledger.db"
    server = request.getfixturevalue("postgres")
    return server.url(server.create_database(f"ledger_{uuid.uuid4().hex[:12]}"))


class Clock:
    """A settable UTC clock for the ledger."""

    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


def call(cost: float, model: str = "gpt-4o-mini", tin: int = 10, tout: int = 5, **extra) -> dict:
    """A call_history entry as the service builds it (metadata.call_entry)."""
    return {"call_id": f"call_{model}", "model_id": model, "requested_model": model, "backend": "replay",
            "cost": cost, "tokens_used": {"prompt": tin, "completion": tout, "total": tin + tout},
            "latency": 0.01, "attempts": 1, "cached": False, "error": None, **extra}


def test_reserve_settle_release_arithmetic(db_url):
    led = Ledger.from_url(db_url)
    key, secret = led.create_key("team-a", 1.0, "month")
    assert led.remaining(key.id) == pytest.approx(1.0)
    r1 = led.reserve(key.id, "req-1", 0.30)
    r2 = led.reserve(key.id, "req-1", 0.25)
    assert led.remaining(key.id) == pytest.approx(0.45)
    led.settle(r1, call(0.10, tin=120, tout=40))  # actual below the worst case: the rest returns to the budget
    assert led.key_spend(key.id) == pytest.approx(0.10)
    assert led.remaining(key.id) == pytest.approx(0.65)
    led.release(r2, call(0.0, model="o1-mini", tin=0, tout=0, error="RateLimitError: 429"))  # failed: no spend
    assert led.remaining(key.id) == pytest.approx(0.90)
    led.release(r2)  # releasing twice changes nothing
    led.settle(r1, call(0.10))  # nor does settling twice
    assert led.remaining(key.id) == pytest.approx(0.90)
    with pytest.raises(BudgetExceeded) as exc:
        led.reserve(key.id, "req-2", 0.95)
    e = exc.value
    assert (e.key_id, e.budget_usd, e.needed_usd) == (key.id, 1.0, 0.95)
    assert e.spent_usd == pytest.approx(0.10)
    assert key.id in str(e) and "0.950000" in str(e) and "$1 " in str(e)
    assert led.remaining(key.id) == pytest.approx(0.90)  # a refusal holds nothing
    led.reserve(key.id, "req-2", 0.90)  # exactly what is left fits
    assert led.remaining(key.id) == pytest.approx(0.0, abs=1e-12)
    rows = led.spend(key.id)
    assert [(r["model"], r["calls"], r["errors"], r["cost_usd"], r["input_tokens"], r["output_tokens"])
            for r in rows] == [("gpt-4o-mini", 1, 0, pytest.approx(0.10), 120, 40), ("o1-mini", 1, 1, 0.0, 0, 0)]
    with led.engine.connect() as conn:  # the failed call is listed with its error
        errors = [r.error for r in conn.execute(sa.text("SELECT error FROM calls ORDER BY id"))]
    assert errors == [None, "RateLimitError: 429"]
    with pytest.raises(ValueError, match="settled, not released"):
        led.release(led.reserve(None, "req-1", 0.01), call(0.01))
    # keyless requests (no budget) are still recorded
    r3 = led.reserve(None, "req-3", 5.0)
    led.settle(r3, call(0.02, model="o1-mini"))
    totals = {}
    for r in led.spend():
        totals[r["key_id"]] = totals.get(r["key_id"], 0.0) + r["cost_usd"]
    assert totals == pytest.approx({key.id: 0.10, None: 0.02})
    led.record_request("req-3", None, "o1-mini", 0.02, "ok", "select_response")
    led.record_request("req-3", None, "o1-mini", 0.02, "ok", "direct_response")  # last word wins
    assert led.authenticate(secret) == key


def test_a_keyless_call_is_one_row_without_a_reservation(db_url):
    led = Ledger.from_url(db_url)
    led.record_call("req-k", call(0.03, model="o1-mini"))
    led.record_call("req-k", call(0.0, error="RateLimitError: 429"))
    rows = {r["model"]: (r["key_id"], r["calls"], r["errors"], r["cost_usd"]) for r in led.spend()}
    assert rows == {"o1-mini": (None, 1, 0, pytest.approx(0.03)), "gpt-4o-mini": (None, 1, 1, 0.0)}
    with led.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM reservations")).scalar_one() == 0
        rows = conn.execute(sa.text("SELECT request_id, key_id, error FROM calls ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("req-k", None, None), ("req-k", None, "RateLimitError: 429")]
    with pytest.raises(ValueError, match="cost_usd"):
        led.record_call("req-k", call(-1.0))  # bad input stores nothing
    assert sum(r["calls"] for r in led.spend()) == 2


def test_reserved_total_returns_to_exactly_zero_whatever_the_settle_order(db_url):
    """Amounts whose running float total leaves residue (0.1 + 0.2 + 0.3 - 0.1 - 0.2 - 0.3 > 0 in binary): once
    the last hold is gone, by release, settle or orphan clean-up, the key holds exactly nothing."""
    assert 0.1 + 0.2 + 0.3 - 0.1 - 0.2 - 0.3 > 0.0  # the residue a running total would keep
    led = Ledger.from_url(db_url)
    key, _ = led.create_key("team-f", 10.0, "month")
    held = [led.reserve(key.id, f"req-{i}", amount) for i, amount in enumerate([0.1, 0.2, 0.3])]
    led.release(held[0])
    led.settle(held[1], call(0.15))
    [row] = led.audit()
    assert row["reserved_usd"] == pytest.approx(0.3) and row["ok"]
    led.release(held[2])
    [row] = led.audit()
    assert row["reserved_usd"] == 0.0 and row["reserved_rows_usd"] == 0.0
    for i, amount in enumerate([0.7, 0.1, 0.2]):
        led.reserve(key.id, f"orphan-{i}", amount)
    assert led.cleanup_orphans() == 3
    [row] = led.audit()
    assert row["reserved_usd"] == 0.0 and row["ok"]
    assert led.remaining(key.id) == pytest.approx(10.0 - 0.15)


def test_keys_secret_hashed_disable_and_set_budget(db_url):
    led = Ledger.from_url(db_url)
    key, secret = led.create_key("  bob ", None, "week")
    assert key.name == "bob" and key.budget_usd is None and led.remaining(key.id) is None
    assert led.authenticate(secret) == key
    assert led.authenticate(secret + "x") is None and led.authenticate("") is None
    with led.engine.connect() as conn:  # the secret itself is stored nowhere
        dump = repr([list(conn.execute(sa.text(f"SELECT * FROM {t}"))) for t in ("api_keys", "reservations")])
    assert secret not in dump
    r = led.reserve(key.id, "q", 3.0)
    led.settle(r, call(2.0))
    assert led.set_budget(key.id, 2.5).budget_usd == 2.5
    assert led.remaining(key.id) == pytest.approx(0.5)
    with pytest.raises(BudgetExceeded):
        led.reserve(key.id, "q2", 0.6)
    led.disable_key(key.id)
    assert led.authenticate(secret) is None
    assert [k.disabled for k in led.list_keys()] == [True]
    with pytest.raises(KeyDisabled, match="disabled"):
        led.reserve(key.id, "q3", 0.0)
    with pytest.raises(KeyError, match="key_nope"):
        led.reserve("key_nope", "q4", 0.1)
    with pytest.raises(KeyError, match="key_nope"):
        led.disable_key("key_nope")
    assert [a["ok"] for a in led.audit()] == [True]
    with led.engine.begin() as conn:  # a running total that no longer matches its rows is reported
        conn.execute(sa.text("UPDATE api_keys SET reserved_usd = 0.5"))
    assert [(a["ok"], a["reserved_usd"], a["reserved_rows_usd"]) for a in led.audit()] == [(False, 0.5, 0.0)]


def _contend(url: str, key_id: str, amount: float, attempts: int, barrier, results) -> None:
    """One worker process: its own engine (as each BentoML worker), two threads sharing it (as the app's pool)."""
    led = Ledger.from_url(url)
    won = []

    def attempt(thread: int) -> None:
        for i in range(attempts // 2):
            try:
                rid = led.reserve(key_id, f"p{os.getpid()}-{thread}-{i}", amount)
            except BudgetExceeded:
                continue
            led.settle(rid, call(amount))
            won.append(rid)

    threads = [threading.Thread(target=attempt, args=(t,)) for t in range(2)]
    barrier.wait()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(len(won))


def test_budget_never_exceeded_across_processes(db_url):
    """8 processes × 16 reservations (2 threads each) against a budget for 5: exactly 5 granted and settled."""
    led = Ledger.from_url(db_url)
    key, _ = led.create_key("shared", 0.05, "day")
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(8), ctx.Queue()
    procs = [ctx.Process(target=_contend, args=(db_url, key.id, 0.01, 16, barrier, results)) for _ in range(8)]
    for p in procs:
        p.start()
    won = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert sum(won) == 5
    assert led.key_spend(key.id) == pytest.approx(0.05)
    assert led.key_spend(key.id) <= 0.05 + 1e-9
    assert sum(r["calls"] for r in led.spend(key.id)) == 5
    assert led.remaining(key.id) == pytest.approx(0.0, abs=1e-9)
    assert [a["ok"] for a in led.audit()] == [True]  # the key's running totals equal its rows


def _reserve_and_die(url: str, key_id: str, clock: Clock) -> None:
    led = Ledger.from_url(url, clock=clock)
    led.reserve(key_id, "doomed", 0.4)
    led.reserve(None, "doomed", 0.1)
    os._exit(0)  # a crash: nothing settled or released


def test_orphans_of_a_crashed_process_are_cleaned(db_url):
    clock = Clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    led = Ledger.from_url(db_url, clock=clock)
    key, _ = led.create_key("k", 1.0, "month")
    p = mp.get_context("fork").Process(target=_reserve_and_die, args=(db_url, key.id, clock))
    p.start()
    p.join(timeout=30)
    assert led.remaining(key.id) == pytest.approx(0.6)  # the dead process still holds 0.4
    old = led.reserve(key.id, "slow", 0.3)  # a live but long call, 10 minutes old below
    clock.t += timedelta(minutes=10)
    fresh = led.reserve(key.id, "new", 0.2)
    assert led.cleanup_orphans(older_than_s=300) == 3  # the crashed process's two and `old`
    assert led.remaining(key.id) == pytest.approx(0.8)  # only `fresh` still held
    led.settle(old, call(0.25))  # a dropped reservation's call still counts, on the right key
    assert led.key_spend(key.id) == pytest.approx(0.25)
    assert led.remaining(key.id) == pytest.approx(0.55)
    assert led.cleanup_orphans() == 1
    assert led.remaining(key.id) == pytest.approx(0.75)
    led.release(fresh)  # already dropped: a no-op
    assert led.remaining(key.id) == pytest.approx(0.75)
    assert led.cleanup_orphans() == 0
    assert [(a["ok"], a["reserved_usd"]) for a in led.audit()] == [(True, 0.0)]


def _spend_forever(url: str, key_id: str, started) -> None:
    led = Ledger.from_url(url)
    for i in range(1_000_000):
        rid = led.reserve(key_id, f"loop-{i}", 0.002)
        if i == 20:
            started.set()
        led.settle(rid, call(0.001))


def test_kill_9_mid_write_leaves_totals_equal_to_rows(db_url):
    """SIGKILL a process that reserves and settles in a loop: committed calls are all there, the running totals
    still equal the rows, and cleanup gives back what the dead process held."""
    led = Ledger.from_url(db_url)
    key, _ = led.create_key("k", 100.0, "never")
    ctx = mp.get_context("fork")
    started = ctx.Event()
    p = ctx.Process(target=_spend_forever, args=(db_url, key.id, started))
    p.start()
    assert started.wait(timeout=60)
    time.sleep(0.2)
    os.kill(p.pid, signal.SIGKILL)
    p.join(timeout=30)
    assert p.exitcode == -signal.SIGKILL
    calls = sum(r["calls"] for r in led.spend(key.id))
    assert calls >= 20 and led.key_spend(key.id) == pytest.approx(0.001 * calls)
    assert [a["ok"] for a in led.audit()] == [True]
    led.cleanup_orphans()
    assert led.remaining(key.id) == pytest.approx(100.0 - 0.001 * calls)
    assert [(a["ok"], a["reserved_usd"]) for a in led.audit()] == [(True, 0.0)]


@pytest.mark.parametrize(("period", "start"), [
    ("day", datetime(2026, 3, 11)), ("week", datetime(2026, 3, 9)),  # 2026-03-09 is a Monday
    ("month", datetime(2026, 3, 1)), ("never", datetime(1970, 1, 1)),
])
def test_period_start_is_the_calendar_period_in_utc(period, start):
    assert period_start(period, datetime(2026, 3, 11, 17, 45, 3)) == start


def test_budget_resets_with_the_calendar_period(db_url):
    clock = Clock(datetime(2026, 1, 31, 23, 59, 0, tzinfo=UTC))
    led = Ledger.from_url(db_url, clock=clock)
    daily, _ = led.create_key("daily", 1.0, "day")
    monthly, _ = led.create_key("monthly", 1.0, "month")
    forever, _ = led.create_key("forever", 1.0, "never")
    for key in (daily, monthly, forever):
        led.settle(led.reserve(key.id, "jan", 0.8), call(0.8))
        with pytest.raises(BudgetExceeded):
            led.reserve(key.id, "jan", 0.5)
    held = led.reserve(daily.id, "jan", 0.1)  # spans midnight: still held after it
    clock.t = datetime(2026, 2, 1, 0, 0, 1, tzinfo=UTC)
    assert led.key_spend(daily.id) == 0.0 and led.key_spend(monthly.id) == 0.0
    assert led.key_spend(forever.id) == pytest.approx(0.8)
    assert led.remaining(daily.id) == pytest.approx(0.9)
    led.settle(held, call(0.05))  # settled in February: counts in February
    r = led.reserve(daily.id, "feb", 0.95)
    led.release(r)
    with pytest.raises(BudgetExceeded):
        led.reserve(forever.id, "feb", 0.5)
    clock.t = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)  # next day: the daily key starts over, the monthly one not
    assert led.remaining(daily.id) == pytest.approx(1.0)
    assert led.remaining(monthly.id) == pytest.approx(1.0)
    led.settle(led.reserve(monthly.id, "feb", 0.7), call(0.7))
    led.set_budget(monthly.id, 1.0, period="never")  # the spend is recounted for the new period
    assert led.key_spend(monthly.id) == pytest.approx(1.5)
    with pytest.raises(BudgetExceeded):
        led.reserve(monthly.id, "feb", 0.01)
    assert all(a["ok"] for a in led.audit())


def test_spend_groups_by_key_model_and_utc_day(db_url):
    clock = Clock(datetime(2026, 5, 4, 22, 0, tzinfo=UTC))
    led = Ledger.from_url(db_url, clock=clock)
    a, _ = led.create_key("a", None)
    b, _ = led.create_key("b", None)
    for key, model, cost in [(a, "m1", 0.1), (a, "m1", 0.2), (a, "m2", 0.4), (b, "m1", 1.0)]:
        led.settle(led.reserve(key.id, "r", cost), call(cost, model=model, tin=100, tout=10))
    clock.t = datetime(2026, 5, 5, 1, 30, tzinfo=UTC)
    led.settle(led.reserve(a.id, "r", 0.8), call(0.8, model="m1", simulated=True))
    rows = [(r["day"], r["key_id"], r["model"], round(r["cost_usd"], 9), r["calls"], r["input_tokens"])
            for r in led.spend()]
    assert rows == sorted([
        ("2026-05-04", a.id, "m1", 0.3, 2, 200), ("2026-05-04", a.id, "m2", 0.4, 1, 100),
        ("2026-05-04", b.id, "m1", 1.0, 1, 100), ("2026-05-05", a.id, "m1", 0.8, 1, 10),
    ])
    assert [r["simulated_cost_usd"] for r in led.spend(a.id, since=datetime(2026, 5, 5, tzinfo=UTC))] == [0.8]
    assert led.spend(b.id, since=datetime(2026, 5, 5)) == []


def test_bad_urls_are_named(tmp_path):
    for url in ["not a url", "mysql://u@localhost/db", "sqlite://", "sqlite:///:memory:"]:
        with pytest.raises(ValueError, match="ledger URL") as exc:
            Ledger.from_url(url)
        assert repr(url) in str(exc.value)
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(ValueError, match="cannot open the database"):
        Ledger.from_url(f"sqlite:///{tmp_path}/dir.db")
    with pytest.raises(ValueError, match="cannot open the database") as exc:
        Ledger.from_url("postgresql://user:hunter2@127.0.0.1:1/nothing")
    assert "127.0.0.1:1" in str(exc.value) and "hunter2" not in str(exc.value)


def test_bad_amounts_name_the_field(tmp_path):
    led = Ledger.from_url(f"sqlite:///{tmp_path}/ledger.db")
    key, _ = led.create_key("k", 1.0)
    for bad in [-0.01, math.nan, math.inf, True, "1"]:
        with pytest.raises(ValueError, match="amount_usd"):
            led.reserve(key.id, "r", bad)
        with pytest.raises(ValueError, match="budget_usd"):
            led.create_key("k2", bad)
        with pytest.raises(ValueError, match="budget_usd"):
            led.set_budget(key.id, bad)
    r = led.reserve(key.id, "r", 0.5)
    with pytest.raises(ValueError, match="cost_usd"):
        led.settle(r, call(math.nan))
    with pytest.raises(ValueError, match="period"):
        led.create_key("k3", 1.0, "year")
    with pytest.raises(ValueError, match="name"):
        led.create_key(" ", 1.0)
    with pytest.raises(ValueError, match="reservation_id"):
        led.release("not-a-reservation")
    assert led.remaining(key.id) == pytest.approx(0.5)  # nothing half-done: the reservation still holds
    assert [k.name for k in led.list_keys()] == ["k"]
