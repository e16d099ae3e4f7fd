"""A tiny replay world written out literally, for tests that need a world but not the real bundle.

Nine ZeroEval prompts (three each of GSM8K, MATH level 5 and CruxEval-O; questions and gold answers as the
bundle has them) answered by five real ZeroEval models at their real catalog prices, plus two LLMRouter
prompts answered by two LLMRouter models (scores, no response text, as upstream records them). Responses are
short texts written for these tests in the models' styles (ZeroEval's JSON form, Llama's "## Step" form), and the
recorded grades are chosen so that tests can tell models apart (they are not all the real grades); every grade
is what `xrouter.graders` says of its response (tests/support/test_tiny_world.py):

    correct (1) / wrong (0)   gemma  mini  llama  gpt-4o  o1-mini      notes
    gsm:…#0    gold 18          0     1     1      1       1
    gsm:…#462  gold 71          1     1     1      1       1          everyone right
    gsm:…#623  gold 8           0     1     1      1       1
    math-l5:679  gold 4         0     0     0      1       1          gemma, mini and Llama agree on "2"
    math-l5:132  gold -1        0     0     1      1       1          gemma and mini agree on a wrong "0"
    math-l5:680  gold 12        0     1     1      1       1
    crux:…#164  gold [0, 1, 3]  0     1     1      1       1
    crux:…#618  gold '89'       0     1     0      1       1
    crux:…#204  gold ['m', 'a'] 0     1     0      0       1          only the cheap mini and o1 are right
    accuracy                   1/9   7/9   6/9    8/9     9/9

Tokens are written per call (input tokens per prompt, output tokens per response) and costs are computed the
way the `prepare` stage computes them (`attach_costs`: the catalog price, o1-mini's output billed ×7.32 for
its hidden reasoning). Splits: the first prompt of each task is `test`, the second `val`, the third `train`.
Text a router writes itself is graded by `xrouter.graders` against the benchmark items of the GSM8K and
CruxEval-O prompts (`benchmark_items`, written out here too) or, for MATH level 5, against the gold.
"""

from __future__ import annotations

import json

import pandas as pd

from xrouter.data.outcomes import attach_costs
from xrouter.data.schema import (
    BENCHMARK_COLUMNS,
    OUTCOME_COLUMNS,
    PRICE_COLUMNS,
    PROMPT_COLUMNS,
    SPLIT_COLUMNS,
    BenchmarkItem,
)
from xrouter.data.world import ReplayWorld
from xrouter.pool import ModelPool, ModelSpec

GEMMA, MINI, LLAMA, GPT4O, O1 = (
    "gemma-2-2b-it", "gpt-4o-mini-2024-07-18", "Llama-3.1-405B-Inst@sambanova", "gpt-4o-2024-08-06",
    "o1-mini-2024-09-12",
)
MODELS = (GEMMA, MINI, LLAMA, GPT4O, O1)  # cheapest first by reference price (1k in + 1k out; o1-mini with its ×7.32 is the priciest)
QWEN, LLAMA8B = "qwen2.5-7b-instruct", "llama-3.1-8b-instruct"  # the LLMRouter models

# model: (tier, input $/M, output $/M, output multiplier, price source, source key, context tokens, strengths)
PRICES: dict[str, tuple] = {
    GEMMA: ("budget", 0.10, 0.10, 1.0, "litellm", "together-ai-up-to-4b", 8192, "very cheap"),
    MINI: ("budget", 0.15, 0.60, 1.0, "litellm", "gpt-4o-mini-2024-07-18", 128000, "cheap, strong grade-school math"),
    LLAMA: ("premium", 3.50, 3.50, 1.0, "litellm", "together_ai/meta-llama/Llama-3.1-405B-Instruct", 128000,
            "open-weight frontier, math"),
    GPT4O: ("premium", 2.50, 10.00, 1.0, "litellm", "gpt-4o-2024-08-06", 128000, "general reasoning, math, code"),
    O1: ("specialized", 1.10, 4.40, 7.32, "litellm", "azure/o1-mini-2024-09-12", 128000,
         "hidden chain-of-thought reasoning, competition math"),
    QWEN: ("budget", 0.20, 0.20, 1.0, "llmrouter", "qwen2.5-7b-instruct", 32768, "cheap, math"),
    LLAMA8B: ("budget", 0.20, 0.20, 1.0, "llmrouter", "llama-3.1-8b-instruct", 128000, "cheap"),
}

