"""Rewards on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from xrouter.env.reward import (
    REWARDS, EpisodeCost, LambdaError, RewardParams, check_lambda, episode_reward, get_reward, paper_card_reward,
    register_reward, xrouter_code_reward,
)

RELEASED = RewardParams()  # K=1, cost_max=0.6; the released λ is 2


@pytest.mark.parametrize(
    ("score", "cost", "expected"),
    [
        (1.0, 0.0, 1.0),  # free and right: K
        (1.0, 0.01, 0.98),  # 1 × (1 − 2·0.01)
        (1.0, 0.25, 0.5),  # 1 × (1 − 0.5)
        (1.0, 0.30, 0.4),  # λ·C = 0.6 hits the cap exactly
        (1.0, 5.00, 0.4),  # capped: 1 − 0.6
        (0.0, 0.25, 0.0),  # wrong: 0 whatever it cost
        (0.5, 0.10, 0.4),  # partial credit: 0.5 × (1 − 0.2)
    ],
)
def test_original_code_form(score: float, cost: float, expected: float) -> None:
    assert math.isclose(xrouter_code_reward(score, cost, 2.0, RELEASED), expected, abs_tol=1e-12)


def test_original_code_form_other_constants() -> None:
    p = RewardParams(K=2.0, cost_max=1.5)
    assert math.isclose(xrouter_code_reward(1.0, 0.05, 10.0, p), 1.5)  # 2 − 0.5
    assert math.isclose(xrouter_code_reward(1.0, 0.50, 10.0, p), 0.5)  # 2 − min(5, 1.5)


@pytest.mark.parametrize(
    ("score", "cost", "expected"),
    [
        (1.0, 0.0, 1.0),
        (1.0, 0.005, 0.0),  # 1 − 2·(0.005/0.01)
        (1.0, 0.0025, 0.5),  # 1 − 2·0.25
        (0.0, 0.0025, -0.5),  # a wrong answer still pays for its calls
        (1.0, 1.0, -1.0),  # normalized cost clipped at 1: 1 − 2·1
    ],
)
def test_paper_card_form(score: float, cost: float, expected: float) -> None:
    p = RewardParams(name="paper_card", cost_scale=0.01)
    assert math.isclose(paper_card_reward(score, cost, 2.0, p), expected, abs_tol=1e-12)


def test_episode_reward_no_answer_and_router_tokens() -> None:
    assert episode_reward(None, EpisodeCost(0.1), 2.0, RELEASED) == 0.0
    priced = RewardParams(router_usd_per_mtok=1000.0)  # $1,000 per M router tokens = $0.001 per token
    # 100 router tokens = $0.1 → 1 − 2·(0.05 + 0.1) = 0.7
    assert math.isclose(episode_reward(1.0, EpisodeCost(0.05, router_tokens=100), 2.0, priced), 0.7)
    assert math.isclose(episode_reward(1.0, EpisodeCost(0.05, router_tokens=100), 2.0, RELEASED), 0.9)


def test_registry_and_bad_inputs() -> None:
    assert set(REWARDS) >= {"xrouter_code", "paper_card"}
    with pytest.raises(KeyError, match="registered: paper_card, xrouter_code"):
        get_reward("nope")
    with pytest.raises(ValueError, match="already registered"):
        register_reward("xrouter_code")(lambda s, c, lam, p: 0.0)
    with pytest.raises(ValueError, match="score must be in"):
        xrouter_code_reward(1.5, 0.0, 2.0, RELEASED)
    with pytest.raises(ValueError, match="cost_usd must be"):
        xrouter_code_reward(1.0, -0.1, 2.0, RELEASED)
    with pytest.raises(ValueError, match="lam"):
        RewardParams(lam=2.0)  # λ is not a reward setting: each run passes it


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "cheap", None])
def test_lambda_must_be_finite_and_non_negative(bad) -> None:
    with pytest.raises(LambdaError, match="lambda must be"):
        check_lambda(bad)


def test_lambda_outside_a_trained_range_names_the_range() -> None:
    assert check_lambda(7, (0.5, 500.0)) == 7.0
    with pytest.raises(LambdaError, match=r"lambda=1000 is outside the router's trained range \[0.5, 500\]"):
        check_lambda(1000, (0.5, 500.0))
