"""Where the cost ledger lives, without importing the database stack (the CLI starts fast)."""

from __future__ import annotations

import os

DEFAULT_LEDGER_URL = "sqlite:///.xrouter/ledger.db"
LEDGER_URL_ENV = "XROUTER_LEDGER_URL"
PERIODS = ("day", "week", "month", "never")


def ledger_url(option: str | None = None) -> str:
    """`option` if given, else $XROUTER_LEDGER_URL, else sqlite:///.xrouter/ledger.db (relative to the cwd)."""
    return option or os.environ.get(LEDGER_URL_ENV) or DEFAULT_LEDGER_URL