CRUX_INSTRUCTION = (
    "You are given a Python function and an assertion containing an input to the function. Complete the assertion "
    "with a literal (no unsimplified expressions, no function calls) containing the output when executing the "
    "provided code on the given input, even if the function is incorrect or incomplete. \n\n"
)
# CruxEval-O: code, input, output (the gold), as the bundle's benchmark item has them
CRUX: dict[str, tuple[str, str, str]] = {
    "crux:crux-test-#164": ("def f(lst):\n    lst.sort()\n    return lst[0:3]", "[5, 8, 1, 3, 0]", "[0, 1, 3]"),
    "crux:crux-test-#618": ("def f(match, fill, n):\n    return fill[:n] + match", "'9', '8', 2", "'89'"),
    "crux:crux-test-#204": ("def f(name):\n    return [name[0], name[1][::-1][0]]", '"master. "', "['m', 'a']"),
}


def _crux_question(pid: str) -> str:
    code, arg, _ = CRUX[pid]
    return CRUX_INSTRUCTION + f"[PYTHON]\n{code}\nassert f({arg}) == ??\n[/PYTHON]"


# prompt id, task, question, gold, input tokens (of the full ZeroEval prompt), split
PROMPTS: list[tuple[str, str, str, str, int, str]] = [
    ("gsm:gsm8k-main-test-#0", "gsm",
     ("Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her "
      "friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. "
      "How much in dollars does she make every day at the farmers' market?"), "18", 150, "test"),
    ("gsm:gsm8k-main-test-#462", "gsm",
     "Ali had $21. Leila gave him half of her $100. How much does Ali have now?", "71", 98, "val"),
    ("gsm:gsm8k-main-test-#623", "gsm",
     "Charmaine will be 16 years old in 12 years. How old will she be 4 years from now?", "8", 100, "train"),
    ("math-l5:679", "math-l5", "How many integer divisors does $7$ have?", "4", 90, "test"),
    ("math-l5:132", "math-l5", "Compute $i+i^2+i^3+\\cdots+i^{258}+i^{259}$.", "-1", 91, "val"),
    ("math-l5:680", "math-l5", "Simplify: $\\frac{\\sqrt{2.5^2-0.7^2}}{2.7-2.5}$.", "12", 92, "train"),
    ("crux:crux-test-#164", "crux", _crux_question("crux:crux-test-#164"), "[0, 1, 3]", 179, "test"),
    ("crux:crux-test-#618", "crux", _crux_question("crux:crux-test-#618"), "'89'", 179, "val"),
    ("crux:crux-test-#204", "crux", _crux_question("crux:crux-test-#204"), "['m', 'a']", 179, "train"),
]
G0, G1, G2, M0, M1, M2, C0, C1, C2 = (p[0] for p in PROMPTS)

ZEROEVAL_INSTRUCTION = (
    "\n\n\n## Instruction \n\nPlease answer this question by first reasoning and then providing your answer.\n"
    "Present your reasoning and solution in the following json format. \n"
    "Please show your final answer in the `answer` field, e.g.,`\"answer\": \"42\"`.\n\n"
    "```json\n{\n    \"reasoning\": \"___\",\n    \"answer\": \"___\"\n}\n```\n"
)


def zeroeval_prompt(question: str) -> str:
    """The full prompt ZeroEval sent the models (the bundle's `zeroeval_prompt`)."""
    return "\n## Question: \n\n" + question + ZEROEVAL_INSTRUCTION


