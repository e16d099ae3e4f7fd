"""Hand-written responses against hand-written gold: what must pass, what must fail, and which rule fired."""

from __future__ import annotations

import pytest

from xrouter.data.schema import BenchmarkItem
from xrouter.graders import grade
from xrouter.graders.rules import math as math_grader
from xrouter.graders.rules.extract import boxed_contents, extract_answer


def item(*answers: str, all_required: bool = False) -> BenchmarkItem:
    return BenchmarkItem(
        id="test/0",
        benchmark="math500",
        subset="",
        domain="math",
        messages=[{"role": "user", "content": "Solve it."}],
        gold={"answers": list(answers)},
        grader="math_verify",
        grader_kwargs={"all_required": all_required},
    )


PASS = [  # (response, gold, rule that must fire)
    ("Adding up, the answer is 1,000.", "1000", "answer_is"),
    ("She pays 6 * 3 = 18 dollars.\n#### 18", "18", "hashes"),
    ("#### $18", "18", "hashes"),
    ("#### 1,000", "1000", "hashes"),
    ("The total is 18.00", "18", "last_number"),
    ("The final answer is $18.", "18", "answer_is"),
    ("The answer is 3.5 dollars. That is all.", "3.5", "answer_is"),
    ("So $n = 33$, i.e. \\boxed{033}.", "33", "boxed"),
    ("\\boxed{33}", "033", "boxed"),
    ("Thus $\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}$.", "(3, \\pi/2)", "boxed"),
    ("In polar form: \\boxed{(3, \\pi/2)}", "\\left( 3, \\frac{\\pi}{2} \\right)", "boxed"),
    ("\\boxed{\\frac{1}{2}}", "0.5", "boxed"),
    ("\\boxed{0.5}", "\\frac{1}{2}", "boxed"),
    ("\\boxed{\\dfrac12}", "\\frac{1}{2}", "boxed"),
    ("First guess \\boxed{7}, but correcting: \\boxed{8}", "8", "boxed"),
    ("\\boxed{\\frac{\\sqrt{3}}{2}}", "\\frac{\\sqrt3}{2}", "boxed"),
    ("The set is \\fbox{\\{3, 1, 2\\}}", "\\{1,2,3\\}", "boxed"),
    ("\\boxed{[2, 5)}", "[2,5)", "boxed"),
    ("\\boxed{x \\in (-\\infty, 3]}", "(-\\infty, 3]", "boxed"),
    ("\\boxed 5", "5", "boxed"),
    ('{"reasoning": "...", "answer": "\\\\frac{3}{4}"}', "0.75", "json"),
    ('{"answer": 1600}', "1600", "json"),
    ("Answer: 42", "42", "answer_colon"),
    ("**Final Answer:** $\\frac{2}{3}$", "\\frac{2}{3}", "answer_colon"),
    ("The answer is \\text{(B)}", "B", "answer_is"),
    ("The answer is \\text{Monday}.", "Monday", "answer_is"),
    ("So x = 2 + 3 = 5 apples", "5", "last_number"),
    ("\\boxed{2\\sqrt{2}}", "\\sqrt{8}", "boxed"),
]

FAIL = [  # (response, gold, rule that must fire)
    ("\\boxed{81}", "18", "boxed"),
    ("\\boxed{181}", "18", "boxed"),
    ("\\boxed{1.8}", "18", "boxed"),
    ("\\boxed{-18}", "18", "boxed"),
    ("The answer is 10,000.", "1000", "answer_is"),
    ("#### 330", "33", "hashes"),
    ("\\boxed{(\\pi/2, 3)}", "\\left( 3, \\frac{\\pi}{2} \\right)", "boxed"),
    ("\\boxed{(2, 5]}", "[2,5)", "boxed"),
    ("\\boxed{\\frac{1}{3}}", "0.5", "boxed"),
    ('{"answer": "12"}', "21", "json"),
    ("Answer: 41", "42", "answer_colon"),
    ("The answer is 18 in the end... no wait \\boxed{19}", "18", "boxed"),
    ("I computed 17 and 18 and then 19", "18", "last_number"),
]


@pytest.mark.parametrize(("response", "gold", "rule"), PASS)
def test_correct_answers_score_one(response, gold, rule):
    result = grade(response, item(gold))
    assert (result.score, result.reason) == (1.0, f"{rule}: match"), result


@pytest.mark.parametrize(("response", "gold", "rule"), FAIL)
def test_wrong_answers_score_zero(response, gold, rule):
    result = grade(response, item(gold))
    assert result.score == 0.0 and result.reason.startswith(f"{rule}: no match"), result


@pytest.mark.parametrize("response", ["", "   \n", "I am not sure how to solve this."])
def test_no_answer_scores_zero_with_a_reason(response):
    result = grade(response, item("1"))
    assert (result.score, result.extracted) == (0.0, None) and result.reason.startswith("no answer found")


def test_any_one_gold_answer_suffices():
    assert grade("\\boxed{-2}", item("2", "-2")).score == 1.0


@pytest.mark.parametrize(
    ("response", "score"),
    [
        ("So $x = \\boxed{3}$ and $y = \\boxed{5}$.", 1.0),
        ("The solutions are \\boxed{5, 3}", 1.0),
        ("The solutions are \\boxed{3}", 0.0),
        ("Answer: 3, 5", 1.0),
    ],
)
def test_all_required_needs_every_gold_answer(response, score):
    assert grade(response, item("3", "5", all_required=True)).score == score


def test_all_required_keeps_tuples_whole():
    result = grade("\\boxed{(1, 2), (3, 4)}", item("(1,2)", "(3,4)", all_required=True))
    assert result.score == 1.0


def test_math_verify_timeout_scores_zero_and_says_so(monkeypatch):
    monkeypatch.setattr(math_grader, "_TIMEOUT_S", 1)
    result = grade("\\boxed{10^{10^{10^{10}}}}", item("5"))
    assert result.score == 0.0 and "timed out" in result.reason


def test_boxed_contents_handle_nesting_and_escaped_braces():
    text = "\\boxed{\\frac{1}{2}} then \\fbox{\\{1, \\{2\\}\\}} and \\boxed{unclosed"
    assert boxed_contents(text) == ["\\frac{1}{2}", "\\{1, \\{2\\}\\}"]


def test_extraction_prefers_boxed_over_text_rules():
    assert extract_answer("The answer is 4. Answer: 5\n#### 6\n\\boxed{7}") == extract_answer("\\boxed{7}")
