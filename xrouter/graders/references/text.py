"""Reference responses for the answer-text graders: ``multiple_choice``, ``bbeh``, ``arc_grid``, ``ifeval``,
``ifbench`` (see `xrouter.graders.references.base` for the contract: gold scores 1, wrong scores 0).

- ``multiple_choice``: gold ends with ``Answer: <gold letter>``; wrong with the next letter.
- ``bbeh``: gold ends with ``The answer is: <target>``; wrong gives another answer of the same kind (another
  option letter, the number plus one, the other of yes/no, a list in another order, ...).
- ``arc_grid``: gold holds the gold grid (or the list of grids) in a ```json block; wrong changes one cell.
- ``ifeval`` / ``ifbench``: gold is a response built to follow every instruction (`instructions_reference`,
  `instructions_reference_ifbench`); wrong breaks the first instruction that can be verified here.

Some instruction-following items have no gold: `if_left_out` says why. Either an instruction conflicts
with another of the same item (`CONFLICTS`), or none of the item's instructions can be verified offline
(`instructions_nltk.RESOURCE_OF_INSTRUCTION`: the NLTK stopwords corpus and POS tagger ship in no package).
For those, ``gold`` returns the closest response the builders produce, which does not score 1.
"""

from __future__ import annotations

import json
import re
import string
from typing import Any

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.references.base import register_reference
from xrouter.graders.references.ifbench import ifbench_gold, ifbench_wrong
from xrouter.graders.references.ifeval import ifeval_draft, ifeval_gold, ifeval_wrong
from xrouter.graders.rules.instructions import checker_classes, grade_instructions, unavailable_instructions

# Pairs of instructions that one response cannot both follow, when the condition in the reason holds.
CONFLICTS: dict[tuple[str, str], str] = {
    ("combination:repeat_prompt", "punctuation:no_comma"): "the prompt to repeat contains a comma",
    (
        "combination:repeat_prompt",
        "keywords:forbidden_words",
    ): "the prompt to repeat contains a forbidden word",
    (
        "combination:repeat_prompt",
        "keywords:frequency",
    ): "the prompt to repeat holds the keyword to keep rare",
    ("format:options", "format:newline"): "no option is one word, so it cannot stand one word per line",
}
_YES_NO = {"yes": "no", "no": "yes", "proved": "disproved", "disproved": "proved", "true": "false"}


@register_reference("multiple_choice")
class MultipleChoiceReference:
    @staticmethod
    def gold(item: BenchmarkItem) -> str:
        return f"Weighing each option against the question.\nAnswer: {item.gold['letter']}"

    @staticmethod
    def wrong(item: BenchmarkItem) -> str:
        letters = string.ascii_uppercase[: len(item.gold["options"])]
        other = letters[(letters.index(item.gold["letter"]) + 1) % len(letters)]
        return f"Weighing each option against the question.\nAnswer: {other}"


@register_reference("bbeh")
class BBEHReference:
    @staticmethod
    def gold(item: BenchmarkItem) -> str:
        return f"Let me work through it step by step.\nThe answer is: {item.gold['target']}"

    @staticmethod
    def wrong(item: BenchmarkItem) -> str:
        return f"Let me work through it step by step.\nThe answer is: {_other_target(item.gold['target'])}"


def _other_target(target: str) -> str:
    if match := re.fullmatch(r"\(([A-Za-z])\)", target):
        letter = match.group(1)
        return f"({'B' if letter.upper() == 'A' else 'A'})"
    try:
        return f"{float(target) + 1:g}"
    except ValueError:
        pass
    if target.lower() in _YES_NO:
        return _YES_NO[target.lower()]
    parts = [p.strip() for p in target.split(",")]
    if len(parts) > 1 and parts != parts[::-1]:
        return ", ".join(parts[::-1])
    return "unknown" if target.lower() != "unknown" else "yes"


@register_reference("arc_grid")
class ArcReference:
    @staticmethod
    def gold(item: BenchmarkItem) -> str:
        return _arc_answer(item.gold["outputs"])

    @staticmethod
    def wrong(item: BenchmarkItem) -> str:
        grids = json.loads(json.dumps(item.gold["outputs"]))
        grids[0][0][0] = (grids[0][0][0] + 1) % 10
        return _arc_answer(grids)


def _arc_answer(grids: list[Any]) -> str:
    answer = grids[0] if len(grids) == 1 else grids
    return f"The rule maps each input to its output.\n```json\n{json.dumps(answer)}\n```"


def if_left_out(item: BenchmarkItem) -> str | None:
    """Why the instruction-following ``item`` has no gold response, or None when it has one."""
    gold = item.gold
    ids = gold["instruction_id_list"]
    for (first, second), reason in CONFLICTS.items():
        if first in ids and second in ids and _conflict_holds(first, second, gold):
            return f"{first} + {second}: {reason}"
    unavailable = unavailable_instructions(item.grader)
    if all(i in unavailable for i in ids):
        return "no instruction verifiable offline: " + ", ".join(
            f"{i} needs nltk {unavailable[i]}" for i in ids
        )
    return None


def _conflict_holds(first: str, second: str, gold: dict[str, Any]) -> bool:
    kwargs = dict(zip(gold["instruction_id_list"], gold["kwargs"]))
    if first == "combination:repeat_prompt":
        prompt = kwargs[first]["prompt_to_repeat"].lower()
        if second == "punctuation:no_comma":
            return "," in prompt
        if second == "keywords:forbidden_words":
            return any(
                re.search(rf"\b{re.escape(w.lower())}\b", prompt) for w in kwargs[second]["forbidden_words"]
            )
        kw = kwargs[second]
        return kw["relation"] == "less than" and prompt.count(kw["keyword"].lower()) >= kw["frequency"]
    options = kwargs[first]["options"]
    return all(" " in option.strip() for option in re.split(r"/| or |,", options))


def _follows(item: BenchmarkItem) -> Any:
    return lambda text: grade_instructions(text, item.gold, item.grader).score == 1.0


@register_reference("ifeval")
class IFEvalReference:
    @staticmethod
    def gold(item: BenchmarkItem) -> str:
        text = ifeval_gold(item.gold, _follows(item))
        return text if text is not None else ifeval_draft(item.gold)

    @staticmethod
    def wrong(item: BenchmarkItem) -> str:
        instruction, kwargs = _first_verifiable(item)
        return ifeval_wrong(IFEvalReference.gold(item), instruction, kwargs)


@register_reference("ifbench")
class IFBenchReference:
    @staticmethod
    def gold(item: BenchmarkItem) -> str:
        text = ifbench_gold(item.gold, _follows(item), checker_classes("ifbench"))
        return text if text is not None else "No response could be built."

    @staticmethod
    def wrong(item: BenchmarkItem) -> str:
        return ifbench_wrong(*_first_verifiable(item))


def _first_verifiable(item: BenchmarkItem) -> tuple[str, dict[str, Any]]:
    unavailable = unavailable_instructions(item.grader)
    pairs = list(zip(item.gold["instruction_id_list"], item.gold["kwargs"]))
    return next(((i, kw) for i, kw in pairs if i not in unavailable), pairs[0])
