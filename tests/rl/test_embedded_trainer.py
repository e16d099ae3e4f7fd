"""The embedded DAPO trainer: a short run on real replay data executes every piece and logs what it should; the
pieces that need only some replay tensors run on the tiny literal world."""

from __future__ import annotations

import pytest
import torch

from support.tiny_world import O1, PROMPTS, RECORDED
from xrouter.env.reward import RewardParams
from xrouter.rl.embedded.evaluation import best_single, choose_operating_lambda, collapse_report, curve
from xrouter.rl.embedded.replay_data import ReplayTensors
from xrouter.rl.embedded.simulator import rollout
from xrouter.rl.embedded.trainer import (
    EmbeddedTrainConfig,
    advantages,
    collect,
    entropy_coef_at,
    lr_at,
    new_policy,
    train,
)
from xrouter.rl.config import VerifierConfig
from xrouter.rl.embedded.verifier import fit_verifier, with_verifier
from xrouter.rl.lambdas import sample_lambda


@pytest.fixture(scope="module")
def tensors(world, zeroeval_pool, split_ids):
    """Real replay tensors (train and val) for the short training runs, with the correctness verifier's
    estimates as the train stage attaches them (cross-fitted on train)."""
    train, (val,), _ = with_verifier(ReplayTensors.build(world, split_ids["train"][:300], zeroeval_pool),
                                     [ReplayTensors.build(world, split_ids["val"][:100], zeroeval_pool)],
                                     VerifierConfig())
    return train, val


@pytest.fixture(scope="module")
def tiny_tensors(tiny_world, tiny_pool):
    """The tiny world's nine ZeroEval prompts × five models, with estimates of a verifier fitted on them."""
    data = ReplayTensors.build(tiny_world, [p[0] for p in PROMPTS], tiny_pool)
    return fit_verifier(data, 0.003).estimates(data)


def test_lambda_is_log_uniform_in_range() -> None:
    lam = sample_lambda(20_000, 0.5, 500.0, torch.Generator().manual_seed(0))
    assert lam.min() >= 0.5 and lam.max() <= 500.0
    assert abs(float(torch.log(lam).mean()) - (torch.log(torch.tensor(0.5)) + torch.log(torch.tensor(500.0))) / 2) < 0.05


def test_stratified_lambda_puts_one_draw_in_each_log_stratum() -> None:
    lo, hi, n = 0.5, 500.0, 64
    lam = sample_lambda(n, lo, hi, torch.Generator().manual_seed(3), stratified=True)
    u = (torch.log(lam) - torch.log(torch.tensor(lo))) / (torch.log(torch.tensor(hi)) - torch.log(torch.tensor(lo)))
    assert sorted(torch.floor(u * n).long().tolist()) == list(range(n))
    assert not torch.equal(torch.floor(u * n).long(), torch.arange(n))


def test_entropy_and_lr_schedules_hit_their_endpoints() -> None:
    cfg = EmbeddedTrainConfig(steps=11, lr=1e-3, lr_schedule="cosine", lr_final_fraction=0.1, entropy_coef=0.1,
                              entropy_coef_final=0.0)
    assert lr_at(cfg, 0) == pytest.approx(1e-3) and lr_at(cfg, 10) == pytest.approx(1e-4)
    assert lr_at(cfg, 5) == pytest.approx(5.5e-4)  # cosine midpoint
    assert entropy_coef_at(cfg, 0) == pytest.approx(0.1) and entropy_coef_at(cfg, 10) == pytest.approx(0.0)
    assert entropy_coef_at(cfg, 5) == pytest.approx(0.05)
    const = EmbeddedTrainConfig(steps=11, lr=1e-3, lr_schedule="constant", entropy_coef=0.1, entropy_coef_final=None)
    assert lr_at(const, 7) == 1e-3 and entropy_coef_at(const, 7) == 0.1


def test_batch_advantage_scale_keeps_cost_only_differences_small() -> None:
    # group 1: two right answers that differ only by a small cost penalty; group 2: right vs wrong
    rewards = torch.tensor([0.99, 0.98, 0.99, 0.98, 1.0, 0.0, 1.0, 0.0])
    per_group = advantages(rewards, EmbeddedTrainConfig(advantage_norm="group", dapo={"group_size": 4}))
    # DAPO's group std makes the $-only difference as loud as right-vs-wrong
    assert float(per_group[:4].abs().max()) == pytest.approx(float(per_group[4:].abs().max()), rel=1e-3)
    batch = advantages(rewards, EmbeddedTrainConfig(advantage_norm="batch", dapo={"group_size": 4}))
    assert float(batch[4:].abs().max() / batch[:4].abs().max()) == pytest.approx(100.0, rel=1e-3)
    assert float(batch.std()) == pytest.approx(1.0, rel=1e-3)
    assert torch.allclose(batch.view(2, 4).sum(1), torch.zeros(2), atol=1e-6)  # still centred per group


