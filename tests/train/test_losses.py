"""Preference losses: values computed by hand, the NLL term, and the registry's errors."""

import math

import pytest
import torch

from exante.errors import ExanteError
from exante.train.losses import LOSSES, LossParams, PairLogps, get_loss, preference_loss


def t(*values):
    return torch.tensor(values, dtype=torch.float32)


def softplus(x):  # −log σ(x)
    return math.log1p(math.exp(-x))


# One pair: log π(y_w) = −10, log π_ref(y_w) = −12, log π(y_l) = −15, log π_ref(y_l) = −14, so h = 2 − (−1) = 3.
PAIR = PairLogps(policy_chosen=t(-10.0), policy_rejected=t(-15.0), chosen_tokens=t(20), rejected_tokens=t(50),
                 ref_chosen=t(-12.0), ref_rejected=t(-14.0))


def test_dpo_is_softplus_of_minus_beta_h_with_log_ratio_rewards():
    """L = −log σ(β·h) = −log σ(0.1·3) = 0.5544; rewards β·(−10+12) = 0.2 and β·(−15+14) = −0.1."""
    out = get_loss("sigmoid")(PAIR, LossParams(beta=0.1))
    assert out.losses.item() == pytest.approx(softplus(0.3), abs=1e-6)
    assert out.losses.item() == pytest.approx(0.5544, abs=1e-4)
    assert out.chosen_rewards.item() == pytest.approx(0.2, abs=1e-6)
    assert out.rejected_rewards.item() == pytest.approx(-0.1, abs=1e-6)


def test_ipo_is_the_squared_distance_of_h_to_one_over_two_beta():
    """L = (h − 1/(2β))²: (3 − 5)² = 4 at β = 0.1 and (3 − 2)² = 1 at β = 0.25."""
    assert get_loss("ipo")(PAIR, LossParams(beta=0.1)).losses.item() == pytest.approx(4.0, abs=1e-5)
    assert get_loss("ipo")(PAIR, LossParams(beta=0.25)).losses.item() == pytest.approx(1.0, abs=1e-5)


def test_rdpo_adds_alpha_times_the_length_difference_to_the_logit():
    """L = −log σ(β·h + α·(|y_w| − |y_l|)) = −log σ(0.3 + 0.01·(20 − 50)) = −log σ(0) = log 2."""
    out = get_loss("rdpo")(PAIR, LossParams(beta=0.1, rdpo_alpha=0.01))
    assert out.losses.item() == pytest.approx(math.log(2), abs=1e-6)
    assert get_loss("rdpo")(PAIR, LossParams(beta=0.1, rdpo_alpha=0.0)).losses.item() == pytest.approx(softplus(0.3), abs=1e-6)


def test_rdpo_with_alpha_pushes_harder_towards_the_shorter_response_than_alpha_zero():
    """∂L/∂h = −β·σ(−(β·h + α·Δ)): with α > 0 its size grows when the chosen response is the
    shorter (Δ < 0) and shrinks when it is the longer (Δ > 0), at the same log-probs."""

    def pull_on_chosen(alpha, chosen_tokens, rejected_tokens):
        policy_chosen = torch.tensor([-10.0], requires_grad=True)
        pair = PairLogps(policy_chosen, t(-15.0), t(chosen_tokens), t(rejected_tokens), t(-12.0), t(-14.0))
        get_loss("rdpo")(pair, LossParams(beta=0.1, rdpo_alpha=alpha)).losses.sum().backward()
        return -policy_chosen.grad.item()  # how strongly gradient descent raises log π(y_w)

    shorter_chosen, longer_chosen = (20, 50), (50, 20)
    assert pull_on_chosen(0.01, *shorter_chosen) > pull_on_chosen(0.0, *shorter_chosen) > 0
    assert 0 < pull_on_chosen(0.01, *longer_chosen) < pull_on_chosen(0.0, *longer_chosen)


