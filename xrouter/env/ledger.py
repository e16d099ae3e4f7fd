"""The cost ledger of one episode: its model calls (`CallRecord`s) in order, with totals."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from xrouter.env.types import CallRecord


@dataclass
class Ledger:
    entries: list[CallRecord] = field(default_factory=list)

    def record(self, entry: CallRecord) -> None:
        self.entries.append(entry)

    @property
    def total_cost_usd(self) -> float:
        return sum(e.cost_usd for e in self.entries)

    @property
    def n_calls(self) -> int:
        return len(self.entries)

    @property
    def models_called(self) -> list[str]:
        return [e.model for e in self.entries]

    def cost_by_model(self) -> dict[str, float]:
        out: Counter[str] = Counter()
        for e in self.entries:
            out[e.model] += e.cost_usd
        return dict(out)
