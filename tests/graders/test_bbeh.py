"""The ``bbeh`` grader against the BBEH authors' rule (google-deepmind/bbeh ``bbeh/evaluate.py`` @80d12ca)."""

from __future__ import annotations

import pytest

from xrouter.data.schema import BenchmarkItem
from xrouter.graders import grade
from xrouter.graders.rules.bbeh import fuzzy_match, preprocess_response


def item(target: str) -> BenchmarkItem:
    return BenchmarkItem(
        "bbeh/t/0",
        "bbeh",
        "t",
        "reasoning",
        [{"role": "user", "content": "q"}],
        {"target": target},
        "bbeh",
        {},
    )


# The examples at the end of the authors' evaluate.py, with the results their code prints.
AUTHORS_EXAMPLES = [
    ("Ok The final answer is: \\boxed{4}.", "4", True),
    ("[Reasoning] The final answer is: \\boxed{4}.", "3", False),
    ("Alright! The final answer is: 2, 3, 4", "2,3,4", True),
    ("blah blah The final answer is: 2, 3, 4", "2,3,5", False),
    ("Ok The answer is: (A)", "a", True),
    ("Ok The answer is: (A)", "b", False),
    ("Ok The answer is: **25**\nHere's why.", "25.0", True),
    ("Ok The answer is: **25**\nHere's why.", "26.0", False),
]


@pytest.mark.parametrize(("response", "target", "correct"), AUTHORS_EXAMPLES)
def test_authors_examples(response, target, correct):
    assert grade(response, item(target)).score == (1.0 if correct else 0.0)


@pytest.mark.parametrize(
    ("response", "target", "correct"),
    [
        ("The answer is: (E)", "(E)", True),
        ("The answer is: E", "(E)", True),  # (x) vs x, either side
        ("The answer is: (e).", "E", True),
        ("The answer is: [emma, lily]", "[emma, lily]", True),
        ("The answer is: emma, lily", "[emma, lily]", True),  # bracket rule
        ("The answer is: it's fine", "its fine", True),  # quotes dropped
        ("The answer is: unanswerable?", "unanswerable", True),  # trailing question mark
        ("The answer is: $42$", "42", True),
        ("The answer is: \\text{yes}", "yes", True),
        ("The answer is: 6.940", "6.94", True),  # equal as floats
        ("First I thought The answer is: 3. Then The answer is: 4", "4", True),  # the last prefix wins
        ("yes", "yes", True),  # no prefix: the whole response is the answer
        ("The answer is: (AB)", "a", False),  # the (x) rule only takes one character
        ("The answer is: (a)", "b", False),  # a 3-character (x) prediction is decided by that rule alone
        ("I think yes.\nMore text", "yes", False),  # no prefix: the whole first line "i think yes"
        ("The answer is: He really cried.", "He really cried.", False),  # the reference keeps its full stop
        ("The answer is: He really cried...", "He really cried.", True),  # two stops are dropped
    ],
)
def test_tricky_rules(response, target, correct):
    assert grade(response, item(target)).score == (1.0 if correct else 0.0)


def test_preprocessing_steps():
    assert preprocess_response("  The answer is: **Two, Three**.\nbecause") == ("two,three", True)
    assert preprocess_response("no prefix here") == ("no prefix here", False)
    assert fuzzy_match("(b)", "b") and not fuzzy_match("(b)", "(b) ")


def test_reason_and_extracted():
    result = grade("The answer is: (B)", item("(C)"))
    assert (result.score, result.extracted, result.reason) == (0.0, "(b)", "prefix: no match")
    assert grade("", item("x")).reason.startswith("no answer prefix")
