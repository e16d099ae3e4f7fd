"""Loopback helpers: a free port, and waiting for a server to answer."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_answers(url: str, timeout: float, alive: Callable[[], str | None] = lambda: None) -> float:
    """Poll `url` until it answers 200; returns the seconds it took. `alive()` returns a reason when the
    server process has died (then waiting stops at once with that reason)."""
    started = time.monotonic()
    while not answers(url):
        if (dead := alive()) is not None:
            raise RuntimeError(f"{url} never answered: {dead}")
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - started
