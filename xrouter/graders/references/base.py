"""The reference-answer registry: each grader registers one `Reference` (static ``gold(item)`` and
``wrong(item)``) under its name; `gold_answer` / `wrong_answer` dispatch on ``item.grader``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from xrouter.data.schema import BenchmarkItem
from xrouter.registry import Registry


class Reference(Protocol):
    gold: Callable[[BenchmarkItem], str]
    wrong: Callable[[BenchmarkItem], str]


REFERENCE_MODULES = (
    "xrouter.graders.references.code",
    "xrouter.graders.references.math",
    "xrouter.graders.references.text",
)
REFERENCES: Registry[type] = Registry("reference answers", modules=REFERENCE_MODULES)


def register_reference(grader: str) -> Callable[[type], type]:
    """Class decorator registering ``gold``/``wrong`` for ``grader``; a second registration raises."""

    def decorator(cls: type) -> type:
        if not all(callable(getattr(cls, name, None)) for name in ("gold", "wrong")):
            raise TypeError(f"{cls.__name__} must define static methods gold(item) and wrong(item)")
        return REFERENCES.register(grader)(cls)

    return decorator


def registered_references() -> list[str]:
    """Graders with references, sorted (importing `REFERENCE_MODULES` registers them all)."""
    return REFERENCES.names()


def reference_for(grader: str) -> Reference:
    """The references of ``grader``; an unknown grader raises and lists the known ones."""
    return REFERENCES.get(grader)  # type: ignore[return-value]


def gold_answer(item: BenchmarkItem) -> str:
    return reference_for(item.grader).gold(item)


def wrong_answer(item: BenchmarkItem) -> str:
    return reference_for(item.grader).wrong(item)


def reference_answers() -> dict[str, Callable[[BenchmarkItem], str]]:
    """``{"gold": gold_answer, "wrong": wrong_answer}``, every grader's references registered."""
    registered_references()
    return {"gold": gold_answer, "wrong": wrong_answer}
