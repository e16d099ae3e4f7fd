"""One name → object registry for everything xrouter looks up by name (rewards, metrics, graders, reference
answer generators, benchmark loaders).

    REWARDS: Registry[RewardFn] = Registry("reward")

    @REWARDS.register("xrouter_code")
    def xrouter_code_reward(...): ...

    REWARDS.get("xrouter_code")

Registering a name twice raises (naming who holds it); asking for an unknown name raises `UnknownNameError`
listing the known ones. `allowed` restricts names to a fixed vocabulary; `modules` are imported on the first
lookup so that registrations living in other modules are present (lazy, so importing the registry is cheap).
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError):
    """A name that nothing registered; the message lists the registered names."""

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0])


class Registry(Generic[T]):
    def __init__(self, kind: str, allowed: Iterable[str] | None = None, modules: Iterable[str] = (),
                 error: type[Exception] = UnknownNameError) -> None:
        self.kind = kind
        self.allowed = None if allowed is None else tuple(allowed)
        self._modules = tuple(modules)
        self._error = error
        self._items: dict[str, T] = {}
        self._loaded = not self._modules
        self._loading = False
        self._lock = threading.RLock()

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering its target under `name` and returning it unchanged."""
        if not name or not isinstance(name, str):
            raise ValueError(f"{self.kind} name must be a non-empty string, got {name!r}")
        if self.allowed is not None and name not in self.allowed:
            raise ValueError(f"cannot register {self.kind} {name!r}: not one of {list(self.allowed)}")

        def decorator(obj: T) -> T:
            if name in self._items:
                held = self._items[name]
                who = f"{getattr(held, '__module__', '?')}.{getattr(held, '__qualname__', held)}"
                raise ValueError(f"{self.kind} {name!r} is already registered (by {who}); pick another name")
            self._items[name] = obj
            return obj

        return decorator

    def _load(self) -> None:
        """Import `modules` once. Other threads wait until every module is imported (a graded batch looks up
        graders from a thread pool: a lookup must never see the registry half-filled); a lookup made while
        those modules import, in the importing thread, sees what is registered so far."""
        if self._loaded:
            return
        with self._lock:
            if self._loaded or self._loading:
                return
            self._loading = True
            try:
                for module in self._modules:
                    importlib.import_module(module)
                self._loaded = True
            finally:
                self._loading = False

    @contextlib.contextmanager
    def scratch(self) -> Iterator[Registry[T]]:
        """Registrations made inside the block are dropped at its end (tests register throw-away entries)."""
        self._load()
        saved = dict(self._items)
        try:
            yield self
        finally:
            self._items = saved

    def get(self, name: str) -> T:
        self._load()
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(self.names()) or "(none registered)"
            raise self._error(f"unknown {self.kind} {name!r}; registered: {known}") from None

    def names(self) -> list[str]:
        """Registered names: in `allowed` order when the vocabulary is fixed, else sorted."""
        self._load()
        if self.allowed is not None:
            return [n for n in self.allowed if n in self._items]
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        self._load()
        return len(self._items)