def zeroeval_json(reasoning: str, answer: str) -> str:
    """A response in ZeroEval's requested JSON form."""
    return "```json\n" + json.dumps({"reasoning": reasoning, "answer": answer}, indent=4, ensure_ascii=False) + "\n```"


J = zeroeval_json
# prompt id -> model -> (correct, output tokens, response text)
RECORDED: dict[str, dict[str, tuple[int, int, str]]] = {
    G0: {
        GEMMA: (0, 61, J("16 - 3 - 4 = 9 eggs are left. 9 + 4 = 13 eggs at $2 each is $26.", "26")),
        MINI: (1, 83, J("16 - 3 - 4 = 9 eggs remain; 9 × $2 = $18 per day.", "18")),
        LLAMA: (1, 128, ("## Step 1: Eggs left after breakfast and baking: 16 - 3 - 4 = 9.\n\n## Step 2: Revenue: "
                         "9 × $2 = $18.\n\nThe final answer is: $\\boxed{18}$")),
        GPT4O: (1, 95, J("Janet has 16 - 3 - 4 = 9 eggs to sell at $2 each, so she makes 9 * 2 = 18 dollars.", "18")),
        O1: (1, 60, J("9 eggs are sold at $2: $18.", "18")),
    },
    G1: {
        GEMMA: (1, 52, J("Leila gave him $100 / 2 = $50, so Ali has $21 + $50 = $71.", "71")),
        MINI: (1, 56, J("Half of $100 is $50; $21 + $50 = $71.", "71")),
        LLAMA: (1, 42, J("Ali now has $21 + $50 = $71.", "71")),
        GPT4O: (1, 44, J("Ali has 21 + 100 / 2 = 71 dollars.", "71")),
        O1: (1, 40, J("21 + 50 = 71.", "71")),
    },
    G2: {
        GEMMA: (0, 48, J("She is 16 - 12 = 4 now; in 4 years she adds 16 more.", "20")),
        MINI: (1, 76, J("She is 16 - 12 = 4 years old now, so in 4 years she will be 8.", "8")),
        LLAMA: (1, 99, J("Current age 16 - 12 = 4; 4 + 4 = 8.", "8")),
        GPT4O: (1, 78, J("Her current age is 4, so 4 years from now she will be 8.", "8")),
        O1: (1, 54, J("4 + 4 = 8.", "8")),
    },
    M0: {
        GEMMA: (0, 41, J("7 is prime: its divisors are 1 and 7.", "2")),
        MINI: (0, 51, J("7 is a prime number with exactly two divisors, 1 and 7.", "2")),
        LLAMA: (0, 68, J("The divisors of 7 are 1 and 7.", "2")),
        GPT4O: (1, 100, J("Counting negative divisors too: -7, -1, 1 and 7.", "4")),
        O1: (1, 68, J("Integer divisors include negatives: ±1 and ±7, four in all.", "4")),
    },
    M1: {
        GEMMA: (0, 74, J("The powers of i cycle with period 4 and each cycle sums to zero.", "0")),
        MINI: (0, 184, J("The sum of every four consecutive powers of i is 0, so the sum is 0.", "0")),
        LLAMA: (1, 336, ("## Step 1: Group the 259 terms into 64 cycles of four, each summing to 0.\n\n## Step 2: "
                         "The remaining terms are i^{257} + i^{258} + i^{259} = i - 1 - i = -1.\n\n"
                         "The final answer is: $\\boxed{-1}$")),
        GPT4O: (1, 170, J("64 full cycles sum to 0; i - 1 - i = -1 remains.", "-1")),
        O1: (1, 112, J("i^{257} + i^{258} + i^{259} = i - 1 - i = -1.", "-1")),
    },
    M2: {
        GEMMA: (0, 82, J("(2.5 - 0.7) / (2.7 - 2.5) = 1.8 / 0.2 = 9", "9")),
        MINI: (1, 329, J("sqrt(6.25 - 0.49) = sqrt(5.76) = 2.4 and 2.4 / 0.2 = 12.", "12")),
        LLAMA: (1, 202, J("The numerator is 2.4, the denominator 0.2: 12.", "12")),
        GPT4O: (1, 140, J("sqrt(5.76) / 0.2 = 2.4 / 0.2 = 12", "12")),
        O1: (1, 63, J("√5.76 = 2.4; 2.4 / 0.2 = 12.", "12")),
    },
    C0: {
        GEMMA: (0, 70, J("The function returns the first three elements of the list.", " [1, 3, 5]")),
        MINI: (1, 101, J("Sorted: [0, 1, 3, 5, 8]; the first three are [0, 1, 3].", "[0, 1, 3]")),
        LLAMA: (1, 69, J("sorted([5, 8, 1, 3, 0])[0:3] is [0, 1, 3].", "[0, 1, 3]")),
        GPT4O: (1, 104, J("lst.sort() gives [0, 1, 3, 5, 8]; lst[0:3] is [0, 1, 3].", "[0, 1, 3]")),
        O1: (1, 100, J("After sorting, the slice is [0, 1, 3].", "[0, 1, 3]")),
    },
    C1: {
        GEMMA: (0, 76, J("The first 2 characters of '8' repeated: '88'.", "'88'")),
        MINI: (1, 103, J("fill[:2] is '8' (it has one character); '8' + '9' = '89'.", "'89'")),
        LLAMA: (0, 93, J("fill[:n] is '8' and match is '9', so the result is '8'.", "'8'")),
        GPT4O: (1, 125, J("'8'[:2] is '8'; concatenated with '9' gives '89'.", "'89'")),
        O1: (1, 92, J("'8'[:2] + '9' = '89'.", "'89'")),
    },
    C2: {
        GEMMA: (0, 91, J("name[0] is 'm' and the reversed first character is 'r'.", "['m', 'r']")),
        MINI: (1, 382, J("name[1] is 'a'; reversing a one-character string gives 'a'.", "['m', 'a']")),
        LLAMA: (0, 93, J("The first character of the reversed rest is ' '.", "['m', ' ']")),
        GPT4O: (0, 157, J("name[1][::-1] is the reversed tail; its first character is '.'.", "['m', '.']")),
        O1: (1, 150, J("name[1] is 'a', so name[1][::-1][0] is 'a'.", "['m', 'a']")),
    },
}

