"""bench_train.py end to end on the tiny model: both stages, TRL and exante, same batches, same losses."""

import json
import math

import pytest

import bench_train
from train_workers import tokens_per_step


def test_tokens_per_step_follow_sequential_batches_across_epochs():
    assert tokens_per_step([5, 4, 3, 2, 1], 2, 4) == [9, 5, 1, 9]


def test_grouped_order_puts_similar_lengths_in_one_batch():
    records = [{"messages": [{"role": "user", "content": "x" * n}]} for n in (1, 9, 2, 8, 3, 7)]
    lengths = [bench_train.characters(r) for r in bench_train.ordered(records, "grouped", 2)]
    assert lengths == sorted(lengths, reverse=True)
    assert sorted(bench_train.characters(r) for r in bench_train.ordered(records, "shuffled", 2)) == [1, 2, 3, 7, 8, 9]


def test_generated_step_pairs_share_the_asked_part_of_the_response():
    (pair,) = bench_train.synthetic_pairs(1, prefix_share=0.5)
    chosen, rejected = pair["chosen"][0]["content"], pair["rejected"][0]["content"]
    assert chosen[: len(chosen) // 2] == rejected[: len(chosen) // 2] and chosen != rejected


def short_data(tmp_path) -> list[str]:
    """Four short conversations and pairs (sequences of ~40 tokens keep the run to seconds)."""
    words = "the request is checked against the rules before a path is chosen".split()
    texts = [" ".join(words[i:] + words[:i]) for i in range(8)]
    sft = [{"id": f"s{i}", "messages": [{"role": "user", "content": texts[i]},
                                        {"role": "assistant", "content": texts[i + 4]}]} for i in range(4)]
    pairs = [{"id": f"p{i}", "objective": "safety", "prompt": [{"role": "user", "content": texts[i]}],
              "chosen": [{"role": "assistant", "content": texts[i + 4]}],
              "rejected": [{"role": "assistant", "content": texts[i + 4][:20] + texts[7 - i]}]} for i in range(4)]
    (tmp_path / "sft.jsonl").write_text("".join(json.dumps(r) + "\n" for r in sft))
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in pairs))
    return ["--data", str(tmp_path / "sft.jsonl"), "--pairs", str(tmp_path / "pairs.jsonl")]


def test_trl_and_exante_train_on_the_same_tokens_with_the_same_losses(tmp_path):
    bench_train.main(["--stage", "both", "--model", "tiny", "--steps", "2", "--batch-size", "2", "--precision", "fp32",
                      "--learning-rate", "1e-3", "--variants", "trl", "ours", "--out", str(tmp_path / "out"),
                      *short_data(tmp_path)])
    tmp_path = tmp_path / "out"
    report = json.loads((tmp_path / "train.json").read_text())
    for stage in ("sft", "dpo"):
        trl, ours = report[stage]["summary"]
        assert (trl["variant"], ours["variant"]) == ("trl", "ours")
        assert ours["max_loss_diff"] <= bench_train.TOLERANCE["float32"]
        assert len(set(ours["losses"])) == 3  # the losses move, so agreeing means something
        runs = {r["variant"]: r for r in report[stage]["runs"]}
        assert runs["trl"]["tokens"] == runs["ours"]["tokens"] > 0
        assert all(r["peak_rss_mb"] > 0 and 0 < r["mfu"] < 1 for r in runs.values())
    dpo = {r["variant"]: r for r in report["dpo"]["runs"]}
    assert dpo["ours"]["losses"][0] == pytest.approx(math.log(2), abs=1e-5)
    assert dpo["ours"]["processed_tokens"] < dpo["ours"]["tokens"]  # the shared prompt ran once per pair
    assert all(r["reference_s"] > 0 for r in dpo.values())
    assert "| ours | float32 |" in (tmp_path / "train.md").read_text()
