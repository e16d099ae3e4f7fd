"""Graders ``ifeval`` and ``ifbench``: every verifiable instruction of the prompt must be followed.

Gold: ``item.gold == {"prompt", "instruction_id_list", "kwargs"}`` (see the instruction-following loader).
The checkers are those of the if-verifiable package (PyPI ``if-verifiable==0.1.2``): its IFEval checkers are
lm-eval's ``lm_eval/tasks/ifeval`` ones (the same as Google's originals, up to style), its IFBench checkers
those of allenai/IFBench as of late 2025. (The bundle's IFBench @db69a6f has since changed nine of them --
``sentence:keyword``, ``words:keywords_specific_position``, ``count:person_names``, ``count:pronouns``,
``format:quote_unquote``, ``repeat:repeat_span``, ``format:title_case``, ``words:words_position``,
``custom:sentence_alphabet`` -- and splits sentences with NLTK instead of a regex; that code is on no
package index and is not reproduced here.) Each instruction is checked as the authors' ``evaluation_lib``
does: build the checker from its kwargs (again with ``prompt=`` when it asks for one), then

- strict: ``response.strip() and check_following(response)``;
- loose: the same on any of 8 variants of the response (as is, without its first / last / first and last
  line, each also with every ``*`` removed).

Score: 1.0 iff every instruction passes strict (IFEval's prompt-level strict accuracy). The reason gives
the strict and loose counts and names the instructions that failed. A checker that raises on odd output
counts as not followed. Nothing is stripped from the response (no ``<think>`` handling).

Departures from the package, each for determinism or offline use:

- ``repeat:repeat_span``: if-verifiable draws a random span start when ``n_start`` is 0 (``if not
  n_start``); here 0 is a start like any other. The span is still the package's words ``[n_start:n_end]``
  of ``prompt_to_repeat`` split on whitespace (the prompt says "between (and including)").
- ``keywords:letter_frequency``: if-verifiable (like lm-eval and Google's original) replaces a letter
  outside a-z by a random one; IFEval asks for ``#`` and ``!`` in some items, which are counted as given.
- langdetect (``language:response_language``, ``change_case:*``) is seeded (``DetectorFactory.seed = 0``)
  so that the same text always gets the same language.
- NLTK data comes from `instructions_nltk` and is never downloaded. Instructions whose NLTK resource is not
  installed (`instructions_nltk.RESOURCE_OF_INSTRUCTION`: IFBench ``ratio:stop_words`` and
  ``words:start_verb``), unknown instruction ids and kwargs the checker rejects are *unverified*: left out
  of the score and named in the reason; an item with no verifiable instruction scores 0.
"""

from __future__ import annotations

import functools
from typing import Any

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.base import Grade, register_grader
from xrouter.graders.rules.instructions_nltk import (
    RESOURCE_OF_INSTRUCTION,
    ensure_nltk_data,
    missing_resources,
    no_downloads,
)


@register_grader("ifeval")
def grade_ifeval(response_text: str, item: BenchmarkItem) -> Grade:
    return grade_instructions(response_text, item.gold, "ifeval")


@register_grader("ifbench")
def grade_ifbench(response_text: str, item: BenchmarkItem) -> Grade:
    return grade_instructions(response_text, item.gold, "ifbench")


def grade_instructions(response_text: str, gold: dict[str, Any], benchmark: str) -> Grade:
    """Grade ``response_text`` against the instructions of ``gold`` with ``benchmark``'s checkers."""
    results = check_instructions(response_text, gold, benchmark)
    graded = {i: r for i, r in results.items() if isinstance(r, tuple)}
    unverified = {i: r for i, r in results.items() if isinstance(r, str)}
    strict_failed = [i for i, (strict, _) in graded.items() if not strict]
    loose_passed = sum(loose for _, loose in graded.values())
    parts = [f"strict {len(graded) - len(strict_failed)}/{len(graded)}, loose {loose_passed}/{len(graded)}"]
    if strict_failed:
        parts.append("failed: " + ", ".join(strict_failed))
    if unverified:
        parts.append("unverified: " + ", ".join(f"{i} ({why})" for i, why in unverified.items()))
    score = 1.0 if graded and not strict_failed else 0.0
    return Grade(score, None, "; ".join(parts))


def unavailable_instructions(benchmark: str) -> dict[str, str]:
    """Instruction ids of ``benchmark`` that cannot be verified here, with the NLTK resource each lacks."""
    return dict(_checkers(benchmark)[1])


