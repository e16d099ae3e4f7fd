"""Files a grader caches between runs, each signed with an HMAC whose key lives beside them (mode 0600, made on
first use), so a cached file edited by anyone without the key — a graded program included: the sandbox never
sees the cache folder — reads back as absent and is recomputed, never trusted."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

KEY_FILE = ".hmac-key"


def _secret(folder: Path) -> bytes:
    """The folder's HMAC key, made on first use (mode 0600; a process that loses the race reads the winner's)."""
    path = folder / KEY_FILE
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        pass
    key = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    except OSError:
        pass
    return bytes.fromhex(key)


def read_verified(path: Path) -> str | None:
    """The cached text if its HMAC checks out; None when absent, unreadable or tampered with."""
    try:
        tag, text = path.read_text(encoding="utf-8").split("\n", 1)
    except (OSError, ValueError):
        return None
    good = hmac.new(_secret(path.parent), text.encode(), hashlib.sha256).hexdigest()
    return text if hmac.compare_digest(tag, good) else None


def write_signed(path: Path, text: str) -> None:
    """Best effort, atomically: a cache that cannot be written only costs a recomputation next time."""
    tag = hmac.new(_secret(path.parent), text.encode(), hashlib.sha256).hexdigest()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(f"{tag}\n{text}")
        os.replace(tmp, path)
    except OSError:
        pass
