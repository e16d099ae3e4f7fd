"""Abuse and crashes: 64 concurrent requests against a key with budget for 5, and kill -9 of the server under
load — budgets hold, and the ledger keeps a row for every answered request and spend equal to its rows."""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa
import yaml

from xrouter.env.types import CallModels, ModelCall, SelectResponse
from xrouter.serve.app import create_app
from xrouter.serve.engine import Engine
from xrouter.serve.sources import ReplaySource

MINI = "gpt-4o-mini-2024-07-18"


class CallThenSelect:
    name = "call-then-select"

    def act(self, obs):
        if not obs.responses:
            return CallModels((ModelCall(MINI),))
        return SelectResponse(obs.responses[-1].call_name)


def test_64_concurrent_requests_on_a_budget_for_5(live_server, tiny_pool, tiny_world, replay_params, ledger,
                                                  questions) -> None:
    pid = tiny_world.prompt_id_for_text(questions[0])
    one = tiny_world.outcome(pid, MINI).cost_usd
    key, secret = ledger.create_key("five", 5 * one)
    engine = Engine(CallThenSelect(), tiny_pool, ReplaySource(tiny_world, tiny_pool), replay_params,
                    lambda_range=(0.5, 500.0), default_lambda=7.0)
    app = create_app(replay_params.model_copy(update={"workers": 8}), engine=engine, ledger=ledger)
    body = {"model": "router-tool-rl", "messages": [{"role": "user", "content": questions[0]}]}
    with live_server(app) as server, httpx.Client(timeout=60, limits=httpx.Limits(max_connections=64)) as client:
        barrier = threading.Barrier(64)

        def one_request(_):
            barrier.wait()
            return client.post(f"{server.url}/v1/chat/completions", json=body,
                               headers={"authorization": f"Bearer {secret}"})

        with ThreadPoolExecutor(64) as pool:
            responses = list(pool.map(one_request, range(64)))
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 402} and codes.count(200) == 5, codes
    assert all(r.json()["error"]["code"] == "budget_exceeded" for r in responses if r.status_code == 402)
    spent = sum(row["cost_usd"] for row in ledger.spend(key_id=key.id))
    assert spent <= 5 * one + 1e-12 and math.isclose(spent, 5 * one)
    assert ledger.remaining(key.id) == pytest.approx(0.0, abs=1e-12)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_kill_9_under_load_loses_no_answered_request(serve_root, tmp_path, questions) -> None:
    from xrouter.serve.ledger import Ledger
    from xrouter.serve.ledger_db import api_keys, calls, requests

    db = tmp_path / "ledger.db"
    ledger = Ledger.from_url(f"sqlite:///{db}")
    key, secret = ledger.create_key("load", 100.0)
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"data": {"bundle": str(serve_root)}, "serve": {
        "source": "replay", "router": str(serve_root / "models" / "router"), "data": str(serve_root / "data"),
        "ledger_url": f"sqlite:///{db}", "workers": 4}}))
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "xrouter.serve", "--params", str(params), "--port", str(port)],
                            env={**os.environ, "PYTHONPATH": os.getcwd()}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    answered: list[str] = []
    stop = threading.Event()

    def hammer(i: int) -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                try:
                    r = client.post(f"{base}/v1/chat/completions", headers={"authorization": f"Bearer {secret}"},
                                    json={"model": "router-tool-rl", "stream": i % 2 == 1,
                                          "messages": [{"role": "user", "content": questions[i % len(questions)]}]})
                    r.read()
                except httpx.HTTPError:
                    time.sleep(0.05)
                    continue
                if r.status_code == 200:
                    answered.append(r.headers["x-request-id"])
    try:
        deadline = time.monotonic() + 180
        while True:  # ready when the app answers
            assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        threads = [threading.Thread(target=hammer, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        while len(answered) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # mid-load: requests and calls are in flight
        proc.wait(timeout=10)
    finally:
        stop.set()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    for t in threads:
        t.join(timeout=30)
    assert len(answered) >= 30
    with ledger.engine.connect() as conn:
        recorded = {r.id: r.status for r in conn.execute(sa.select(requests.c.id, requests.c.status))}
        priced = {r.request_id for r in conn.execute(sa.select(calls.c.request_id).where(calls.c.cost_usd > 0))}
    assert set(answered) <= set(recorded) and set(answered) <= priced
    Ledger.from_url(f"sqlite:///{db}").cleanup_orphans()  # what the next start does
    with ledger.engine.connect() as conn:
        row = conn.execute(sa.select(api_keys.c.spent_usd, api_keys.c.reserved_usd)
                           .where(api_keys.c.id == key.id)).one()
        total = conn.execute(sa.select(sa.func.sum(calls.c.cost_usd)).where(calls.c.key_id == key.id)).scalar()
    assert row.reserved_usd == 0.0 and math.isclose(row.spent_usd, total)
    assert math.isclose(ledger.remaining(key.id), 100.0 - total)


def test_requests_beyond_max_pending_get_a_503(live_server, tiny_pool, tiny_world, replay_params, ledger,
                                               questions) -> None:
    class Slow(CallThenSelect):
        def act(self, obs):
            time.sleep(1.0)
            return super().act(obs)

    engine = Engine(Slow(), tiny_pool, ReplaySource(tiny_world, tiny_pool), replay_params,
                    lambda_range=(0.5, 500.0), default_lambda=7.0)
    app = create_app(replay_params.model_copy(update={"max_pending": 2, "workers": 2}), engine=engine,
                     ledger=ledger)
    body = {"model": "router-tool-rl", "messages": [{"role": "user", "content": questions[0]}]}
    with live_server(app) as server, httpx.Client(timeout=60) as client, ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda _: client.post(f"{server.url}/v1/chat/completions", json=body), range(6)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) >= 2 and 503 in codes and set(codes) <= {200, 503}, codes
    busy = next(r for r in responses if r.status_code == 503)
    assert busy.json()["error"]["code"] == "overloaded" and busy.headers["retry-after"] == "1"
