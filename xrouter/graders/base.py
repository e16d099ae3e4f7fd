"""The grader contract: one result type, one registry, one dispatch function.

A grader is a pure function ``(response_text, item) -> Grade``: no printing, no randomness, no network. It is
registered under the name that benchmark rows carry in their ``grader`` column, and `grade` dispatches on it.
The modules in `GRADER_MODULES` register their graders when imported; lookups import them on first use, so
that importing one grader's helpers (the sandbox, say) does not pay for all the others (math-verify: ~2 s).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xrouter.data.schema import BenchmarkItem
from xrouter.registry import Registry


@dataclass(frozen=True)
class Grade:
    """The outcome of grading one response.

    score: 1.0 correct, 0.0 wrong (graders with partial credit return values in between).
    extracted: the answer the grader read from the response, or None when it found none.
    reason: a short machine-greppable explanation, e.g. ``"boxed: match"`` or ``"no answer found"``.
    """

    score: float
    extracted: str | None
    reason: str


Grader = Callable[[str, BenchmarkItem], Grade]

GRADER_MODULES: tuple[str, ...] = (
    "xrouter.graders.rules.math",
    "xrouter.graders.rules.choice",
    "xrouter.graders.rules.bbeh",
    "xrouter.graders.rules.arc",
    "xrouter.graders.rules.instructions",
    "xrouter.graders.rules.code_evalplus",
    "xrouter.graders.rules.code_livecodebench",
    "xrouter.graders.rules.code_cruxeval",
)

GRADERS: Registry[Grader] = Registry("grader", modules=GRADER_MODULES)
register_grader = GRADERS.register  # `@register_grader("name")`; a second grader with the same name raises
get_grader = GRADERS.get  # an unknown name raises and lists the known ones


def registered_graders() -> list[str]:
    """Names of all registered graders, sorted."""
    return GRADERS.names()


def grade(response_text: str, item: BenchmarkItem) -> Grade:
    """Grade ``response_text`` against ``item`` with the grader named in ``item.grader``."""
    return get_grader(item.grader)(response_text, item)
