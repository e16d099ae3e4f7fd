"""Headless Chromium (the OS package `chromium`) on pages served on 127.0.0.1: the rendered DOM after the page's
scripts ran, or a screenshot. Flags as these offline machines need them (no background networking)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def chromium_binary() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError("chromium not found: run `make system-deps` (apt-get install chromium)")
    return found


def render(url: str, *, screenshot: Path | None = None, wait_ms: int = 20000, size: str = "1440,1000") -> str:
    """The DOM of `url` after `wait_ms` of virtual time (the SPA's requests answered); with `screenshot`, also
    saves a PNG of the page there."""
    with tempfile.TemporaryDirectory(prefix="xrouter-chromium-") as profile:
        base = [chromium_binary(), *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={wait_ms}",
                f"--window-size={size}"]
        dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=180)
        if dom.returncode != 0:
            raise RuntimeError(f"chromium --dump-dom {url} failed: {dom.stderr[-2000:]}")
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            shot = subprocess.run([*base, f"--screenshot={screenshot}", url], capture_output=True, text=True,
                                  timeout=180)
            if shot.returncode != 0 or not screenshot.is_file():
                raise RuntimeError(f"chromium --screenshot {url} failed: {shot.stderr[-2000:]}")
        return dom.stdout