# LLMRouter: question, task (upstream cluster), split, {model: score}; a call is correct at score 1.0
# (params.yaml prepare.llmrouter_correct_min_score) and is billed 256 output tokens (assumed_output_tokens).
LLMROUTER_PROMPTS: list[tuple[str, str, str, str, dict[str, float]]] = [
    ("llmrouter:0a1b2c3d4e5f6071", "cluster0", "Which planet is known as the Red Planet?", "train",
     {QWEN: 1.0, LLAMA8B: 1.0}),
    ("llmrouter:8192a3b4c5d6e7f8", "cluster1", "Translate 'good morning' into French.", "test",
     {QWEN: 1.0, LLAMA8B: 0.5}),
]
LLMROUTER_OUTPUT_TOKENS = 256
CHARS_PER_TOKEN = 4


def benchmark_items() -> list[BenchmarkItem]:
    """The bundle's benchmark items behind the GSM8K and CruxEval-O prompts (`gsm8k/N`, `cruxeval_o/sample_N`;
    gold and grader as the bundle has them, instructions abridged): what a router's own answer on those prompts
    is graded against."""
    items = []
    for pid, task, question, gold, _, _ in PROMPTS:
        n = pid.rsplit("#", 1)[-1]
        if task == "gsm":
            text = question + "\n\nWork through the problem step by step, then give your final answer in \\boxed{}."
            items.append(BenchmarkItem(f"gsm8k/{n}", "gsm8k", "", "math", [{"role": "user", "content": text}],
                                       {"answers": [gold]}, "math_verify", {"all_required": False}))
        elif task == "crux":
            code, arg, out = CRUX[pid]
            text = ("Replace ?? with the exact value the function returns for that input, then write the completed "
                    f"assertion between [ANSWER] and [/ANSWER].\n\n```python\n{code}\nassert f({arg}) == ??\n```")
            items.append(BenchmarkItem(f"cruxeval_o/sample_{n}", "cruxeval_o", "", "code_reasoning",
                                       [{"role": "user", "content": text}], {"code": code, "input": arg, "output": out},
                                       "cruxeval_output", {}))
    return items


