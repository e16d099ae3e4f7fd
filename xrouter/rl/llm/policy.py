"""The LLM router's policy: batched sampling of replies and teacher-forced log-probabilities of them.

Any Hugging Face causal LM with a chat template works: SmolLM2-135M-Instruct on CPU (the default here), or
e.g. Qwen2.5-7B-Instruct on a GPU in bf16. Each reply starts with `prefill` (default `<tool_call>{"name": "`),
so the model chooses a tool name rather than having to discover the format; the prefill is part of the
prompt, not of the trained tokens. Log-probabilities are those of the sampling distribution (logits / T), and
the "old" log-probs of DAPO's ratio are computed by the same function after sampling, so they match the
trained ones exactly at the first update.

`grammars` turns on grammar-constrained decoding (what vLLM calls guided decoding): after the prefill the
model may only write one of the completions of the reply's grammar (e.g. `call_gpt_4o_mini"}</tool_call>`)
and then stop; each reply names its grammar (`generate(..., grammar=[...])`, kept in `Turn.grammar`). A
small model (SmolLM2-135M) almost never writes a valid tool name unconstrained, so every group would score
the same and teach nothing; constrained, every reply is a valid call and RL learns *which*. The log-probs
are those of the constrained distribution (logits outside the allowed tokens masked), in sampling and in
training alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


@dataclass
class Turn:
    """One reply of the router: the prompt it saw, the tokens it generated, their log-probs when sampled."""

    prompt_ids: list[int]
    gen_ids: list[int]
    text: str
    logp_old: list[float] | None = None
    grammar: str | None = None


class CompletionTrie:
    """The token sequences a constrained reply may take: next allowed tokens for any generated prefix."""

    def __init__(self, tokenizer: Any, completions: list[str], stop_id: int) -> None:
        self.stop_id = stop_id
        self.next: dict[tuple[int, ...], set[int]] = {}
        for text in completions:
            seq = tokenizer(text, add_special_tokens=False)["input_ids"] + [stop_id]
            for i in range(len(seq)):
                self.next.setdefault(tuple(seq[:i]), set()).add(seq[i])

    def allowed(self, prefix: list[int]) -> list[int]:
        return sorted(self.next.get(tuple(prefix), {self.stop_id}))

    def forced_tail(self, prefix: list[int]) -> list[int] | None:
        """The rest of the reply when no choice is left after `prefix` (ending with the stop token), else None."""
        tail: list[int] = []
        while True:
            nxt = self.allowed(prefix + tail)
            if len(nxt) > 1:
                return None
            tail.append(nxt[0])
            if nxt[0] == self.stop_id:
                return tail

    def decisions(self, gen: list[int]) -> list[int]:
        """Positions of `gen` where the grammar left a choice: the only tokens that carry log-probability."""
        return [i for i in range(len(gen)) if len(self.allowed(gen[:i])) > 1]


class LLMPolicy:
    def __init__(self, model: Any, tokenizer: Any, prefill: str = '<tool_call>{"name": "', temperature: float = 1.0,
                 max_new_tokens: int = 24, max_prompt_tokens: int = 1024,
                 grammars: dict[str, list[str]] | None = None) -> None:
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0 for sampling, got {temperature}")
        self.model, self.tokenizer = model, tokenizer
        self.prefill, self.temperature = prefill, temperature
        self.max_new_tokens, self.max_prompt_tokens = max_new_tokens, max_prompt_tokens
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        eos = model.generation_config.eos_token_id
        self.stop_id = eos[0] if isinstance(eos, list) else eos
        self.tries = {k: CompletionTrie(tokenizer, v, self.stop_id) for k, v in (grammars or {}).items()}

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def prompt_ids(self, messages: list[dict[str, str]]) -> list[int]:
        ids = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        if isinstance(ids, dict) or hasattr(ids, "keys"):
            ids = ids["input_ids"]
        ids = list(ids) + self.tokenizer(self.prefill, add_special_tokens=False)["input_ids"]
        return ids[-self.max_prompt_tokens:]

    @torch.no_grad()
    def generate(self, conversations: list[list[dict[str, str]]], greedy: bool = False,
                 grammar: list[str] | None = None) -> list[Turn]:
        prompts = [self.prompt_ids(m) for m in conversations]
        if self.tries:
            if grammar is None or len(grammar) != len(prompts) or not set(grammar) <= set(self.tries):
                raise ValueError(f"constrained decoding needs one grammar per conversation, among {sorted(self.tries)}")
            return self._generate_constrained(prompts, greedy, grammar)
        width = max(len(p) for p in prompts)
        pad = self.tokenizer.pad_token_id
        ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts], device=self.device)  # left padding
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=self.device)
        kwargs: dict[str, Any] = {"max_new_tokens": self.max_new_tokens, "pad_token_id": pad}
        kwargs.update({"do_sample": False} if greedy else
                      {"do_sample": True, "temperature": self.temperature, "top_k": 0, "top_p": 1.0})
        out = self.model.generate(input_ids=ids, attention_mask=mask, **kwargs)
        eos = self.model.generation_config.eos_token_id
        stops = set(eos if isinstance(eos, list) else [eos]) | {pad}
        turns = []
        for p, row in zip(prompts, out[:, width:].tolist()):
            gen = []
            for t in row:
                gen.append(t)
                if t in stops:
                    break
            turns.append(Turn(p, gen, self.prefill + self.tokenizer.decode(gen, skip_special_tokens=True)))
        return turns

    def _generate_constrained(self, prompts: list[list[int]], greedy: bool, grammar: list[str]) -> list[Turn]:
        """Sample within the grammar with the KV cache; a reply stops as soon as no choice is left (its forced
        tail is appended without running the model), so a call costs a few forward steps, not a whole name."""
        pad = self.tokenizer.pad_token_id
        unique = list(dict.fromkeys(tuple(p) for p in prompts))  # G rollouts of a prompt share its forward pass
        width = max(len(p) for p in unique)
        ids = torch.tensor([[pad] * (width - len(p)) + list(p) for p in unique], device=self.device)
        attn = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in unique], device=self.device)
        pos = (attn.cumsum(1) - 1).clamp(min=0)  # left padding: every prompt's positions start at 0
        out = self.model(input_ids=ids, attention_mask=attn, position_ids=pos, use_cache=True)
        rows = torch.tensor([unique.index(tuple(p)) for p in prompts], device=self.device)
        out.past_key_values.reorder_cache(rows)
        out.logits, attn, nxt_pos = out.logits[rows], attn[rows], pos[rows, -1:] + 1
        gens: list[list[int]] = [[] for _ in prompts]
        done = [False] * len(prompts)
        for _ in range(self.max_new_tokens):
            logits = out.logits[:, -1].float() / self.temperature
            fed = []
            for r, gen in enumerate(gens):
                if done[r]:
                    fed.append(pad)
                    continue
                trie = self.tries[grammar[r]]
                allowed = trie.allowed(gen)
                lg = logits[r, allowed]
                pick = int(lg.argmax()) if greedy else int(torch.multinomial(torch.softmax(lg, -1), 1))
                gen.append(allowed[pick])
                tail = trie.forced_tail(gen)
                if tail is not None:
                    gen.extend(tail)
                    done[r] = True
                fed.append(gen[-1] if not done[r] else pad)
            if all(done):
                break
            attn = torch.cat([attn, torch.tensor([[0 if d else 1] for d in done], device=self.device)], dim=1)
            out = self.model(input_ids=torch.tensor(fed, device=self.device).unsqueeze(1), attention_mask=attn,
                             position_ids=nxt_pos, past_key_values=out.past_key_values, use_cache=True)
            nxt_pos = nxt_pos + 1
        return [Turn(p, g, self.prefill + self.tokenizer.decode(g, skip_special_tokens=True), grammar=k)
                for p, g, k in zip(prompts, gens, grammar)]

    @torch.no_grad()
    def completion_logprobs(self, messages: list[dict[str, str]], completions: list[str],
                            grammar: str | None = None) -> list[float]:
        """Log-probability of each of `completions` (each followed by the stop token) as the reply after the
        prefill, all scored in one pass over the prompt and one over the completions (sharing its KV cache).

        With `grammar` (a constrained policy) the distribution is the constrained one `generate` samples:
        only the grammar's choice points count, their logits masked to the allowed tokens, so the
        probabilities of the grammar's completions sum to 1. Without, every token counts and the rest of the
        probability is on replies that are none of `completions`.
        """
        trie = self.tries[grammar] if grammar is not None else None
        if grammar is not None and trie is None:
            raise ValueError(f"unknown grammar {grammar!r}; this policy has {sorted(self.tries)}")
        prompt = self.prompt_ids(messages)
        seqs = [self.tokenizer(c, add_special_tokens=False)["input_ids"] + [self.stop_id] for c in completions]
        out = self.model(input_ids=torch.tensor([prompt], device=self.device), use_cache=True)
        n, width = len(seqs), max(len(q) for q in seqs)
        out.past_key_values.reorder_cache(torch.zeros(n, dtype=torch.long, device=self.device))
        pad = self.tokenizer.pad_token_id
        ids = torch.tensor([q + [pad] * (width - len(q)) for q in seqs], device=self.device)
        attn = torch.tensor([[1] * len(prompt) + [1] * len(q) + [0] * (width - len(q)) for q in seqs],
                            device=self.device)
        pos = torch.arange(len(prompt), len(prompt) + width, device=self.device).expand(n, width)
        rest = self.model(input_ids=ids, attention_mask=attn, position_ids=pos, past_key_values=out.past_key_values,
                          use_cache=True).logits
        # position 0 of a completion is predicted by the prompt's last logits, position i > 0 by rest[:, i - 1]
        logits = torch.cat([out.logits[:, -1:].expand(n, 1, -1), rest[:, :-1]], dim=1).float() / self.temperature
        scores = []
        for k, q in enumerate(seqs):
            total = 0.0
            for i, tok in enumerate(q):
                lg = logits[k, i]
                if trie is not None:
                    allowed = trie.allowed(q[:i])
                    if len(allowed) == 1:
                        continue  # forced: probability 1 under the grammar
                    lg = lg[allowed]
                    tok = allowed.index(tok) if tok in allowed else None
                    if tok is None:  # not a completion of this grammar
                        total = float("-inf")
                        break
                total += float(torch.log_softmax(lg, -1)[tok])
            scores.append(total)
        return scores

    def logprobs(self, turns: list[Turn]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(logp [N, T], mask [N, T], logits [N, T, V]) of each turn's generated tokens, with gradient.

        Unconstrained, every generated token counts. Constrained, only the tokens where the grammar left a
        choice count (a forced token has probability 1 and no gradient), the logits are masked to the allowed
        tokens, and each sequence is cut after its last choice.
        """
        tries = [self.tries[t.grammar] if self.tries else None for t in turns]
        scored = [tr.decisions(t.gen_ids) if tr else list(range(len(t.gen_ids))) for t, tr in zip(turns, tries)]
        # the logits at the scored positions depend only on the tokens before them: sequences that agree up to
        # their last scored token (G rollouts of one prompt, mostly) share one forward pass
        seqs = [tuple(t.prompt_ids + t.gen_ids[: max(d) if d else 0]) for t, d in zip(turns, scored)]
        unique = list(dict.fromkeys(seqs))
        width = max(len(s) for s in unique)
        pad = self.tokenizer.pad_token_id
        ids = torch.tensor([list(s) + [pad] * (width - len(s)) for s in unique], device=self.device)
        attn = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in unique], device=self.device)
        # hidden states of every position, logits only where a token is scored (a [N, L, V] logits tensor
        # would take gigabytes for a 49k vocabulary)
        hidden = self.model.get_decoder()(input_ids=ids, attention_mask=attn).last_hidden_state
        where = [(unique.index(s), len(t.prompt_ids) - 1 + i) for s, t, d in zip(seqs, turns, scored) for i in d]
        head = self.model.get_output_embeddings()
        flat = head(hidden[[u for u, _ in where], [p for _, p in where]]).float() / self.temperature
        t_max = max(max(len(d) for d in scored), 1)
        vocab = flat.shape[-1]
        picked = torch.zeros(len(turns), t_max, dtype=torch.long, device=self.device)
        mask = torch.zeros(len(turns), t_max, dtype=torch.bool, device=self.device)
        rows, cursor = [], 0
        for k, (t, d, trie) in enumerate(zip(turns, scored, tries)):
            row = []
            for j, i in enumerate(d):
                lg = flat[cursor]  # the hidden state at position p predicts token p + 1
                cursor += 1
                if trie is not None:
                    keep = torch.full((vocab,), float("-inf"), device=self.device)
                    keep[trie.allowed(t.gen_ids[:i])] = 0.0
                    lg = lg + keep
                row.append(lg)
                picked[k, j] = t.gen_ids[i]
                mask[k, j] = True
            rows.append(torch.stack(row) if row else flat.new_zeros(0, vocab))
        lgs = torch.stack([torch.nn.functional.pad(r, (0, 0, 0, t_max - r.shape[0])) for r in rows])
        logp = torch.log_softmax(lgs, dim=-1).gather(-1, picked.unsqueeze(-1)).squeeze(-1)
        return torch.where(mask, logp, torch.zeros_like(logp)), mask, lgs
