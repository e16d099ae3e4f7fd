"""The episode rules shared by RoutingEnv and the verl adapter, on hand-made values."""

import pytest

from xrouter.env.rules import (
    EpisodeLimits, calls_allowed, fallback_answer, limit_after_calls, tool_result_line, unique_call_name,
)


def test_repeated_calls_get_numbered_names_skipping_taken_ones():
    assert unique_call_name(set(), "call_a") == "call_a"
    assert unique_call_name({"call_a"}, "call_a") == "call_a#2"
    assert unique_call_name({"call_a", "call_a#2", "call_b"}, "call_a") == "call_a#3"
    assert unique_call_name({"call_a", "call_a#3"}, "call_a") == "call_a#2"


@pytest.mark.parametrize(("n_calls", "requested", "allowed"), [(0, 2, 2), (5, 3, 1), (6, 1, 0), (7, 1, 0)])
def test_calls_past_max_calls_are_cut(n_calls, requested, allowed):
    assert calls_allowed(n_calls, requested, EpisodeLimits(max_calls=6)) == allowed


def test_the_cost_limit_fires_before_the_call_limit_and_only_at_or_past_its_value():
    limits = EpisodeLimits(max_calls=2, max_cost_usd=0.01)
    assert limit_after_calls(0.0099, 1, limits) is None
    assert limit_after_calls(0.01, 1, limits) == "max_cost"
    assert limit_after_calls(0.0, 2, limits) == "max_calls"
    assert limit_after_calls(0.5, 2, limits) == "max_cost"


def test_a_limit_falls_back_to_the_priciest_answer_and_the_later_call_on_a_tie():
    assert fallback_answer([]) is None
    assert fallback_answer([("cheap", 0.1), ("pricey", 2.0), ("mid", 1.0)]) == "pricey"
    assert fallback_answer([("first", 1.0), ("second", 1.0)]) == "second"


def test_a_tool_result_reads_the_same_for_answers_and_errors():
    assert tool_result_line("call_a#2", "a", 0.000123, "42") == "[call_a#2] a, $0.00012: 42"
    assert tool_result_line("call_a", "a", 0.0, "", "Timeout: slow") == "[call_a] a, $0.00000: ERROR Timeout: slow"
