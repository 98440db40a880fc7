"""bench_sampling.py end to end on the tiny model."""

import json

import bench_sampling


def test_generated_tokens_stop_at_the_first_eos():
    assert bench_sampling.generated_tokens([5, 6, 2, 0, 0], eos_ids=[2]) == 3
    assert bench_sampling.generated_tokens([5, 6, 7], eos_ids=[2]) == 3


def test_the_sampling_benchmark_reports_every_implementation_and_batch_size(tmp_path):
    bench_sampling.main(["--model", "tiny", "--batch-sizes", "1", "4", "--prompts", "4", "--k", "2",
                         "--sample-prompts", "2", "--baseline-prompts", "2", "--max-new-tokens", "6", "--out", str(tmp_path)])
    rows = json.loads((tmp_path / "sampling.json").read_text())["rows"]
    implementations = {(r["mode"], r["implementation"], r["batch"]) for r in rows}
    assert ("greedy", "exante HFBackend", 4) in implementations
    assert ("sampled k=2", "exante HFBackend, shared prefill", 4) in implementations
    assert ("sampled k=2", "model.generate, num_return_sequences=k", 2) in implementations
    exante = [r for r in rows if r["implementation"].startswith("exante")]
    assert all(r["tokens"] == 4 * 6 for r in exante if r["mode"] == "greedy")  # a random model never stops early here
    assert all(r["tok_per_s"] > 0 for r in rows)
    assert "| greedy | exante HFBackend | 4 |" in (tmp_path / "sampling.md").read_text()
