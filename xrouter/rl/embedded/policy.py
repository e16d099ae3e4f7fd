"""The embedded router's policy network: decision features -> logits over M+1 actions.

The prompt embedding goes through a narrow projection (`embed_proj` units, dropout) before it meets the
response features: with ~1.4k train prompts a wide path memorizes which model was right on each prompt
instead of learning what generalizes (the task a prompt looks like, and whether answers agree).
"""

from __future__ import annotations

import torch

from xrouter.rl.embedded.state import feature_dim


class EmbeddedPolicy(torch.nn.Module):
    def __init__(self, embed_dim: int, n_models: int, hidden: int = 128, embed_proj: int = 32,
                 dropout: float = 0.1, verifier: bool = False, select: str = "agreement") -> None:
        """`verifier`: the features include the correctness verifier's estimates (state.py); `select`: ACCEPT's
        rule (agreement, or likely: needs the verifier)."""
        super().__init__()
        if select == "likely" and not verifier:
            raise ValueError("select rule 'likely' needs verifier=True")
        self.embed_dim, self.n_models, self.hidden = embed_dim, n_models, hidden
        self.verifier, self.select = verifier, select
        rest = feature_dim(embed_dim, n_models, verifier) - embed_dim
        self.prompt = torch.nn.Sequential(torch.nn.Dropout(dropout), torch.nn.Linear(embed_dim, embed_proj),
                                          torch.nn.GELU())
        self.net = torch.nn.Sequential(
            torch.nn.Linear(embed_proj + rest, hidden), torch.nn.GELU(),
            torch.nn.Linear(hidden, hidden), torch.nn.GELU(),
            torch.nn.Linear(hidden, n_models + 1),
        )

    def forward(self, feats: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Masked logits [B, M+1]: invalid actions get -inf."""
        p = self.prompt(feats[:, : self.embed_dim])
        return self.net(torch.cat([p, feats[:, self.embed_dim :]], dim=1)).masked_fill(~valid, float("-inf"))