def _llmrouter_input_tokens(question: str) -> int:
    return -(-len(question) // CHARS_PER_TOKEN)  # ceil, as `prepare` estimates them


def tables() -> dict[str, pd.DataFrame]:
    """The world's tables in the prepared layout (`data/*.parquet`): benchmarks (the six items above only),
    prompts, outcomes, responses, prices, splits."""
    prompts = [(pid, "zeroeval", task, q, zeroeval_prompt(q), gold) for pid, task, q, gold, _, _ in PROMPTS]
    prompts += [(pid, "llmrouter", task, q, q, "") for pid, task, q, _, _ in LLMROUTER_PROMPTS]
    outcomes, responses = [], []
    for pid, task, _, _, input_tokens, _ in PROMPTS:
        for model, (correct, output_tokens, text) in RECORDED[pid].items():
            outcomes.append((pid, "zeroeval", task, model, correct, float(correct), 0, input_tokens, output_tokens,
                             True))
            responses.append((pid, model, text))
    for pid, task, question, _, scores in LLMROUTER_PROMPTS:
        for model, score in scores.items():
            outcomes.append((pid, "llmrouter", task, model, int(score >= 1.0), score, 0,
                             _llmrouter_input_tokens(question), LLMROUTER_OUTPUT_TOKENS, True))
    prices = pd.DataFrame(
        [(m, pin, pout, mult, src, key, "tiny test world") for m, (_, pin, pout, mult, src, key, _, _) in PRICES.items()],
        columns=list(PRICE_COLUMNS))
    cost_free = [c for c in OUTCOME_COLUMNS if c != "cost_usd"]
    splits = [(pid, "zeroeval", task, split) for pid, task, _, _, _, split in PROMPTS]
    splits += [(pid, "llmrouter", task, split) for pid, task, _, split, _ in LLMROUTER_PROMPTS]
    return {
        "benchmarks": pd.DataFrame([i.to_row() for i in benchmark_items()], columns=list(BENCHMARK_COLUMNS)),
        "prompts": pd.DataFrame(prompts, columns=list(PROMPT_COLUMNS)),
        "outcomes": attach_costs(pd.DataFrame(outcomes, columns=cost_free), prices),
        "responses": pd.DataFrame(responses, columns=["prompt_id", "model", "response"]),
        "prices": prices,
        "splits": pd.DataFrame(splits, columns=list(SPLIT_COLUMNS)),
    }


def tiny_world() -> ReplayWorld:
    t = tables()
    return ReplayWorld(t["prompts"], t["outcomes"], t["responses"], t["prices"], benchmark_items)


def tiny_pool(world: ReplayWorld | None = None, name: str = "tiny") -> ModelPool:
    """The five ZeroEval models as a pool, priced from the world's price table (as `load_pool` prices a replay
    pool from the catalog)."""
    prices = (world or tiny_world()).prices.set_index("model")
    specs = []
    for m in MODELS:
        tier, *_, ctx, strengths = PRICES[m]
        row = prices.loc[m]
        specs.append(ModelSpec(m, m, tier, float(row["input_usd_per_mtok"]), float(row["output_usd_per_mtok"]),
                               float(row["output_token_multiplier"]), ctx, strengths))
    return ModelPool(name, tuple(specs))


def split_ids(split: str, source: str = "zeroeval") -> list[str]:
    """Sorted prompt ids of one split (as `xrouter.data.splits.split_ids` returns them)."""
    rows = [(p[0], p[5]) for p in PROMPTS] if source == "zeroeval" else [(p[0], p[3]) for p in LLMROUTER_PROMPTS]
    return sorted(pid for pid, s in rows if s == split)
