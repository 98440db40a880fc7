"""The "can it tell?" probe: positions, feature cache, the probe's numbers, CLI and eval benchmark."""

import json

import numpy as np
import pytest
import torch

from exante.cli import main
from exante.eval.stats import newcombe, wilson
from exante.probe.features import FeatureExtractor, FixedModel, render_prompt
from exante.probe.fit import fit_probe, probe_metrics, quotas, train_sample


@pytest.fixture(scope="module")
def records():
    from exante.data.registry import load_prompts

    test = load_prompts(split="test")
    by_kind = {k: [r for r in test if r["kind"] == k] for k in ("harmful", "jailbreak", "borderline", "benign")}
    # a long jailbreak exercises the cut to max_prompt_tokens
    longest = max(by_kind["jailbreak"], key=lambda r: len(r["prompt"]))
    return by_kind["harmful"][:3] + by_kind["borderline"][:2] + by_kind["benign"][:2] + [longest]


@pytest.fixture
def small_splits(monkeypatch):
    """load_prompts cut to a few prompts per kind and split, so that whole probe runs take seconds."""
    from exante.data.registry import load_prompts as real

    def small(sources=None, split=None, kinds=None, **kwargs):
        picked = real(sources, split, kinds, **kwargs)
        per_kind = 10 if split == "train" else 5
        return [r for k in ("harmful", "jailbreak", "borderline", "benign")
                for r in [r for r in picked if r["kind"] == k][:per_kind]]

    monkeypatch.setattr("exante.data.load_prompts", small)


class Handle:
    """A model handle that counts how often the model itself is needed."""

    def __init__(self, loaded, fingerprint="fp-test"):
        self._loaded, self.fingerprint, self.loads = loaded, fingerprint, 0

    @property
    def loaded(self):
        self.loads += 1
        return self._loaded


def test_features_at_both_positions_match_a_manual_forward_pass(tiny_model, records):
    tokenizer = tiny_model.tokenizer
    extractor = FeatureExtractor(FixedModel(tiny_model, "fp"), None, max_prompt_tokens=64, batch_tokens=512)
    features = extractor.features(records)
    assert extractor.stats.forward_passes > 1  # several batches, rows padded against each other
    for i, record in enumerate(records):
        ids, inst = render_prompt(tokenizer, record["prompt"], 64)
        # the instruction's last token is the user's message's last; the end-of-turn and the assistant header follow
        assert tokenizer.decode(ids[inst + 1:]) == "<|im_end|>\n<|im_start|>assistant\n"
        assert record["prompt"].rstrip().endswith(tokenizer.decode(ids[inst]).strip()) or len(record["prompt"]) > 300
        with torch.inference_mode():
            hidden = tiny_model.model(input_ids=torch.tensor([ids]), output_hidden_states=True).hidden_states[-1][0]
        np.testing.assert_allclose(features["instruction"][i], hidden[inst].numpy(), atol=1e-4)
        np.testing.assert_allclose(features["generation"][i], hidden[-1].numpy(), atol=1e-4)
    long_ids, _ = render_prompt(tokenizer, records[-1]["prompt"], 64)
    assert len(long_ids) < 64 + 40 < len(render_prompt(tokenizer, records[-1]["prompt"], 0)[0])


def test_a_chosen_layer_is_that_hidden_state(tiny_model, records):
    features = FeatureExtractor(FixedModel(tiny_model, "fp"), None, layer=1).features(records[:2])
    ids, inst = render_prompt(tiny_model.tokenizer, records[0]["prompt"], 128)
    with torch.inference_mode():
        hidden = tiny_model.model(input_ids=torch.tensor([ids]), output_hidden_states=True).hidden_states[1][0]
    np.testing.assert_allclose(features["instruction"][0], hidden[inst].numpy(), atol=1e-4)


