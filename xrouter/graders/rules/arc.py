"""Grader ``arc_grid`` (ARC-AGI): the output grid(s) of the response must equal every gold grid exactly.

Gold: ``item.gold == {"outputs": [grid, ...]}``, one grid (a list of rows of integers 0-9) per test input.

The answer is read from the last ```json code block (a bare ``` block if no block is marked json): its
whole content as JSON, or else the last top-level JSON array inside it. Without such a block, the last
top-level JSON array of the response that is a grid or a list of grids. A cell must be an integer (``true``
and ``1.0`` are not cells).

Match: with one test input, the answer is that grid (``[grid]`` is accepted too); with several, the answer
is the list of all output grids in test-input order. Any other shape, count or cell scores 0.
"""

from __future__ import annotations

import json
import re
from typing import Any

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.base import Grade, register_grader

_FENCE = re.compile(r"```[ \t]*([A-Za-z]*)[^\n]*\n(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()
# Where a grid or a list of grids may start: within three brackets of a number (keeps runs of "[[[[" cheap).
_ARRAY_START = re.compile(r"\[\s*\[\s*(?:\[\s*)?-?\d")


@register_grader("arc_grid")
def grade_arc(response_text: str, item: BenchmarkItem) -> Grade:
    golds = item.gold["outputs"]
    answer, rule = extract_grids(response_text)
    if answer is None:
        return Grade(0.0, None, "no grid found")
    extracted = json.dumps(answer, separators=(",", ":"))
    if _is_grid(answer):
        grids = [answer]
    elif isinstance(answer, list) and answer and all(_is_grid(g) for g in answer):
        grids = answer
    else:
        return Grade(0.0, extracted, f"{rule}: not a grid or a list of grids")
    if len(grids) != len(golds):
        return Grade(0.0, extracted, f"{rule}: {len(grids)} grid(s) for {len(golds)} test input(s)")
    matched = grids == golds
    return Grade(1.0 if matched else 0.0, extracted, f"{rule}: {'match' if matched else 'no match'}")


def extract_grids(text: str) -> tuple[Any, str]:
    """The JSON value holding the answer grid(s) and the rule that found it (``None, "none"`` if none)."""
    blocks = [(lang.lower(), body) for lang, body in _FENCE.findall(text)]
    json_blocks = [body for lang, body in blocks if lang == "json"] or [
        body for lang, body in blocks if not lang
    ]
    if json_blocks:
        body = json_blocks[-1]
        try:
            return json.loads(body), "json_block"
        except (ValueError, RecursionError):
            if (arrays := _top_level_arrays(body)) is not None:
                return arrays, "json_block_array"
    if (arrays := _top_level_arrays(text)) is not None:
        return arrays, "last_array"
    return None, "none"


def _top_level_arrays(text: str) -> Any:
    """The last top-level JSON array in ``text`` that is a grid or a list of grids, or None."""
    last, match = None, _ARRAY_START.search(text)
    while match:
        try:
            value, end = _DECODER.raw_decode(text, match.start())
        except (ValueError, RecursionError):
            match = _ARRAY_START.search(text, match.start() + 1)
            continue
        if _is_grid(value) or (isinstance(value, list) and value and all(_is_grid(g) for g in value)):
            last = value
        match = _ARRAY_START.search(text, end)
    return last


def _is_grid(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(row, list) and row and all(type(cell) is int for cell in row) for row in value)
    )