def test_simpo_uses_length_normalised_log_probs_and_a_margin_without_reference():
    """β = 2, γ = 0.5: rewards 2·(−10/10) = −2 and 2·(−30/20) = −3; L = −log σ(−2 + 3 − 0.5) = 0.4741."""
    pair = PairLogps(policy_chosen=t(-10.0), policy_rejected=t(-30.0), chosen_tokens=t(10), rejected_tokens=t(20))
    out = get_loss("simpo")(pair, LossParams(beta=2.0, simpo_gamma=0.5))
    assert out.losses.item() == pytest.approx(softplus(0.5), abs=1e-6)
    assert out.losses.item() == pytest.approx(0.4741, abs=1e-4)
    assert (out.chosen_rewards.item(), out.rejected_rewards.item()) == pytest.approx((-2.0, -3.0))


LD_PAIR = PairLogps(  # chosen 3 tokens, rejected 5: shared length 3
    policy_chosen=t(-6.0), policy_rejected=t(-10.0), chosen_tokens=t(3), rejected_tokens=t(5),
    ref_chosen=t(-9.0), ref_rejected=t(-8.0),
    policy_chosen_shared=t(-6.0), policy_rejected_shared=t(-6.0), ref_chosen_shared=t(-9.0), ref_rejected_shared=t(-5.0),
)


def test_ld_dpo_scales_only_the_longer_responses_excess_by_alpha():
    """α = 0.5: rejected −6 + 0.5·(−4) = −8, its reference −5 + 0.5·(−3) = −6.5; chosen unchanged.
    h = (−6 + 9) − (−8 + 6.5) = 4.5, L = −log σ(0.45) = 0.4932."""
    out = get_loss("ld")(LD_PAIR, LossParams(beta=0.1, ld_alpha=0.5))
    assert out.losses.item() == pytest.approx(softplus(0.45), abs=1e-6)
    assert out.losses.item() == pytest.approx(0.4932, abs=1e-4)


def test_ld_dpo_with_alpha_one_is_dpo_and_with_alpha_zero_ignores_the_excess():
    dpo = get_loss("sigmoid")(LD_PAIR, LossParams(beta=0.1)).losses.item()
    assert get_loss("ld")(LD_PAIR, LossParams(beta=0.1, ld_alpha=1.0)).losses.item() == pytest.approx(dpo, abs=1e-6)
    # α = 0: h = (−6 + 9) − (−6 + 5) = 4
    assert get_loss("ld")(LD_PAIR, LossParams(beta=0.1, ld_alpha=0.0)).losses.item() == pytest.approx(softplus(0.4), abs=1e-6)


def test_nll_term_adds_lambda_times_the_chosen_mean_negative_log_prob():
    """λ = 0.5: + 0.5·(10/20) = 0.25 on top of DPO's 0.5544."""
    out = preference_loss("sigmoid", PAIR, LossParams(beta=0.1), nll_weight=0.5)
    assert out.losses.item() == pytest.approx(softplus(0.3) + 0.25, abs=1e-6)


def test_losses_are_per_pair_over_a_batch():
    batch = PairLogps(policy_chosen=t(-10.0, -1.0), policy_rejected=t(-15.0, -1.0), chosen_tokens=t(20, 5),
                      rejected_tokens=t(50, 5), ref_chosen=t(-12.0, -1.0), ref_rejected=t(-14.0, -1.0))
    losses = get_loss("sigmoid")(batch, LossParams(beta=0.1)).losses
    assert losses.tolist() == pytest.approx([softplus(0.3), math.log(2)], abs=1e-6)


def test_every_registered_loss_except_simpo_requires_reference_log_probs():
    no_ref = PairLogps(policy_chosen=t(-1.0), policy_rejected=t(-2.0), chosen_tokens=t(1), rejected_tokens=t(1))
    for name in set(LOSSES) - {"simpo"}:
        with pytest.raises(ExanteError, match="reference"):
            get_loss(name)(no_ref, LossParams())


def test_unknown_loss_names_the_known_ones():
    with pytest.raises(ExanteError, match="sigmoid, ipo, rdpo, simpo, ld"):
        get_loss("kto")