def test_the_cache_returns_the_same_features_without_a_forward_pass(tiny_model, records, tmp_path):
    first = Handle(tiny_model)
    computed = FeatureExtractor(first, tmp_path).features(records)
    assert first.loads == 1 and list((tmp_path / "fp-test").glob("*.npz"))

    second = Handle(tiny_model)
    extractor = FeatureExtractor(second, tmp_path)
    again = extractor.features(records)
    assert second.loads == 0 and extractor.stats.forward_passes == 0 and extractor.stats.cached == len(records)
    for position in computed:
        np.testing.assert_array_equal(again[position], computed[position])
    # another layer or cut is another feature: computed, not taken from the cache
    other = Handle(tiny_model)
    FeatureExtractor(other, tmp_path, layer=1).features(records[:1])
    assert other.loads == 1


def test_a_torn_cache_shard_is_dropped_and_recomputed(tiny_model, records, tmp_path):
    FeatureExtractor(Handle(tiny_model), tmp_path).features(records[:2])
    shard = next((tmp_path / "fp-test").glob("*.npz"))
    shard.write_bytes(shard.read_bytes()[:100])
    handle = Handle(tiny_model)
    extractor = FeatureExtractor(handle, tmp_path)
    extractor.features(records[:2])
    assert handle.loads == 1 and extractor.stats.corrupt_dropped == 1 and extractor.stats.computed == 2


def test_separable_features_give_auc_one_and_gap_one():
    rng = np.random.default_rng(0)
    kinds = ["harmful"] * 30 + ["jailbreak"] * 30 + ["borderline"] * 20 + ["benign"] * 20
    unsafe = np.array([k in ("harmful", "jailbreak") for k in kinds])
    x = rng.normal(size=(100, 8))
    x[:, 0] += np.where(unsafe, 6.0, -6.0)
    probe = fit_probe(x, kinds)
    metrics = probe_metrics(kinds, probe.decision_function(x))
    assert metrics["gap"] == 1.0
    assert metrics["auc_unsafe_vs_safe"] == 1.0 and metrics["auc_harmful_vs_borderline"] == 1.0
    assert metrics["by_kind"]["harmful"] == {"n": 30, "hits": 30, "rate": 1.0, "rate_ci": wilson(30, 30)}
    assert metrics["by_kind"]["benign"] == {"n": 20, "hits": 0, "rate": 0.0, "rate_ci": wilson(0, 20)}
    assert (metrics["unsafe"]["n"], metrics["unsafe"]["rate"], metrics["safe"]["n"], metrics["safe"]["rate"]) == (60, 1.0, 40, 0.0)
    assert metrics["gap_ci"] == newcombe(60, 60, 0, 40) and metrics["gap_ci"][0] > 0.85


def test_the_train_sample_is_stratified_equal_ish_and_seeded():
    assert quotas({"harmful": 1323, "jailbreak": 5214, "borderline": 199, "benign": 254}, 1200) == {
        "harmful": 373, "jailbreak": 374, "borderline": 199, "benign": 254}
    pool = [{"id": f"{k}{i}", "kind": k} for k in ("harmful", "jailbreak", "borderline", "benign") for i in range(50)]
    sample = train_sample(pool, 40, seed=0)
    assert [r["kind"] for r in sample].count("benign") == 10
    assert sample == train_sample(list(reversed(pool)), 40, seed=0)
    assert sample != train_sample(pool, 40, seed=1)


def test_two_probe_runs_give_the_same_numbers(small_splits, tmp_path):
    from exante.probe.config import ProbeConfig
    from exante.probe.run import run_probe

    reports = [run_probe(ProbeConfig(models=["tiny"], dtype="fp32", train_size=40, out=str(tmp_path / f"out{i}"),
                                     feature_cache=str(tmp_path / f"cache{i}")))  # separate caches: computed twice
               for i in range(2)]
    a, b = (r["models"]["tiny"] for r in reports)
    assert a["features"]["computed"] == b["features"]["computed"] == 60
    assert a["positions"] == b["positions"] and a["train"] == b["train"]
    assert set(a["positions"]) == {"instruction", "generation"}
    assert a["positions"]["generation"]["by_kind"]["harmful"]["n"] == 5
    assert {"probe.json", "probe.md", "probe.png", "config.yaml"} <= {p.name for p in (tmp_path / "out0").iterdir()}


