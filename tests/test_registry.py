"""The one generic registry behind every lookup by name (rewards, metrics, graders, reference answers,
benchmark loaders)."""

from __future__ import annotations

import pytest

from xrouter.registry import Registry, UnknownNameError


def test_register_get_and_list_in_vocabulary_order() -> None:
    reg: Registry[int] = Registry("widget", allowed=("b", "a", "c"))
    reg.register("a")(1)
    reg.register("b")(2)
    assert reg.get("a") == 1 and reg.names() == ["b", "a"] and len(reg) == 2 and list(reg) == ["b", "a"]
    with pytest.raises(ValueError, match="cannot register widget 'z': not one of"):
        reg.register("z")
    with pytest.raises(ValueError, match="widget 'a' is already registered"):
        reg.register("a")(3)
    with pytest.raises(UnknownNameError, match="unknown widget 'c'; registered: b, a"):
        reg.get("c")


def test_modules_are_imported_on_first_lookup_and_errors_can_be_typed() -> None:
    class NoSuchThing(LookupError):
        pass

    reg: Registry[object] = Registry("reward", modules=["xrouter.env.reward"], error=NoSuchThing)
    with pytest.raises(NoSuchThing, match="unknown reward 'x'; registered: \\(none registered\\)"):
        reg.get("x")  # the module registers into its own registry, not this one: nothing here
    with pytest.raises(ValueError, match="non-empty string"):
        reg.register("")
