"""Reference answers: for every benchmark item a response that must score 1 (gold) and a plausible wrong one
that must score 0, per grader (`code`, `math`, `text`), registered in `base`. The proof that each grader
accepts what it must and rejects what it must (`xrouter.graders.selfcheck`)."""

from xrouter.graders.references.base import (
    REFERENCE_MODULES,
    Reference,
    gold_answer,
    reference_answers,
    reference_for,
    register_reference,
    registered_references,
    wrong_answer,
)

__all__ = [
    "REFERENCE_MODULES",
    "Reference",
    "gold_answer",
    "reference_answers",
    "reference_for",
    "register_reference",
    "registered_references",
    "wrong_answer",
]
