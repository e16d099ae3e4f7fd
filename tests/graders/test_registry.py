from __future__ import annotations

import pytest

from xrouter.data.schema import BenchmarkItem
from xrouter.graders import base
from xrouter.graders.base import Grade, get_grader, grade, register_grader, registered_graders


@pytest.fixture(autouse=True)
def private_registry():
    """Tests register throw-away graders in a copy of the registry."""
    with base.GRADERS.scratch():  # the real grader modules are imported first
        yield


def item(grader: str) -> BenchmarkItem:
    return BenchmarkItem(
        "t/0", "gsm8k", "", "math", [{"role": "user", "content": "q"}], {"answers": ["4"]}, grader, {}
    )


def test_grade_dispatches_on_the_item_grader():
    @register_grader("echo_for_test")
    def echo(response_text, item):
        return Grade(1.0, response_text, f"graded {item.id}")

    assert grade("hello", item("echo_for_test")) == Grade(1.0, "hello", "graded t/0")
    assert get_grader("echo_for_test") is echo


def test_duplicate_name_raises():
    register_grader("twice_for_test")(lambda text, item: Grade(0.0, None, ""))
    with pytest.raises(ValueError, match="already registered"):
        register_grader("twice_for_test")(lambda text, item: Grade(1.0, None, ""))


def test_unknown_name_raises_and_lists_known_names():
    with pytest.raises(KeyError, match="unknown grader 'nope'.*math_verify"):
        grade("4", item("nope"))


def test_grader_modules_register_their_graders():
    assert "math_verify" in registered_graders()


def test_math_grader_is_pure(capsys):
    results = {grade("so the answer is \\boxed{4}", item("math_verify")) for _ in range(3)}
    assert results == {Grade(1.0, "4", "boxed: match")}
    assert capsys.readouterr() == ("", "")
