"""The name -> metric registry: lookups, duplicate names, unknown names."""

import pytest

from xrouter.registry import Registry

from xrouter.metrics import (
    METRICS,
    UnknownMetricError,
    accuracy,
    arena_score,
    frontier_auc,
    get_metric,
    registry,
)


def test_builtin_metrics_are_registered():
    expected = {
        "accuracy",
        "cost_per_1k",
        "calls_per_query",
        "aiq",
        "cost_to_match",
        "cost_saved_at_matched_accuracy",
        "pgr",
        "apgr",
        "cpt",
        "arena_score",
    }
    assert expected <= set(METRICS)
    assert get_metric("accuracy") is accuracy
    assert get_metric("aiq") is frontier_auc
    assert get_metric("arena_score") is arena_score


def test_duplicate_name_raises():
    with pytest.raises(ValueError, match="metric 'accuracy' is already registered"):
        registry.register_metric("accuracy")(lambda xs: 0.0)


def test_register_new_name_returns_function_unchanged():
    fresh = Registry("metric")  # the generic registry every lookup by name uses

    def my_metric(xs):
        return 1.0

    assert fresh.register("my_metric")(my_metric) is my_metric
    assert fresh.get("my_metric") is my_metric and fresh.names() == ["my_metric"] and "my_metric" in fresh


def test_unknown_name_lists_known_names():
    with pytest.raises(UnknownMetricError) as info:
        get_metric("acurracy")
    message = str(info.value)
    assert "acurracy" in message and "accuracy" in message and "apgr" in message
    assert isinstance(info.value, KeyError)


def test_empty_name_rejected():
    with pytest.raises(ValueError):
        registry.register_metric("")
