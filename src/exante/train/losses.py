"""Preference losses: pure functions over per-pair sequence log-probs, chosen from a registry.

Notation (METHODS.md §3): π the policy, π_ref the reference, y_w chosen, y_l rejected, |y| the
number of response tokens, σ the sigmoid, h = (log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l)).
Every loss maps a ``PairLogps`` to ``LossOutput(losses, chosen_rewards, rejected_rewards)``, one value
per pair; the trainer weights and averages them. Rewards are the implicit rewards each loss
optimises (β·log-ratio for the reference-based losses, β·mean log-prob for SimPO), used for
reward margins and accuracies.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

import torch
import torch.nn.functional as F

from exante.errors import ExanteError


@dataclass
class PairLogps:
    """Per-pair log-probs of the responses (summed over response tokens) and their lengths.

    ``*_shared`` is the sum over the first min(|y_w|, |y_l|) response tokens of the same sequence,
    which LD-DPO needs; the other losses ignore it. ``ref_*`` is None for reference-free losses.
    """

    policy_chosen: torch.Tensor
    policy_rejected: torch.Tensor
    chosen_tokens: torch.Tensor
    rejected_tokens: torch.Tensor
    ref_chosen: torch.Tensor | None = None
    ref_rejected: torch.Tensor | None = None
    policy_chosen_shared: torch.Tensor | None = None
    policy_rejected_shared: torch.Tensor | None = None
    ref_chosen_shared: torch.Tensor | None = None
    ref_rejected_shared: torch.Tensor | None = None

    def float(self) -> "PairLogps":
        """All tensors in float32: the loss maths runs in full precision whatever the model dtype."""
        return PairLogps(**{f.name: None if (t := getattr(self, f.name)) is None else t.float() for f in fields(self)})


@dataclass
class LossOutput:
    losses: torch.Tensor
    chosen_rewards: torch.Tensor
    rejected_rewards: torch.Tensor


@dataclass
class LossParams:
    beta: float = 0.1
    rdpo_alpha: float = 0.0
    simpo_gamma: float = 0.5
    ld_alpha: float = 0.5


def _require_reference(lp: PairLogps, name: str) -> None:
    if lp.ref_chosen is None or lp.ref_rejected is None:
        raise ExanteError(f"loss {name!r} needs reference log-probs (precomputed or from the adapter-free base)")


def _logratio_rewards(lp: PairLogps, beta: float) -> tuple[torch.Tensor, torch.Tensor]:
    return beta * (lp.policy_chosen - lp.ref_chosen), beta * (lp.policy_rejected - lp.ref_rejected)


def dpo_loss(lp: PairLogps, p: LossParams) -> LossOutput:
    """DPO: L = −log σ(β·h).

    Example: β = 0.1, log π(y_w) = −10, log π_ref(y_w) = −12, log π(y_l) = −15, log π_ref(y_l) = −14
    ⇒ h = 2 − (−1) = 3, L = −log σ(0.3) = 0.5544; rewards 0.2 and −0.1.
    """
    _require_reference(lp, "sigmoid")
    chosen, rejected = _logratio_rewards(lp, p.beta)
    return LossOutput(-F.logsigmoid(chosen - rejected), chosen, rejected)


def ipo_loss(lp: PairLogps, p: LossParams) -> LossOutput:
    """IPO: L = (h − 1/(2β))², h over summed sequence log-probs (METHODS.md §3).

    TRL divides each log-ratio by the response length first; here h is the plain bracket.
    Example: β = 0.1, h = 3 (as in ``dpo_loss``) ⇒ L = (3 − 5)² = 4.
    """
    _require_reference(lp, "ipo")
    chosen, rejected = _logratio_rewards(lp, p.beta)
    h = (lp.policy_chosen - lp.ref_chosen) - (lp.policy_rejected - lp.ref_rejected)
    return LossOutput((h - 1 / (2 * p.beta)) ** 2, chosen, rejected)


def rdpo_loss(lp: PairLogps, p: LossParams) -> LossOutput:
    """R-DPO (Park et al. 2024): L = −log σ(β·h + α·(|y_w| − |y_l|)).

    With α > 0 a longer chosen response gets the margin for free and a shorter one must earn
    more, so the gradient pushes harder towards short chosen responses. No trainer in TRL,
    OpenRLHF, LLaMA-Factory or Axolotl implements it.
    Example: β = 0.1, h = 3, α = 0.01, |y_w| = 20, |y_l| = 50 ⇒ L = −log σ(0.3 − 0.3) = log 2 = 0.6931.
    """
    _require_reference(lp, "rdpo")
    chosen, rejected = _logratio_rewards(lp, p.beta)
    length_term = p.rdpo_alpha * (lp.chosen_tokens - lp.rejected_tokens)
    return LossOutput(-F.logsigmoid(chosen - rejected + length_term), chosen, rejected)


def simpo_loss(lp: PairLogps, p: LossParams) -> LossOutput:
    """SimPO (no reference): L = −log σ(β/|y_w|·log π(y_w) − β/|y_l|·log π(y_l) − γ).

    Example: β = 2, γ = 0.5, log π(y_w) = −10 over 10 tokens, log π(y_l) = −30 over 20 tokens
    ⇒ rewards −2 and −3, L = −log σ(−2 + 3 − 0.5) = −log σ(0.5) = 0.4741.
    """
    chosen = p.beta * lp.policy_chosen / lp.chosen_tokens.clamp(min=1)
    rejected = p.beta * lp.policy_rejected / lp.rejected_tokens.clamp(min=1)
    return LossOutput(-F.logsigmoid(chosen - rejected - p.simpo_gamma), chosen, rejected)


def ld_logp(total: torch.Tensor, shared: torch.Tensor, alpha: float) -> torch.Tensor:
    """LD-DPO's log-prob of one response: the shared-length part plus α times the excess."""
    return shared + alpha * (total - shared)


