"""One row per pair with the shared prefix computed once gives the two-row scores and gradients."""

import math

import pytest
import torch

from exante.models import build_tiny_model
from exante.train.config import DPOConfig
from exante.train.dpo import run_dpo
from exante.train.encode import Encoder, PairCollator, common_prefix_length
from exante.train.reference import score_pairs
from exante.train.shared_prefix import block_attention_mask

from .conftest import pair_records
from .test_dpo import first_step


def step_pairs(tiny_model) -> list[dict]:
    """Encoded pairs of every kind: different answers, a long common reasoning prefix, one response a prefix of the other."""
    examples = [Encoder(tiny_model.tokenizer, 256).pair_example(r) for r in pair_records(3)]
    shared = examples[0]["chosen_ids"][:-4]
    examples.append({**examples[0], "id": "step", "chosen_ids": shared + [400, 401, 402], "rejected_ids": shared + [500]})
    examples.append({**examples[1], "id": "prefix", "rejected_ids": examples[1]["chosen_ids"][:5]})
    return examples


def scores_and_grads(model, collator, examples) -> tuple[dict, list[torch.Tensor]]:
    model.zero_grad()
    summary = score_pairs(model, collator(examples))
    (summary["chosen"].sum() - 0.5 * summary["rejected"].sum() + 0.1 * summary["chosen_shared"].sum()).backward()
    return summary, [p.grad.clone() for p in model.parameters()]


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_shared_prefix_rows_give_the_two_row_log_probs_and_gradients(tiny_model, attention):
    examples, pad = step_pairs(tiny_model), tiny_model.tokenizer.pad_token_id
    model = build_tiny_model().model.train()
    model.set_attn_implementation(attention)
    two_rows, two_row_grads = scores_and_grads(model, PairCollator(pad, {}), examples)
    one_row, one_row_grads = scores_and_grads(model, PairCollator(pad, {}, share_prefix=True), examples)
    for name, expected in two_rows.items():
        torch.testing.assert_close(one_row[name], expected, rtol=1e-5, atol=1e-4, msg=name)
    for got, expected in zip(one_row_grads, two_row_grads):  # fp32 sums in another order: relative error ~1e-7
        assert torch.linalg.norm(got - expected) <= 1e-5 * torch.linalg.norm(expected)


def test_a_shared_row_holds_fewer_tokens_than_two_rows_by_the_shared_prefix(tiny_model):
    examples, pad = step_pairs(tiny_model), tiny_model.tokenizer.pad_token_id
    two_rows = PairCollator(pad, {})(examples)["attention_mask"].sum().item()
    one_row = PairCollator(pad, {}, share_prefix=True)(examples)["attention_mask"].sum().item()
    # the prompt and the responses' common first tokens are held once; the rejected branch adds one copied token
    saved = sum(len(e["prompt_ids"]) + common_prefix_length(e["chosen_ids"], e["rejected_ids"]) - 1 for e in examples)
    assert two_rows - one_row == saved > 0.3 * two_rows


def test_the_rejected_tail_never_sees_the_chosen_tail():
    # shared: 3 tokens, chosen tail: 2, rejected branch: copy + 2, padding: 1
    segment = torch.tensor([[0, 0, 0, 1, 1, 2, 2, 2, 3]])
    mask = block_attention_mask(segment)[0, 0]
    assert mask[5].tolist() == [True, True, False, False, False, True, False, False, False]  # the copy
    assert mask[7].tolist() == [True, True, False, False, False, True, True, True, False]
    assert mask[4].tolist() == [True, True, True, True, True, False, False, False, False]
    assert mask.any(-1).all()  # no empty row: padding attends to something


@pytest.mark.parametrize("share_prefix", [True, False])
def test_dpo_trains_from_log2_in_either_layout(dpo_config, share_prefix):
    cfg: DPOConfig = dpo_config(share_prefix=share_prefix, max_steps=2)
    summary = run_dpo(cfg)
    assert first_step(cfg.output_dir)["loss"] == pytest.approx(math.log(2), abs=1e-5)
    assert 0 < summary["mfu"] < 1
