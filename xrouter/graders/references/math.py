"""Gold and wrong responses for the `math_verify` grader (AIME, AMC, MATH-500, Minerva, OlympiadBench, GSM8K).

Gold writes the reference answer(s) the way a model would: a short line of reasoning and the final answer in
`\\boxed{}` (all answers, comma-separated, when the item requires all of them). Wrong keeps the same form
with an answer that differs: a number moved by one, an expression plus one, or — for tuples, intervals and
sets, where "plus one" is not an expression — the boxed number 0 (or 1 when the gold is 0).
"""

from __future__ import annotations

import re

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.references.base import register_reference

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_COMPOUND = re.compile(r"[,()\[\]]|\\cup|\\infty|\\pm|=")


def _wrong(answer: str) -> str:
    text = answer.strip().strip("$").replace(",", "") if _NUMBER.match(answer.replace(",", "")) else answer
    if _NUMBER.match(text):
        value = float(text) + 1
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if _COMPOUND.search(answer) or "\\text" in answer:
        return "1" if answer.strip() in ("0", "0.0") else "0"
    return f"{answer} + 1"


@register_reference("math_verify")
class MathReference:
    @staticmethod
    def gold(item: BenchmarkItem) -> str:
        answers = item.gold["answers"]
        final = ", ".join(answers) if item.grader_kwargs.get("all_required") else answers[0]
        return f"Working through the problem step by step gives the result.\n\nThe final answer is $\\boxed{{{final}}}$."

    @staticmethod
    def wrong(item: BenchmarkItem) -> str:
        return f"Working through the problem step by step gives the result.\n\nThe final answer is $\\boxed{{{_wrong(item.gold['answers'][0])}}}$."