def ld_dpo_loss(lp: PairLogps, p: LossParams) -> LossOutput:
    """LD-DPO: DPO where each log-prob (policy and reference) is shared + α·(total − shared).

    ``shared`` sums the first min(|y_w|, |y_l|) response tokens, so only the longer response has
    an excess; α = 1 gives DPO, α = 0 ignores every token past the shorter length.
    Example: β = 0.1, α = 0.5; chosen (3 tokens) total −6 = shared, ref −9 = shared; rejected
    (5 tokens) total −10 with shared −6, ref −8 with shared −5 ⇒ LD log-probs −6, −9, −8, −6.5,
    h = 3 − (−1.5) = 4.5, L = −log σ(0.45) = 0.4932.
    """
    _require_reference(lp, "ld")
    if lp.policy_chosen_shared is None or lp.ref_chosen_shared is None:
        raise ExanteError("loss 'ld' needs shared-length log-probs of policy and reference")
    a = p.ld_alpha
    chosen = p.beta * (ld_logp(lp.policy_chosen, lp.policy_chosen_shared, a) - ld_logp(lp.ref_chosen, lp.ref_chosen_shared, a))
    rejected = p.beta * (
        ld_logp(lp.policy_rejected, lp.policy_rejected_shared, a) - ld_logp(lp.ref_rejected, lp.ref_rejected_shared, a)
    )
    return LossOutput(-F.logsigmoid(chosen - rejected), chosen, rejected)


def nll_term(lp: PairLogps) -> torch.Tensor:
    """−log π(y_w)/|y_w| per pair: the length-normalised NLL of the chosen response (RPO's extra term)."""
    return -lp.policy_chosen / lp.chosen_tokens.clamp(min=1)


LossFn = Callable[[PairLogps, LossParams], LossOutput]
LOSSES: dict[str, LossFn] = {
    "sigmoid": dpo_loss,
    "ipo": ipo_loss,
    "rdpo": rdpo_loss,
    "simpo": simpo_loss,
    "ld": ld_dpo_loss,
}
REFERENCE_FREE = frozenset({"simpo"})


def get_loss(name: str) -> LossFn:
    if name not in LOSSES:
        raise ExanteError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}")
    return LOSSES[name]


def preference_loss(name: str, lp: PairLogps, params: LossParams, nll_weight: float = 0.0) -> LossOutput:
    """The named loss per pair, plus ``nll_weight`` · the chosen response's mean NLL."""
    lp = lp.float()
    out = get_loss(name)(lp, params)
    if nll_weight:
        out = LossOutput(out.losses + nll_weight * nll_term(lp), out.chosen_rewards, out.rejected_rewards)
    return out
