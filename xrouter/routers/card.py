"""The router card: the one file (`router.json`) that says what a trained router folder holds, and the one
place that reads, writes and interprets it — its kind, pool, models, the λ range it was trained on and the λ it
ships at — and resolves the λ a run uses.

    models/router/
      router.json     this card
      policy.pt       embedded router weights      (kind: embedded)
      model/          LLM router weights+tokenizer (kind: llm)
      verifier.pt     the embedded router's correctness verifier, when it has one
      train_summary.json  what training measured (`write_train_summary`: no wall-clock times)

Kind-specific settings (the embedded policy's sizes, the LLM router's prefill and generation settings) live in
`spec`, written flat beside the common keys so the file reads as one record.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xrouter.env.reward import LambdaError, check_lambda
from xrouter.routers.base import RoutingError

CARD_FILE = "router.json"
SUMMARY_FILE = "train_summary.json"
WALL_CLOCK_KEYS = ("seconds", "train_seconds")  # measured, not produced: kept out of the router folder
KINDS = ("embedded", "llm")
_COMMON = ("kind", "pool", "models", "lambda_range", "reward", "training", "operating_lambda")


@dataclass(frozen=True)
class RouterCard:
    kind: str  # embedded | llm
    pool: str  # the pool it was trained on (zeroeval, llmrouter, ...)
    models: list[str]  # the pool models it may call, in the order it was trained with
    lambda_range: tuple[float, float]  # λ it was trained on: requests outside it are refused
    reward: dict[str, Any]  # the reward settings it was trained with (no λ: λ is an input)
    training: dict[str, Any] = field(default_factory=dict)  # steps, seed, sizes of the run
    operating_lambda: float | None = None  # the λ it ships at (chosen on held-out data), None if none chosen
    spec: dict[str, Any] = field(default_factory=dict)  # kind-specific settings

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise RoutingError(f"router card: kind must be one of {list(KINDS)}, got {self.kind!r}")
        lo, hi = (float(x) for x in self.lambda_range)
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo <= hi):
            raise RoutingError(f"router card: lambda_range must be finite with 0 <= low <= high, got {self.lambda_range}")
        object.__setattr__(self, "lambda_range", (lo, hi))

    def to_json(self) -> dict[str, Any]:
        common = {k: getattr(self, k) for k in _COMMON}
        common["lambda_range"] = list(self.lambda_range)
        return {**common, **self.spec}

    @classmethod
    def from_json(cls, raw: dict[str, Any], source: str = CARD_FILE) -> "RouterCard":
        missing = [k for k in ("kind", "pool", "models", "lambda_range") if k not in raw]
        if missing:
            raise RoutingError(f"{source}: missing {', '.join(missing)}")
        spec = {k: v for k, v in raw.items() if k not in _COMMON}
        return cls(raw["kind"], raw["pool"], list(raw["models"]), tuple(raw["lambda_range"]),
                   dict(raw.get("reward") or {}), dict(raw.get("training") or {}), raw.get("operating_lambda"), spec)

    def check_lambda(self, lam: float, what: str = "lambda") -> float:
        """`lam` if it lies in the trained range, else a `LambdaError` saying the range."""
        return check_lambda(lam, self.lambda_range, what)


def is_router_dir(folder: Path) -> bool:
    return (Path(folder) / CARD_FILE).is_file()


def write_card(card: RouterCard, folder: Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CARD_FILE
    path.write_text(json.dumps(card.to_json(), indent=2) + "\n")
    return path


def write_train_summary(summary: dict[str, Any], folder: Path) -> Path:
    """The training summary beside the card, without its wall-clock times (those go to metrics and MLflow), so
    the folder is a function of its inputs alone: a retrained router that came out the same bits is the same
    folder to DVC, and the stages after `train` stay up to date."""
    path = Path(folder) / SUMMARY_FILE
    path.write_text(json.dumps({k: v for k, v in summary.items() if k not in WALL_CLOCK_KEYS}, indent=2) + "\n")
    return path


def read_card(folder: Path) -> RouterCard:
    """The card of a trained router folder; errors name the folder and what is wrong."""
    path = Path(folder) / CARD_FILE
    if not path.is_file():
        raise RoutingError(f"{folder}: not a trained router folder (no {CARD_FILE}); train one with `dvc repro train`")
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise RoutingError(f"{path}: not valid JSON ({err})") from err
    if not isinstance(raw, dict):
        raise RoutingError(f"{path}: must hold a JSON object")
    return RouterCard.from_json(raw, str(path))


def operating_lambda(folder: Path) -> float | None:
    """The λ a trained router folder ships at, or None when the folder holds no router or its card names none."""
    return read_card(folder).operating_lambda if is_router_dir(folder) else None


def resolve_lambda(requested: float | str | None, card: RouterCard | None) -> tuple[float, str]:
    """The λ a run uses and where it came from — resolved once per run, checked once.

    `requested` is a number, or "router" (the card's operating λ). With a card, the λ must lie in the card's
    trained range. A run with nothing to go on (no number, no card with an operating λ) is an error that says
    how to give one."""
    if requested is None or requested == "router":
        if card is None or card.operating_lambda is None:
            raise LambdaError("no λ given and no trained router card with an operating λ: pass --lambda "
                              "(or set evaluate.lam to a number), or train a router first")
        return card.check_lambda(card.operating_lambda, "operating_lambda"), f"{CARD_FILE}: operating_lambda"
    if isinstance(requested, str):
        raise LambdaError(f"lambda must be a number or 'router', got {requested!r}")
    if card is not None:
        return card.check_lambda(requested), "requested"
    return check_lambda(requested), "requested"