def test_probe_help_lists_its_flags(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["probe", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--model", "--split", "--out", "--train-size", "--layer", "--dtype", "--eval", "--config"):
        assert flag in out


def test_a_bad_model_is_a_one_line_error(tmp_path, capsys):
    missing = tmp_path / "no-such-checkpoint"
    assert main(["probe", "--model", str(missing), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {missing}: model path not found") and err.count("\n") == 1
    assert main(["probe", "--split", "train", "--out", str(tmp_path / "out")]) == 2
    assert "expected one of test, dev" in capsys.readouterr().err


def test_the_cli_puts_the_behavioural_gap_beside_the_probe_gap(small_splits, tmp_path, capsys):
    from exante.data import load_prompts

    test = load_prompts(split="test")
    samples = [{"id": r["id"], "kind": r["kind"], "refused": r["kind"] == "harmful"} for r in test]
    (tmp_path / "eval" / "samples").mkdir(parents=True)
    (tmp_path / "eval" / "samples" / "tiny.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples))
    config = tmp_path / "probe.yaml"
    config.write_text(f"models: [tiny]\ntrain_size: 40\ndtype: fp32\nfeature_cache: {tmp_path / 'cache'}\n")
    assert main(["probe", "--config", str(config), "--eval", str(tmp_path / "eval"), "--out", str(tmp_path / "out")]) == 0
    assert "refusal gap +0.50" in capsys.readouterr().out
    report = json.loads((tmp_path / "out" / "probe.json").read_text())
    behaviour = report["models"]["tiny"]["behavioural"]
    assert behaviour["by_kind"]["harmful"] == {"n": 5, "refused": 1.0, "refused_ci": wilson(5, 5)}
    assert behaviour["unsafe"] == {"n": 10, "refused": 0.5, "refused_ci": wilson(5, 10)}
    assert behaviour["safe"] == {"n": 10, "refused": 0.0, "refused_ci": wilson(0, 10)}
    assert behaviour["gap"] == 0.5 and behaviour["gap_ci"] == newcombe(5, 10, 0, 10)
    same = behaviour["probe_on_these_prompts"]["generation"]
    assert same["n"] == 20 and same["gap"] == report["models"]["tiny"]["positions"]["generation"]["gap"]
    assert "behaviour: refusal gap (unsafe − safe refused) | +0.50" in (tmp_path / "out" / "probe.md").read_text()


def test_the_probe_benchmark_appears_in_report_json_when_requested(small_splits, tmp_path):
    from exante.eval.benchmarks import BENCHMARKS
    from exante.eval.config import SUITES

    # the reporting suites carry the probe; the dev and quick suites stay quick
    assert {name for name, suite in SUITES.items() if "probe" in suite.benches} == {"standard", "full"}
    assert BENCHMARKS["probe"].needs_model and not BENCHMARKS["probe"].generates
    args = ["eval", "--model", "tiny", "--bench", "harmful", "over-refusal", "probe", "--limit", "2",
            "--max-new-tokens", "4", "--dtype", "fp32", "--harm-judge", "nonrefusal-harmful", "--xstest", "",
            "--out", str(tmp_path / "run"), "--generation-cache", str(tmp_path / "cache")]
    assert main(args) == 0
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    probe = report["models"]["tiny"]["metrics"]["probe"]
    assert set(probe["positions"]) == {"instruction", "generation"}
    for position in probe["positions"].values():
        assert {"gap", "auc_unsafe_vs_safe", "auc_harmful_vs_borderline", "by_kind"} <= set(position)
        assert position["by_kind"]["jailbreak"]["n"] == 5
    assert probe["behavioural"]["n"] == 4 and "gap" in probe["behavioural"]
    assert list((tmp_path / "cache" / "probe-features").iterdir())  # beside the run's generation cache
    markdown = (tmp_path / "run" / "report.md").read_text()
    assert "Probe gap" in markdown
    assert "Can the model tell?" in (tmp_path / "run" / "report.html").read_text()
