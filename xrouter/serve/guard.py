"""`RequestGuard`: the budgets of one request, enforced call by call through `RoutingEnv`'s `CallGuard` hook.

Before each model call its worst case (`AnswerSource.worst_case`) must fit in what is left of the request's
`max_cost_usd` (what earlier calls cost plus what running calls hold) and, when a ledger is attached, be
reserved there (one atomic conditional update in the database; `BudgetExceeded` when the key's budget
cannot cover it). A call that does not fit is refused: it never reaches a backend. After the call the
reservation is settled to the actual cost (the ledger's call row is the call's `call_history` entry), or
released when the call failed. A keyless request (no key, so no budget but its own `max_cost_usd`, held
here) reserves nothing in the ledger; each of its calls is written there once it has finished.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from xrouter.backends.base import Completion
from xrouter.env.episode import CallRefused
from xrouter.env.rules import unique_call_name
from xrouter.env.types import CallRecord, ModelCall
from xrouter.pool import ModelSpec
from xrouter.serve.metadata import history_entry


@dataclass
class _Token:
    call_id: str
    spec: ModelSpec
    call: ModelCall
    worst_usd: float
    reservation: Any


@dataclass
class RequestGuard:
    source: Any  # an AnswerSource: worst_case(spec, messages, params)
    max_cost_usd: float
    request_id: str
    key_id: Any = None
    ledger: Any = None  # xrouter.serve.ledger.Ledger, or None (no accounting, e.g. a bare engine in tests)
    on_call: Any = None  # callback(entry: dict) per finished call (metrics, telemetry)
    spent_usd: float = 0.0
    held_usd: float = 0.0
    refusal: str | None = None  # why the first refused call was refused: max_cost_usd or key_budget
    refusal_detail: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _names: set[str] = field(default_factory=set, repr=False)

    def before(self, spec: ModelSpec, call: ModelCall, messages: list[dict[str, str]], params: dict) -> _Token:
        worst = float(self.source.worst_case(spec, messages, params))
        with self._lock:
            if self.spent_usd + self.held_usd + worst > self.max_cost_usd:
                left = self.max_cost_usd - self.spent_usd - self.held_usd
                self._refuse(spec, call, "max_cost_usd", f"{spec.id} may cost up to ${worst:.6f}; the request's max_cost_usd "
                                             f"{self.max_cost_usd:g} leaves ${left:.6f}")
            reservation = None
            if self.ledger is not None and self.key_id is not None:
                from xrouter.serve.ledger import BudgetExceeded  # noqa: PLC0415

                try:
                    reservation = self.ledger.reserve(self.key_id, self.request_id, worst)
                except BudgetExceeded as err:
                    self._refuse(spec, call, "key_budget", f"{spec.id} may cost up to ${worst:.6f}: {err}")
            self.held_usd += worst
            call_id = unique_call_name(self._names, spec.tool)
            self._names.add(call_id)
        return _Token(call_id, spec, call, worst, reservation)

    def _refuse(self, spec: ModelSpec, call: ModelCall, reason: str, detail: str) -> None:
        """Refuse a call: it never reaches a backend (the episode records it as a failed call)."""
        if self.refusal is None:
            self.refusal, self.refusal_detail = reason, detail
        raise CallRefused(f"budget_exceeded ({reason}): {detail}")

    def after(self, token: _Token, outcome: Completion | str) -> None:
        args = {"system_prompt": token.call.system_prompt, "temperature": token.call.temperature}
        if isinstance(outcome, Completion):
            record = CallRecord.from_completion(0, token.call_id, outcome, requested_model=token.spec.id,
                                                arguments=args, attempts=int(outcome.extra.get("attempts", 1)))
        else:
            record = CallRecord.failed(0, token.call_id, token.spec.id, outcome, arguments=args)
        entry = history_entry(record)
        if self.ledger is not None:
            if token.reservation is None:  # keyless: nothing was reserved
                self.ledger.record_call(self.request_id, entry)
            elif isinstance(outcome, Completion):
                self.ledger.settle(token.reservation, {**entry, "request_id": self.request_id})
            else:
                self.ledger.release(token.reservation, {**entry, "request_id": self.request_id})
        with self._lock:
            self.held_usd -= token.worst_usd
            self.spent_usd += entry["cost"]
        if self.on_call is not None:
            self.on_call(entry)
