"""A content-addressed, on-disk response cache: the same model + messages + sampling parameters is never
called twice — not across runs, and not by two threads at once.

The key is the SHA-256 of the canonical JSON of (backend name, model, messages, params). `prompt_id` is the
caller's bookkeeping and not part of the key, except for backends that answer by it (`accepts_prompt_id`:
replay, reference). Each entry is one JSON file `<root>/<key[:2]>/<key>.json`, written to a temporary file and
renamed into place, so a crash never leaves half an entry. An unreadable entry is moved aside
(`*.corrupt`) and the call made again. A hit is returned with `cached=True` and the latency the original call
took (what a user waited for that answer).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from xrouter.backends.base import Backend, Completion

BOOKKEEPING_PARAMS = ("prompt_id",)


def cache_key(backend: str, model: str, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
    payload = {"backend": backend, "model": model, "messages": messages, "params": params}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class ResponseCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            return Completion(**json.loads(path.read_text()))
        except (ValueError, TypeError):
            path.replace(path.with_suffix(".corrupt"))
            return None

    def put(self, key: str, completion: Completion) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w") as fh:
            json.dump(asdict(replace(completion, cached=False)), fh, default=str)
        os.replace(tmp, path)


class CachingBackend:
    """Wraps any backend with a `ResponseCache`; counts `hits` and `misses` (calls that reached the backend)."""

    def __init__(self, inner: Backend, cache: ResponseCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.hits = 0
        self.misses = 0
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def __getattr__(self, attr: str) -> Any:  # the wrapped backend's extras (e.g. the replay world)
        return getattr(self.inner, attr)

    def key(self, model: str, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        keep = dict(params)
        if not getattr(self.inner, "accepts_prompt_id", False):
            for name in BOOKKEEPING_PARAMS:
                keep.pop(name, None)
        return cache_key(self.inner.name, model, messages, keep)

    def complete(self, model: str, messages: list[dict[str, str]], **params: Any) -> Completion:
        key = self.key(model, messages, params)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # a second caller of the same key waits for the first and then reads its entry
            hit = self.cache.get(key)
            if hit is not None:
                with self._guard:
                    self.hits += 1
                return replace(hit, cached=True)
            completion = self.inner.complete(model, messages, **params)
            self.cache.put(key, completion)
            with self._guard:
                self.misses += 1
            return completion