@pytest.mark.slow
def test_dynamic_sampling_keeps_only_groups_with_a_reward_spread(tensors) -> None:
    data, _ = tensors
    cfg = EmbeddedTrainConfig(groups_per_step=16, dapo={"group_size": 4, "max_resample_rounds": 2})
    batch, sampled, dropped = collect(new_policy(data, cfg).eval(), data, cfg, RewardParams(), 0,
                                      torch.Generator().manual_seed(1))
    kept = len(batch.reward) // 4
    assert 16 <= sampled <= 48 and 0 < kept <= 16 and dropped <= sampled - kept
    r = batch.reward.view(-1, 4)
    assert (r.max(1).values - r.min(1).values > 0).all()  # every kept group can teach something
    assert batch.alive[:, 0].all() and batch.feats.shape[:2] == (kept * 4, 3)


@pytest.mark.slow
def test_short_run_logs_every_metric_and_keeps_the_best_checkpoint(tensors) -> None:
    data, val = tensors
    cfg = EmbeddedTrainConfig(steps=6, groups_per_step=16, eval_every=3, dapo={"group_size": 4})
    seen, scores = [], []

    def validate(policy) -> float:
        scores.append(sum(p["reward"] for p in curve(policy, val, [1.0, 100.0], RewardParams())))
        return scores[-1]

    policy = train(data, cfg, RewardParams(), seen.append, validate)
    assert [s.step for s in seen] == list(range(6))
    keys = set(seen[-1].metrics)
    assert {"reward", "accuracy", "cost_per_query", "calls_per_query", "entropy", "clip_frac",
            "dropped_group_fraction", "max_call_share"} <= keys
    assert any(k.startswith("call_share/") for k in keys) and len(scores) == 2
    final = sum(p["reward"] for p in curve(policy, val, [1.0, 100.0], RewardParams()))
    assert final == pytest.approx(max(scores))  # the best validated checkpoint is returned
    report = collapse_report(curve(policy, val, [1.0, 2.0, 100.0], RewardParams()), 2.0, 0.9)
    assert report["lambda"] == 2.0 and 0 < report["max_call_share"] <= 1


def _pt(lam: float, acc: float, cost: float) -> dict:
    return {"lambda": lam, "accuracy": acc, "cost_per_query": cost}


def test_the_operating_lambda_is_the_cheapest_point_within_tolerance_else_the_most_accurate() -> None:
    pts = [_pt(1, 0.950, 0.0050), _pt(10, 0.946, 0.0030), _pt(20, 0.944, 0.0022), _pt(50, 0.930, 0.0015)]
    assert choose_operating_lambda(pts, 0.9451, 0.005)["lambda"] == 20  # 0.944 >= 0.9401; 0.930 is not
    assert choose_operating_lambda(pts, 0.9451, 0.0)["lambda"] == 10  # the cheapest point at or above 0.9451
    fallback = choose_operating_lambda(pts, 0.99, 0.005)
    assert fallback["lambda"] == 1 and "most accurate" in fallback["reason"]
    with pytest.raises(ValueError, match="empty curve"):
        choose_operating_lambda([], 0.9, 0.005)


def test_best_single_is_the_most_accurate_model_with_its_mean_cost(tiny_tensors, tiny_world) -> None:
    val = tiny_tensors
    ref = best_single(val)
    assert ref["model"] == O1 and ref["accuracy"] == 1.0  # o1-mini is right on all nine, gpt-4o on eight
    assert ref["cost_per_query"] == pytest.approx(sum(tiny_world.outcome(p, O1).cost_usd for p in RECORDED) / 9)
    j = val.models.index(ref["model"])
    assert ref["accuracy"] == pytest.approx(float(val.score[:, j].mean()))
    assert ref["accuracy"] == pytest.approx(float(val.score.mean(0).max()))
    assert ref["cost_per_query"] == pytest.approx(float(val.cost[:, j].mean()))


def test_embedding_noise_perturbs_what_the_policy_sees_and_only_when_asked(tiny_tensors) -> None:
    data = tiny_tensors
    policy = new_policy(data, EmbeddedTrainConfig())
    idx, lam = torch.arange(9).repeat(4), torch.full((36,), 2.0)  # every prompt four times
    clean = rollout(policy, data, idx, lam, RewardParams(), generator=torch.Generator().manual_seed(0))
    noisy = rollout(policy, data, idx, lam, RewardParams(), generator=torch.Generator().manual_seed(0),
                    embed_noise=0.5)
    d = data.emb.shape[1]
    assert torch.equal(clean.feats[:, 0, :d], data.emb[idx])  # no noise by default
    delta = (noisy.feats[:, 0, :d] - data.emb[idx]).norm(dim=1)
    assert 0.4 < float(delta.mean()) < 0.6  # expected norm 0.5
    assert torch.equal(noisy.feats[:, 0, d:], clean.feats[:, 0, d:])  # response features untouched
