"""sequence_logprobs: the log-probs of the labelled tokens, the same as from full logits, padding-proof."""

import pytest
import torch

from exante.train.encode import pad_rows
from exante.train.logprobs import model_inputs, sequence_logprobs, shared_prefix_logps


def reference_logprobs(model, ids: list[int], prompt_length: int) -> list[float]:
    """log softmax over the full logits, read at each response token: the textbook computation."""
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0]
    logps = torch.log_softmax(logits.float(), -1)
    return [logps[t - 1, ids[t]].item() for t in range(prompt_length, len(ids))]


def test_per_token_log_probs_match_a_full_logits_computation(tiny_model):
    ids, prompt_length = [1, 9690, 198, 67, 2, 198, 1, 520, 9531, 198, 19556, 17, 2067, 2], 10
    with torch.no_grad():
        got = sequence_logprobs(tiny_model.model, pad_rows([(ids, prompt_length)], 2))
    expected = reference_logprobs(tiny_model.model, ids, prompt_length)
    assert got.per_token[0, prompt_length:].tolist() == pytest.approx(expected, abs=1e-4)
    assert (got.per_token[0, :prompt_length] == 0).all()
    assert got.lengths.tolist() == [len(ids) - prompt_length]
    assert got.summed.item() == pytest.approx(sum(expected), abs=1e-3)


def test_a_sequence_scores_the_same_alone_and_right_padded_in_a_batch(tiny_model):
    short, long = ([1, 520, 9531, 198, 19556, 17, 2], 4), ([1, 4093, 198, 26843, 665, 2, 198, 1, 520, 9531, 198, 67, 2], 11)
    with torch.no_grad():
        alone = sequence_logprobs(tiny_model.model, pad_rows([short], 2)).summed
        batched = sequence_logprobs(tiny_model.model, pad_rows([short, long], 2)).summed
    assert batched[0].item() == pytest.approx(alone[0].item(), abs=1e-4)


def test_right_padded_rows_score_the_same_without_their_padding_mask(tiny_model):
    rows = [([1, 520, 9531, 198, 19556, 17, 2], 4), ([1, 4093, 198, 26843, 665, 2, 198, 1, 520, 9531, 198, 67, 2], 11)]
    batch = pad_rows(rows, 2)
    assert "attention_mask" not in model_inputs(batch)  # the fast path is the one taken
    with torch.no_grad():
        fast = sequence_logprobs(tiny_model.model, batch).per_token
        masked = tiny_model.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    logps = torch.log_softmax(masked.float(), -1)[:, :-1].gather(-1, batch["input_ids"][:, 1:, None])[..., 0]
    scored = batch["labels"][:, 1:] != -100
    assert torch.allclose(fast[:, 1:][scored], logps[scored], atol=1e-5)


def test_only_right_padding_loses_its_mask():
    right = {"input_ids": torch.ones(2, 4, dtype=torch.long), "attention_mask": torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])}
    left = {**right, "attention_mask": torch.tensor([[1, 1, 1, 1], [0, 0, 1, 1]])}
    holes = {**right, "attention_mask": torch.tensor([[1, 0, 1, 1], [1, 1, 1, 1]])}
    packed = {**right, "position_ids": torch.tensor([[0, 1, 0, 1], [0, 1, 2, 3]])}
    assert "attention_mask" not in model_inputs(right)
    assert all("attention_mask" in model_inputs(b) for b in (left, holes, packed))


def test_gradients_flow_to_the_weights(tiny_model):
    import copy

    model = copy.deepcopy(tiny_model.model)
    sequence_logprobs(model, pad_rows([([1, 520, 9531, 198, 19556, 17, 2], 4)], 2)).summed.sum().backward()
    assert model.lm_head.weight.grad.abs().sum() > 0


def test_shared_prefix_sums_the_first_limit_labelled_tokens_of_each_row():
    labels = torch.tensor([[-100, -100, 5, 6, 7, -100], [-100, 3, 4, 5, 6, 7]])
    per_token = torch.tensor([[0.0, 0.0, -1.0, -2.0, -3.0, 0.0], [0.0, -1.0, -1.0, -1.0, -4.0, -8.0]])
    assert shared_prefix_logps(per_token, labels, torch.tensor([2, 3])).tolist() == [-3.0, -3.0]
