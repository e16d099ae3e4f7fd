"""The replay world's facts: what each model really did on each prompt, as one long table.

Two upstream sources share the layout of `OUTCOME_COLUMNS`:

* **ZeroEval** (GSM8K, MATH level 5, CruxEval-O): 0/1 correctness per (prompt, model). Upstream records only
  characters, so tokens are estimated as ``ceil(chars / chars_per_token)`` (``tokens_estimated`` is true).
  Input characters are the ZeroEval prompt text; output characters the visible response (o1 models' hidden
  reasoning tokens are billed through the price catalog's output multiplier, not here).
* **LLMRouter** (14 tasks, grouped upstream into 3 clusters): a score in [0, 1] per (prompt, model) and no
  text lengths of the responses. Input tokens are estimated from the question the same way; output tokens
  are a stated assumption (``assumed_output_tokens``). A call is *correct* when its score reaches
  ``correct_min_score``. The bundle carries no task names, so ``task`` is the upstream cluster
  (``cluster0``…); prompt ids are content hashes of the question, stable under reordering.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pandas as pd

from xrouter.data.bundle import (
    LLMROUTER_TRAIN,
    ZEROEVAL_OUTCOMES,
    ZEROEVAL_PROMPTS,
    ZEROEVAL_RESPONSES,
    BundleError,
    bundle_file,
    iter_csv,
    iter_jsonl,
    read_json,
    require,
)
from xrouter.data.prices import token_cost_usd
from xrouter.data.schema import OUTCOME_COLUMNS, PROMPT_COLUMNS

ZEROEVAL_FIELDS = ("prompt_id", "task", "model", "correct", "no_answer", "input_chars", "output_chars")


def estimate_tokens(chars: int, chars_per_token: float) -> int:
    """Tokens for a text of `chars` characters, rounded up (a non-empty text is at least one token)."""
    return int(math.ceil(chars / chars_per_token)) if chars > 0 else 0


def llmrouter_prompt_id(question: str) -> str:
    return "llmrouter:" + hashlib.sha1(question.encode("utf-8")).hexdigest()[:16]


def load_zeroeval_outcomes(bundle: Path, chars_per_token: float) -> pd.DataFrame:
    path = bundle_file(bundle, ZEROEVAL_OUTCOMES)
    df = pd.DataFrame(list(iter_csv(path, ZEROEVAL_FIELDS)))
    for col in ("correct", "no_answer", "input_chars", "output_chars"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    bad = df[["correct", "no_answer", "input_chars", "output_chars"]].isna().any(axis=1)
    if bad.any():
        raise BundleError(f"{path}: non-numeric values in rows {list(df.index[bad][:5] + 2)}")
    return pd.DataFrame(
        {
            "prompt_id": df["prompt_id"],
            "source": "zeroeval",
            "task": df["task"],
            "model": df["model"],
            "correct": df["correct"].astype("int64"),
            "score": df["correct"].astype("float64"),
            "no_answer": df["no_answer"].astype("int64"),
            "input_tokens": df["input_chars"].map(lambda c: estimate_tokens(int(c), chars_per_token)),
            "output_tokens": df["output_chars"].map(lambda c: estimate_tokens(int(c), chars_per_token)),
            "tokens_estimated": True,
        }
    )


def _llmrouter_records(bundle: Path) -> list[dict]:
    path = bundle_file(bundle, LLMROUTER_TRAIN)
    records = read_json(path)
    if not isinstance(records, list):
        raise BundleError(f"{path}: expected a list of prompt records")
    for i, rec in enumerate(records):
        where = f"{path}[{i}]"
        require(rec, "question", where)
        if not isinstance(require(rec, "scores", where), dict):
            raise BundleError(f"{where}: field 'scores' must map model -> score")
    return records


# Upstream's train split clusters its prompts (`cluster_id`); its test split and other exports may not. A
# record without one gets this task name: the prompt still routes and scores, its task is just unknown.
LLMROUTER_UNCLUSTERED_TASK = "unclustered"


def llmrouter_task(rec: dict) -> str:
    """The replay task of an LLMRouter record: `cluster<id>`, or `unclustered` when upstream gives no cluster."""
    cid = rec.get("cluster_id")
    return LLMROUTER_UNCLUSTERED_TASK if cid is None else f"cluster{cid}"


def load_llmrouter_outcomes(
    bundle: Path, chars_per_token: float, assumed_output_tokens: int, correct_min_score: float
) -> pd.DataFrame:
    rows = []
    for rec in _llmrouter_records(bundle):
        pid = llmrouter_prompt_id(rec["question"])
        in_tokens = estimate_tokens(len(rec["question"]), chars_per_token)
        for model, score in rec["scores"].items():
            score = float(score)
            rows.append(
                {
                    "prompt_id": pid,
                    "source": "llmrouter",
                    "task": llmrouter_task(rec),
                    "model": model,
                    "correct": int(score >= correct_min_score),
                    "score": score,
                    "no_answer": 0,
                    "input_tokens": in_tokens,
                    "output_tokens": assumed_output_tokens,
                    "tokens_estimated": True,
                }
            )
    return pd.DataFrame(rows)


def attach_costs(outcomes: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    """Add `cost_usd` from the price catalog; a model missing from the catalog gets NaN (validate rejects it)."""
    p = prices.set_index("model")
    pin = outcomes["model"].map(p["input_usd_per_mtok"])
    pout = outcomes["model"].map(p["output_usd_per_mtok"])
    mult = outcomes["model"].map(p["output_token_multiplier"])
    out = outcomes.copy()
    out["cost_usd"] = token_cost_usd(pin, pout, mult, out["input_tokens"], out["output_tokens"])
    return out[list(OUTCOME_COLUMNS)]


def load_outcomes(
    bundle: Path, chars_per_token: float, assumed_output_tokens: int, correct_min_score: float
) -> pd.DataFrame:
    """Both sources, without costs (see `attach_costs`)."""
    z = load_zeroeval_outcomes(bundle, chars_per_token)
    r = load_llmrouter_outcomes(bundle, chars_per_token, assumed_output_tokens, correct_min_score)
    return pd.concat([z, r], ignore_index=True)


def load_replay_prompts(bundle: Path) -> pd.DataFrame:
    """Every replay prompt: the question a router sees, the exact prompt the models got, and the gold answer
    (LLMRouter records no gold answers: its gold is empty and its outcomes carry the scores instead)."""
    path = bundle_file(bundle, ZEROEVAL_PROMPTS)
    rows = []
    for i, rec in enumerate(iter_jsonl(path), 1):
        where = f"{path}:{i}"
        rows.append(
            {
                "prompt_id": require(rec, "prompt_id", where),
                "source": "zeroeval",
                "task": require(rec, "task", where),
                "question": require(rec, "question", where),
                "prompt": require(rec, "zeroeval_prompt", where),
                "gold": _zeroeval_gold(require(rec, "answer", where)),
            }
        )
    for rec in _llmrouter_records(bundle):
        rows.append(
            {
                "prompt_id": llmrouter_prompt_id(rec["question"]),
                "source": "llmrouter",
                "task": llmrouter_task(rec),
                "question": rec["question"],
                "prompt": rec["question"],
                "gold": "",
            }
        )
    return pd.DataFrame(rows, columns=list(PROMPT_COLUMNS))


def _zeroeval_gold(answer: object) -> str:
    """ZeroEval writes GSM8K gold as '# 18'; the other tasks store the bare answer."""
    text = "" if answer is None else str(answer).strip()
    return text[1:].strip() if text.startswith("#") else text


def load_zeroeval_responses(bundle: Path) -> pd.DataFrame:
    """The raw response text of every (prompt, model) pair in the ZeroEval outcomes."""
    path = bundle_file(bundle, ZEROEVAL_RESPONSES)
    rows = []
    for i, rec in enumerate(iter_jsonl(path), 1):
        where = f"{path}:{i}"
        rows.append((require(rec, "prompt_id", where), require(rec, "model", where), require(rec, "response", where)))
    return pd.DataFrame(rows, columns=["prompt_id", "model", "response"])
