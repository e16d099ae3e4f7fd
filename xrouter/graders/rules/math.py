r"""Grader ``math_verify``: the response's final answer is compared with the gold by math-verify.

Gold: ``item.gold == {"answers": [str, ...]}``, bare LaTeX or plain text (``\frac{1}{2}``, ``(3, \pi/2)``,
``1600``). ``item.grader_kwargs["all_required"]`` (default false):

- false: the final answer (`extract_answer`) must equal any one gold answer;
- true (OlympiadBench multi-answer items): every gold answer must equal one of the response's answers,
  which are the contents of all its ``\boxed{}`` (or else its final answer), each also split at top-level
  commas. Surplus answers in the response are not penalised.

Equality, first test that decides: (1) the same text after normalising spacing, ``$``, ``\text{}``,
``\left``/``\right`` and case (``\text{Monday}`` = ``Monday``); (2) for two plain numbers, their decimal
values (``1,000`` = ``1000``, ``$18`` = ``18.00`` = ``18``, ``033`` = ``33``; distinct integers differ) --
a fast path for GSM8K/AIME-style items; (3) math-verify: `parse` both sides as inline LaTeX, then
`verify(gold, answer)`, which equates ``\frac{1}{2}`` and ``0.5`` and equal intervals, tuples and sets.

math-verify bounds its work with SIGALRM, which only the main thread may use: there each parse and
comparison is limited to `_TIMEOUT_S` (a timeout scores 0 and says so); in other threads it runs without a
limit, so grade in parallel with processes, not threads. Answers longer than `_MAX_ANSWER_CHARS` score 0.
"""

from __future__ import annotations

import re
import threading
from decimal import Decimal

from math_verify import parse, verify
from math_verify.errors import TimeoutException

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.base import Grade, register_grader
from xrouter.graders.rules.extract import boxed_contents, clean_answer, extract_answer

_TIMEOUT_S = 5
_MAX_ANSWER_CHARS = 1000
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")
_PLAIN_NUMBER = re.compile(r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_TEXT_COMMAND = re.compile(r"\\(?:text|textbf|mathrm|mbox)\s*\{([^{}]*)\}")
_LATEX_NOISE = re.compile(r"\\left|\\right|\\[,;:! ]|\s")


class _Unverifiable(Exception):
    """math-verify timed out or failed on an answer; the message says which."""


@register_grader("math_verify")
def grade_math(response_text: str, item: BenchmarkItem) -> Grade:
    golds = item.gold["answers"]
    if not response_text.strip():
        return Grade(0.0, None, "no answer found (empty response)")
    extraction = extract_answer(response_text)
    if extraction.answer is None:
        return Grade(0.0, None, "no answer found")
    problems: list[str] = []

    def equal(gold: str, answer: str) -> bool:
        try:
            return _equal(gold, answer)
        except _Unverifiable as exc:
            problems.append(str(exc))
            return False

    if item.grader_kwargs.get("all_required", False):
        answers = _response_answers(response_text, extraction.answer)
        matched = all(any(equal(gold, answer) for answer in answers) for gold in golds)
        extracted = "; ".join(answers)
        verdict = "all gold answers found" if matched else "a gold answer is missing"
    else:
        matched = any(equal(gold, extraction.answer) for gold in golds)
        extracted, verdict = extraction.answer, "match" if matched else "no match"
    if problems and not matched:
        verdict += f" ({problems[0]})"
    return Grade(1.0 if matched else 0.0, extracted, f"{extraction.rule}: {verdict}")


def _response_answers(response_text: str, final_answer: str) -> list[str]:
    """All boxed answers (or the final one), each followed by its top-level comma-separated parts."""
    answers: list[str] = []
    for answer in [clean_answer(b) for b in boxed_contents(response_text) if b.strip()] or [final_answer]:
        for candidate in [answer, *_split_top_level(answer)]:
            if candidate and candidate not in answers:
                answers.append(candidate)
    return answers


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += 1 if char in "([{" else -1 if char in ")]}" else 0
        if char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    return [*parts, text[start:].strip()] if parts else []


def _equal(gold: str, answer: str) -> bool:
    if _normalised(gold) == _normalised(answer):
        return True
    gold_number, answer_number = _plain_number(gold), _plain_number(answer)
    if gold_number is not None and answer_number is not None:  # fast path (most GSM8K/AIME items)
        if gold_number == answer_number:
            return True
        if (
            gold_number == gold_number.to_integral_value()
            and answer_number == answer_number.to_integral_value()
        ):
            return False  # distinct integers; decimals go on to math-verify, which rounds
    if len(answer) > _MAX_ANSWER_CHARS:
        raise _Unverifiable(f"answer longer than {_MAX_ANSWER_CHARS} characters")
    timeout = _TIMEOUT_S if threading.current_thread() is threading.main_thread() else None
    try:
        gold_parsed = parse(_as_math(gold), parsing_timeout=timeout, raise_on_error=True)
        answer_parsed = parse(_as_math(answer), parsing_timeout=timeout, raise_on_error=True)
        return bool(gold_parsed and answer_parsed) and verify(
            gold_parsed, answer_parsed, timeout_seconds=timeout, raise_on_error=True
        )
    except TimeoutException:
        raise _Unverifiable("math-verify timed out") from None
    except Exception as exc:  # noqa: BLE001 -- sympy/latex2sympy raise anything on odd input
        raise _Unverifiable(f"math-verify failed ({type(exc).__name__})") from None


def _plain_number(text: str) -> Decimal | None:
    """``-1,000.50`` / ``$18`` / ``033`` as a Decimal; None for anything that is not a plain number."""
    match = _PLAIN_NUMBER.fullmatch(_UNESCAPED_DOLLAR.sub("", text).replace("\\$", "").strip())
    return Decimal(match.group(0).replace(",", "").replace("−", "-")) if match else None


def _as_math(text: str) -> str:
    """One inline-math span: stray ``$`` (delimiters or currency) removed, ``\\$`` kept."""
    return "$" + _UNESCAPED_DOLLAR.sub("", text).strip() + "$"


def _normalised(text: str) -> str:
    text = _TEXT_COMMAND.sub(r"\1", _UNESCAPED_DOLLAR.sub("", text))
    return _LATEX_NOISE.sub("", text).lower()
