"""The embedded router behaves the same in the vectorized simulator and in the real episode env (real replay
data), the decision state/feature rules do what the docstring says, and features never see grades (tiny world)."""

from __future__ import annotations

import pytest
import torch

from xrouter.backends.replay import ReplayBackend
from xrouter.env.episode import RoutingEnv
from xrouter.env.judge import ReplayJudge
from xrouter.env.reward import RewardParams
from xrouter.env.queries import replay_queries
from xrouter.rl.embedded.policy import EmbeddedPolicy
from xrouter.rl.embedded.replay_data import ReplayTensors, answer_ids
from xrouter.rl.embedded.router import EmbeddedRouter, load_router, save_router
from xrouter.routers.card import RouterCard
from xrouter.rl.embedded.simulator import rollout
from xrouter.rl.embedded.state import BatchState, accepted_model, limit_model, valid_actions
from xrouter.rl.embedded.verifier import fit_verifier


def test_accept_rule_prefers_the_cheapest_of_an_agreeing_pair() -> None:
    price = torch.tensor([1.0, 2.0, 3.0, 4.0])
    s = BatchState.empty(3, 4, torch.tensor([2.0, 2.0, 2.0]))
    s.called[0, [1, 2, 3]] = True
    s.answer[0, [1, 2, 3]] = torch.tensor([7, 5, 7])  # models 1 and 3 agree -> cheaper one, 1
    s.called[1, [0, 2]] = True
    s.answer[1, [0, 2]] = torch.tensor([1, 2])  # disagree -> priciest, 2
    s.called[2, [0, 1]] = True  # unreadable answers never agree -> priciest, 1
    assert accepted_model(s, price).tolist() == [1, 2, 1]
    assert limit_model(s, price).tolist() == [3, 2, 1]
    assert valid_actions(s)[0].tolist() == [True, False, False, False, True]
    assert valid_actions(BatchState.empty(1, 4, torch.tensor([1.0])))[0].tolist() == [True] * 4 + [False]
    assert answer_ids(["18", None, "18", "17"]) == [0, -1, 0, 1]


def test_features_never_see_grades(tiny_world, tiny_pool) -> None:
    ids = sorted(tiny_world.prompts.loc[tiny_world.prompts["source"] == "zeroeval", "prompt_id"])
    data = ReplayTensors.build(tiny_world, ids, tiny_pool)
    assert data.score.shape == (9, 5) and float(data.score.sum()) == 1 + 7 + 6 + 8 + 9  # the tiny world's grades
    flipped = ReplayTensors(**{**data.__dict__, "score": 1.0 - data.score})
    policy = EmbeddedPolicy(data.emb.shape[1], len(data.models), 32).eval()
    idx, lam = torch.arange(9).repeat(4), torch.full((36,), 5.0)  # every prompt four times: 36 sampled episodes
    gen = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    a = rollout(policy, data, idx, lam, RewardParams(), generator=gen())
    b = rollout(policy, flipped, idx, lam, RewardParams(), generator=gen())
    assert torch.equal(a.actions, b.actions) and torch.equal(a.feats, b.feats)
    assert not torch.equal(a.score, b.score)


@pytest.mark.slow
@pytest.mark.parametrize("select", [None, "agreement", "likely"], ids=["no-verifier", "verifier", "verifier-likely"])
def test_simulator_and_env_agree_on_every_decision(world, zeroeval_pool, split_ids, tmp_path, select) -> None:
    torch.manual_seed(3)
    ids = split_ids["val"][:120]
    data = ReplayTensors.build(world, ids, zeroeval_pool)
    verifier = None
    if select is not None:  # fitted on train prompts; the val rows get its estimates, as in the train stage
        verifier = fit_verifier(ReplayTensors.build(world, split_ids["train"][:150], zeroeval_pool), 0.003)
        data = verifier.estimates(data)
    policy = EmbeddedPolicy(data.emb.shape[1], len(data.models), 64, verifier=verifier is not None,
                            select=select or "agreement").eval()
    with torch.no_grad():  # make the untrained policy willing to call more than once
        policy.net[-1].bias[-1] = -1.0
    card = RouterCard("embedded", "zeroeval", list(data.models), (0.5, 500.0), {}, {}, None,
                      {"embed_dim": data.emb.shape[1], "hidden": 64, "embed_proj": 32,
                       "verifier": verifier is not None, "select": select or "agreement"})
    save_router(policy, card, tmp_path / "router", verifier)
    router = load_router(tmp_path / "router", zeroeval_pool)
    assert isinstance(router, EmbeddedRouter) and (router.verifier is None) == (select is None)
    env = RoutingEnv(zeroeval_pool, ReplayBackend(world), ReplayJudge(world))
    for lam in (0.5, 50.0):
        sim = rollout(policy, data, torch.arange(len(ids)), torch.full((len(ids),), lam), RewardParams(), greedy=True)
        results = env.run_all(router, replay_queries(world, ids), lam)
        by_id = {r.prompt_id: r for r in results}
        for i, pid in enumerate(ids):
            r = by_id[pid]
            called = [data.models[j] for j in torch.nonzero(sim.calls[i]).flatten().tolist()]
            assert sorted(r.models_called) == sorted(called), pid
            assert r.final_model == data.models[int(sim.final[i])], pid
            assert r.score == pytest.approx(float(sim.score[i])) and r.cost_usd == pytest.approx(float(sim.cost[i]), rel=1e-5)
            assert r.reward == pytest.approx(float(sim.reward[i]), rel=1e-4, abs=1e-6)
        assert sum(len(r.models_called) for r in results) > len(ids)  # multi-call episodes were exercised