def checker_classes(benchmark: str) -> dict[str, type]:
    """The checker class of every instruction id of ``benchmark`` (if-verifiable's, as adjusted here)."""
    return dict(_checkers(benchmark)[0])


def check_instructions(
    response_text: str, gold: dict[str, Any], benchmark: str
) -> dict[str, tuple[bool, bool] | str]:
    """Per instruction id (suffixed ``#2``... when repeated): ``(strict, loose)``, or why it is unverified."""
    registry, unavailable = _checkers(benchmark)
    variants = _loose_variants(response_text)
    results: dict[str, tuple[bool, bool] | str] = {}
    for number, (instruction_id, kwargs) in enumerate(zip(gold["instruction_id_list"], gold["kwargs"])):
        key = instruction_id if instruction_id not in results else f"{instruction_id}#{number + 1}"
        if instruction_id in unavailable:
            results[key] = f"nltk {unavailable[instruction_id]} not installed"
            continue
        if instruction_id not in registry:
            results[key] = "unknown instruction"
            continue
        try:
            checker = registry[instruction_id](instruction_id)
            checker.build_description(**kwargs)
            args = checker.get_instruction_args()
            if args and "prompt" in args:
                checker.build_description(prompt=gold["prompt"])
        except Exception as exc:  # noqa: BLE001 -- a checker refusing its kwargs is a data problem
            results[key] = f"kwargs rejected ({type(exc).__name__})"
            continue
        strict = _follows(checker, response_text)
        results[key] = (strict, strict or any(_follows(checker, v) for v in variants[1:]))
    return results


def _follows(checker: Any, text: str) -> bool:
    try:
        return bool(text.strip() and checker.check_following(text))
    except Exception:  # noqa: BLE001 -- checkers index and divide freely; odd output must not raise
        return False


def _loose_variants(response: str) -> list[str]:
    lines = response.split("\n")
    trimmed = [
        response,
        "\n".join(lines[1:]).strip(),
        "\n".join(lines[:-1]).strip(),
        "\n".join(lines[1:-1]).strip(),
    ]
    return [trimmed[0], trimmed[0].replace("*", ""), *trimmed[1:], *(t.replace("*", "") for t in trimmed[1:])]


@functools.cache
def _checkers(benchmark: str) -> tuple[dict[str, type], dict[str, str]]:
    """The checker classes of ``benchmark`` and, per instruction id, a missing NLTK resource."""
    import langdetect

    ensure_nltk_data()
    langdetect.DetectorFactory.seed = 0
    if benchmark == "ifeval":
        from if_verifiable.ifeval.instructions_registry import INSTRUCTION_DICT
    elif benchmark == "ifbench":
        with no_downloads():
            from if_verifiable.ifbench.instructions_registry import INSTRUCTION_DICT
    else:
        raise ValueError(f"no instruction checkers for {benchmark!r}; use 'ifeval' or 'ifbench'")
    registry = dict(INSTRUCTION_DICT)
    for instruction_id, adjust in _ADJUSTMENTS.items():
        if instruction_id in registry:
            registry[instruction_id] = adjust(registry[instruction_id])
    missing = missing_resources() if benchmark == "ifbench" else set()
    unavailable = {i: r for i, r in RESOURCE_OF_INSTRUCTION.items() if r in missing}
    return registry, unavailable


def _deterministic_repeat_span(base: type) -> type:
    class RepeatSpanChecker(base):  # type: ignore[misc,valid-type]
        """if-verifiable's checker, with ``n_start=0`` / ``n_end=0`` taken as given instead of drawn."""

        def build_description(self, prompt_to_repeat=None, n_start=None, n_end=None):
            description = super().build_description(prompt_to_repeat, n_start or 1, n_end or 1)
            self._n_start, self._n_end = n_start, n_end
            return description

    return RepeatSpanChecker


def _deterministic_letter_frequency(base: type) -> type:
    class LetterFrequencyChecker(base):  # type: ignore[misc,valid-type]
        """if-verifiable's checker, counting a non-letter (``#``, ``!``) as given instead of a random letter."""

        def build_description(self, *, letter=None, let_frequency=None, let_relation=None):
            description = super().build_description(
                letter="a", let_frequency=let_frequency, let_relation=let_relation
            )
            self._letter = (letter or "a").strip().lower()
            return description

    return LetterFrequencyChecker


_ADJUSTMENTS = {
    "repeat:repeat_span": _deterministic_repeat_span,
    "keywords:letter_frequency": _deterministic_letter_frequency,
}
