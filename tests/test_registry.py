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


def test_a_lookup_from_another_thread_waits_for_the_modules_to_finish_importing(tmp_path, monkeypatch) -> None:
    """A graded batch looks graders up from a thread pool: while the first lookup imports the registering
    modules, a second thread's lookup must wait for them, not see the registry half-filled."""
    import sys
    import threading
    import time

    mod = "slow_widgets_for_the_thread_test"
    reg: Registry[int] = Registry("widget", modules=[mod])  # its registrations live in `mod`
    (tmp_path / f"{mod}.py").write_text(
        "import time\nfrom test_registry_target import REG\nREG.register('early')(1)\n"
        "time.sleep(0.5)\nREG.register('late')(2)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    target = type(sys)("test_registry_target")
    target.REG = reg
    monkeypatch.setitem(sys.modules, "test_registry_target", target)
    monkeypatch.delitem(sys.modules, mod, raising=False)

    got: dict[str, object] = {}

    def look(key: str, name: str) -> None:
        try:
            got[key] = reg.get(name)
        except UnknownNameError as err:
            got[key] = err

    first = threading.Thread(target=look, args=("first", "early"))
    first.start()
    time.sleep(0.2)  # the first lookup is now inside the import, between the two registrations
    look("second", "late")
    first.join()
    assert got == {"first": 1, "second": 2}
