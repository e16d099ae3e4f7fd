"""The cost-accounting ledger: API keys with budgets, money reserved before each model call, settled after.

One code path (SQLAlchemy Core) over SQLite (WAL; `sqlite:///path`, the default) and PostgreSQL
(`postgresql://...`, driven by psycopg 3). Tables: `api_keys`, `requests`, `calls` (one row per model call),
`reservations` (money held by calls still running).

Budgets are enforced in the database, not in the process, so they hold across BentoML's worker processes:
`reserve` is ONE conditional `UPDATE api_keys ... WHERE spent + reserved + amount <= budget` whose row count
says whether the money was there; `settle` writes the call row, moves the actual cost into the key's spend and
drops the reservation in one transaction; `release` drops it without spend. A key's budget counts from the
start of its calendar period in UTC (day, ISO week from Monday, month, or never).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

DEFAULT_LEDGER_URL = "sqlite:///.xrouter/ledger.db"
LEDGER_URL_ENV = "XROUTER_LEDGER_URL"
PERIODS = ("day", "week", "month", "never")


class BudgetExceeded(Exception):
    """A reservation that the key's budget cannot cover (nothing was reserved)."""

    def __init__(self, key_id: str, budget_usd: float, spent_usd: float, needed_usd: float, reserved_usd: float = 0.0):
        self.key_id, self.budget_usd, self.spent_usd = key_id, budget_usd, spent_usd
        self.needed_usd, self.reserved_usd = needed_usd, reserved_usd
        super().__init__(
            f"key {key_id} budget ${budget_usd:g} exceeded: spent ${spent_usd:.6f} this period, "
            f"${reserved_usd:.6f} reserved by running calls, ${needed_usd:.6f} needed"
        )


@dataclass(frozen=True)
class KeyInfo:
    id: str
    name: str
    budget_usd: float | None  # None: unlimited
    period: str  # day | week | month | never
    disabled: bool


class Ledger:
    """The ledger over one database. Thread-safe; one instance per process."""

    def __init__(self, engine: Any, clock: Callable[[], datetime] | None = None) -> None:
        raise NotImplementedError

    @classmethod
    def from_url(cls, url: str, clock: Callable[[], datetime] | None = None) -> "Ledger":
        """Open (and idempotently create) the ledger at `url`; ValueError naming the URL when it is bad."""
        raise NotImplementedError

    def create_key(self, name: str, budget_usd: float | None, period: str = "month") -> tuple[KeyInfo, str]:
        """A new key and its secret; only the secret's hash is stored, so the secret is shown once."""
        raise NotImplementedError

    def authenticate(self, secret: str) -> KeyInfo | None:
        """The enabled key with this secret, else None."""
        raise NotImplementedError

    def list_keys(self) -> list[KeyInfo]:
        raise NotImplementedError

    def disable_key(self, key_id: str) -> None:
        raise NotImplementedError

    def set_budget(self, key_id: str, budget_usd: float | None, period: str | None = None) -> KeyInfo:
        raise NotImplementedError

    def remaining(self, key_id: str) -> float | None:
        """Budget − spent this period − reserved; None for an unlimited key."""
        raise NotImplementedError

    def reserve(self, key_id: str | None, request_id: str, amount_usd: float) -> str:
        """Hold `amount_usd` of the key's budget; the reservation id. BudgetExceeded when it does not fit.

        key_id None: no budget to check, the reservation is still recorded."""
        raise NotImplementedError

    def settle(self, reservation_id: str, call: dict) -> None:
        """Write the call row with its actual cost, add that to the key's spend, drop the reservation."""
        raise NotImplementedError

    def release(self, reservation_id: str) -> None:
        """Drop a reservation without spend (the call failed or was never made)."""
        raise NotImplementedError

    def record_request(self, request_id: str, key_id: str | None, model_used: str | None, total_cost_usd: float,
                       status: str, strategy: str) -> None:
        raise NotImplementedError

    def cleanup_orphans(self, older_than_s: float = 0) -> int:
        """Drop reservations older than `older_than_s` seconds (left by a crashed process); how many."""
        raise NotImplementedError

    def spend(self, key_id: str | None = None, since: datetime | None = None) -> list[dict]:
        """Rows per key, model and UTC day: cost_usd, calls, input_tokens, output_tokens."""
        raise NotImplementedError

    def key_spend(self, key_id: str) -> float:
        """The sum of the key's call rows in its current period."""
        raise NotImplementedError
