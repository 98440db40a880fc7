"""Reference log-probs do not depend on the scoring batch size, the length order or the row layout."""

import json

import pytest

from exante.train.encode import Encoder, PairCollator
from exante.train.reference import SUMMARY_FIELDS, attach_reference

from .conftest import pair_records


@pytest.mark.parametrize("batch_size, share_prefix", [(16, False), (16, True), (3, True)])
def test_reference_scores_equal_one_pair_at_a_time_two_rows_each(tmp_path, tiny_model, batch_size, share_prefix):
    encoder, pad = Encoder(tiny_model.tokenizer, 256), tiny_model.tokenizer.pad_token_id
    examples = [encoder.pair_example(r) for r in pair_records(7)]
    one_by_one = [dict(e) for e in examples]
    attach_reference(one_by_one, tiny_model.model, PairCollator(pad, {}), tmp_path / "single.jsonl", 1)
    batched = [dict(e) for e in examples]
    store = tmp_path / "batched.jsonl"
    attach_reference(batched, tiny_model.model, PairCollator(pad, {}, share_prefix), store, batch_size)
    for single, together in zip(one_by_one, batched):
        assert [together[f"ref_{n}"] for n in SUMMARY_FIELDS] == pytest.approx(
            [single[f"ref_{n}"] for n in SUMMARY_FIELDS], rel=1e-5, abs=1e-4)
    assert sorted(json.loads(line)["id"] for line in store.read_text().splitlines()) == sorted(e["id"] for e in examples)
