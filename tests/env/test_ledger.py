"""The cost ledger: one `CallRecord` per model call, with totals."""

from __future__ import annotations

from xrouter.backends.base import Completion
from xrouter.env.ledger import Ledger
from xrouter.env.types import CallRecord


def test_ledger_totals_by_model_and_records() -> None:
    ledger = Ledger()
    for turn, (model, cost) in enumerate([("a", 0.25), ("b", 0.5), ("a", 0.125)], 1):
        c = Completion(model, "text", 100, 20, cost, 0.1 * turn, backend="replay")
        ledger.record(CallRecord.from_completion(turn, f"call_{model}", c, arguments={"temperature": 0.0}))
    ledger.record(CallRecord.failed(4, "call_c", "c", "BackendError: down", backend="litellm"))
    assert ledger.n_calls == 4 and ledger.total_cost_usd == 0.875
    assert ledger.models_called == ["a", "b", "a", "c"]
    assert ledger.cost_by_model() == {"a": 0.375, "b": 0.5, "c": 0.0}
    assert ledger.entries[1].as_dict() == {
        "turn": 2, "call_name": "call_b", "model": "b", "text": "text", "input_tokens": 100, "output_tokens": 20,
        "cost_usd": 0.5, "latency_s": 0.2, "error": None, "requested_model": "b", "arguments": {"temperature": 0.0},
        "backend": "replay", "tokens_estimated": False, "cached": False, "attempts": 1}
    failed = ledger.entries[3]
    assert failed.error == "BackendError: down" and failed.cost_usd == 0.0 and failed.text == ""
