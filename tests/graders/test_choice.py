"""The ``multiple_choice`` grader on hand-written responses: which letter is read, by which rule."""

from __future__ import annotations

import pytest

from xrouter.data.schema import BenchmarkItem
from xrouter.graders import grade
from xrouter.graders.rules.choice import extract_choice


def item(letter: str = "C") -> BenchmarkItem:
    return BenchmarkItem(
        "gpqa_diamond/t",
        "gpqa_diamond",
        "",
        "science",
        [{"role": "user", "content": "q"}],
        {"letter": letter, "options": ["w", "x", "y", "z"]},
        "multiple_choice",
        {},
    )


@pytest.mark.parametrize(
    ("response", "letter", "rule"),
    [
        ("Long reasoning.\nAnswer: C", "C", "explicit"),
        ("**Answer: (C)**", "C", "explicit"),
        ("Final Answer: C) 12 m/s", "C", "explicit"),
        ("Therefore, the correct answer is (C).", "C", "explicit"),
        ("The answer is: **C**", "C", "explicit"),
        ("So $\\boxed{C}$", "C", "explicit"),
        ("\\boxed{\\text{C}}", "C", "explicit"),
        ("Answer: B\nWait, I misread the units.\nAnswer: C", "C", "explicit"),
        ("Answer: B ... on reflection \\boxed{C}", "C", "explicit"),
        ("I would pick C.", "C", "last_letter"),
        ("Option C fits. A quick check confirms it.", "C", "last_letter"),
        ("A careful look at (C) settles it", "C", "last_letter"),
    ],
)
def test_reads_the_chosen_letter(response, letter, rule):
    assert extract_choice(response) == (letter, rule)
    assert grade(response, item("C")).score == 1.0


@pytest.mark.parametrize(
    "response",
    [
        "Answer: B",
        "The answer is (D).",
        "Answer: E",  # not an option: read nothing from it, and nothing else is there
        "the answer is a trick question",  # lower-case 'a' is no choice
        "",
        "No idea.",
        "Answer: Cobalt",  # a word, not a letter
    ],
)
def test_wrong_or_missing_letter_scores_zero(response):
    assert grade(response, item("C")).score == 0.0


def test_options_fix_the_valid_letters():
    assert extract_choice("Answer: E", "ABCDE") == ("E", "explicit")
    assert extract_choice("Answer: E", "ABCD") == (None, "none")


def test_reason_names_rule_and_verdict():
    result = grade("Answer: B", item("C"))
    assert (result.extracted, result.reason) == ("B", "explicit: no match")
    assert grade("nothing here", item()).reason == "no choice letter found"
