"""The router folder's files: the training summary beside the card holds what training produced, not how long
it took, so the same router trained twice is the same folder (and DVC keeps the stages after train)."""

from __future__ import annotations

import json

from xrouter.routers.card import SUMMARY_FILE, write_train_summary


def test_the_summary_keeps_the_results_and_drops_wall_clock_times(tmp_path) -> None:
    result = {"policy": "embedded", "val_curve": [{"lambda": 7.0, "accuracy": 0.95}], "operating_point": {"lambda": 7.0}}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_train_summary({**result, "train_seconds": 435.1}, tmp_path / "a")
    second = write_train_summary({**result, "train_seconds": 526.0, "seconds": 530.2}, tmp_path / "b")
    assert first.name == second.name == SUMMARY_FILE
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text()) == result
