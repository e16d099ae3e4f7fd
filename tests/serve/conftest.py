"""A tiny serving world: four recorded ZeroEval prompts of the real bundle with every pool model's answer,
an untrained (seeded) embedded router over the zeroeval pool, and apps/engines built on them."""

from __future__ import annotations

from pathlib import Path

import pytest

TINY_PROMPTS = 4


@pytest.fixture(scope="session")
def tiny_world(world):
    from xrouter.data.world import ReplayWorld

    ids = sorted(world.prompts.loc[world.prompts["source"] == "zeroeval", "prompt_id"])[:TINY_PROMPTS]
    keep = lambda f: f[f["prompt_id"].isin(ids)].reset_index(drop=True)  # noqa: E731
    return ReplayWorld(keep(world.prompts), keep(world.outcomes), keep(world.responses), world.prices)


@pytest.fixture(scope="session")
def tiny_pool(tiny_world):
    from xrouter.pool import load_pool

    return load_pool("zeroeval", tiny_world.prices)


@pytest.fixture(scope="session")
def serve_root(tiny_world, tiny_pool, tmp_path_factory) -> Path:
    """A project-like folder: data/ (the tiny world's tables) and models/router (a seeded untrained router)."""
    import torch

    from xrouter.data.prepare import write_tables
    from xrouter.embeddings import DIM
    from xrouter.rl.embedded.policy import EmbeddedPolicy
    from xrouter.rl.embedded.router import RouterCard, save_router

    root = tmp_path_factory.mktemp("serve")
    w = tiny_world
    write_tables({"prompts": w.prompts, "outcomes": w.outcomes, "responses": w.responses, "prices": w.prices},
                 root / "data")
    torch.manual_seed(0)
    policy = EmbeddedPolicy(DIM, len(tiny_pool), 32, 16)
    card = RouterCard("embedded", "zeroeval", tiny_pool.ids, (0.5, 500.0), {}, {}, 7.0,
                      {"embed_dim": DIM, "hidden": 32, "embed_proj": 16})
    save_router(policy, card, root / "models" / "router")
    return root


@pytest.fixture(scope="session")
def questions(tiny_world) -> list[str]:
    """The recorded questions, verbatim (what a client sends to hit a recording)."""
    return [str(q) for q in tiny_world.prompts.sort_values("prompt_id")["question"]]


@pytest.fixture(scope="session")
def tiny_router(serve_root, tiny_pool):
    from xrouter.routers.factory import load_trained_router

    return load_trained_router(serve_root / "models" / "router", tiny_pool)


@pytest.fixture(scope="session")
def replay_params(serve_root):
    from xrouter.serve.config import ServeParams

    return ServeParams(source="replay", ledger_url="sqlite:///ledger.db").resolved(serve_root)


class LiveServer:
    """An app served by uvicorn on 127.0.0.1 (an OS-chosen port) in a thread, as a context manager."""

    def __init__(self, app) -> None:
        self.app = app

    def __enter__(self) -> LiveServer:
        import socket
        import threading
        import time

        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", timeout_graceful_shutdown=2))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the app did not start"
            time.sleep(0.01)
        return self

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="session")
def replay_engine(replay_params):
    from xrouter.serve.engine import Engine

    return Engine.from_params(replay_params)


@pytest.fixture
def ledger(tmp_path):
    from xrouter.serve.ledger import Ledger

    led = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield led
    led.close()


@pytest.fixture(scope="session")
def live_server():
    """`with live_server(app) as server: ... server.url ...` (uvicorn on 127.0.0.1 in a thread)."""
    return LiveServer
