"""`exante iterate` end to end on the tiny model: rounds write pairs, train, save a model each and
the table; an interrupted run resumes to the same pairs; bad settings are clear errors."""

import json
import shutil
from pathlib import Path

import pytest

from exante.cli import main
from exante.errors import ExanteError
from exante.iterate.config import IterateConfig
from exante.iterate.run import run_iterate
from exante.models import load_model
from exante.train.records import check_pair

FAST_DPO = {"max_steps": 1, "batch_size": 2, "eval_batch_size": 2, "precision": "fp32", "max_length": 256,
            "logging_steps": 1, "save_steps": 1000, "eval_steps": 0, "group_by_length": False, "warmup": 0.0}


def tiny_config(out, **overrides) -> IterateConfig:
    # margin 0: the random tiny model's samples of safe prompts tie, and must still make pairs
    fields = dict(model="tiny", output_dir=str(out), rounds=2, prompts_per_round=4, samples_per_prompt=2,
                  max_new_tokens=12, top_p=1.0, dev_eval=False, margin=0.0, learning_rate=1e-3, dpo=FAST_DPO)
    return IterateConfig(**{**fields, **overrides})


def lines(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """An uninterrupted two-round run."""
    cfg = tiny_config(tmp_path_factory.mktemp("iterate") / "run")
    return cfg, run_iterate(cfg, progress=False)


def test_two_rounds_write_pairs_train_and_save_a_model_each_then_the_table_and_summary(finished):
    cfg, summary = finished
    out = Path(cfg.output_dir)
    for t in (1, 2):
        pairs = lines(out / f"round-{t}" / "pairs.jsonl")
        assert pairs
        for n, pair in enumerate(pairs):
            check_pair(pair, f"round-{t}:{n}")
            assert pair["split"] == "train" and pair["meta"]["round"] == t
            assert pair["meta"]["rewards"]["chosen"] - pair["meta"]["rewards"]["rejected"] >= cfg.margin
        assert (out / f"round-{t}" / "model" / "model.safetensors").exists()
        assert json.loads((out / f"round-{t}" / "model" / "summary.json").read_text())["global_step"] == 1
    rows = json.loads((out / "rounds.json").read_text())["rounds"]
    assert [r["round"] for r in rows] == [1, 2]
    assert rows[1]["started_from"] == rows[0]["policy"] == str(out / "round-1" / "model")
    assert "| 2 (best) |" in (out / "rounds.md").read_text()
    assert summary["best_round"] == 2 and json.loads((out / "summary.json").read_text())["best_round"] == 2
    assert load_model(str(out)).model.config.num_hidden_layers == 2  # the returned model, in output_dir


def test_samples_record_their_seed_index_and_reward_parts(finished):
    cfg, _ = finished
    entries = lines(Path(cfg.output_dir) / "round-2" / "samples.jsonl")
    assert len(entries) == 4
    for entry in entries:
        assert [s["sample"] for s in entry["samples"]] == [0, 1]
        assert {s["seed"] for s in entry["samples"]} == {cfg.seed + 2}
        for s in entry["samples"]:
            assert {"refusal_correct", "harmless", "trace_sound", "reasoning_tokens"} <= set(s["components"])
            assert isinstance(s["reward"], float)
    stats = json.loads((Path(cfg.output_dir) / "round-2" / "pairs_stats.json").read_text())
    assert stats["sampled_tokens"] == sum(s["completion_tokens"] for e in entries for s in e["samples"]) > 0


def test_rounds_draw_different_train_prompts(finished):
    cfg, _ = finished
    out = Path(cfg.output_dir)
    prompts = [lines(out / f"round-{t}" / "prompts.jsonl") for t in (1, 2)]
    assert not {r["id"] for r in prompts[0]} & {r["id"] for r in prompts[1]}
    assert all(r["split"] == "train" for p in prompts for r in p)


def test_a_run_stopped_and_torn_mid_way_resumes_to_the_same_pairs_with_finished_rounds_untouched(finished, tmp_path):
    cfg, _ = finished
    out = tmp_path / "run"
    assert run_iterate(tiny_config(out, stop_after="1/samples"), progress=False) == {"stopped_after": "1/samples"}
    assert not (out / "round-1" / "pairs.jsonl").exists() and not (out / "summary.json").exists()
    journal = out / "round-1" / "samples.jsonl"
    first, rest = journal.read_text(encoding="utf-8").split("\n", 1)
    journal.write_text(first + "\n" + rest[:40], encoding="utf-8")  # killed while writing the second line

    run_iterate(tiny_config(out, stop_after="2/pairs"), progress=False)
    assert (out / "round-1" / "round.json").exists() and not (out / "round-2" / "model").exists()
    round_one = {p.name: p.read_bytes() for p in (out / "round-1").iterdir() if p.is_file()}
    # a stop point in a round already done stops right after that round
    assert run_iterate(tiny_config(out, stop_after="1/samples"), progress=False) == {"stopped_after": "1/samples"}
    assert not (out / "round-2" / "model").exists()

    run_iterate(tiny_config(out), progress=False)
    assert {p.name: p.read_bytes() for p in (out / "round-1").iterdir() if p.is_file()} == round_one
    for t in (1, 2):
        for name in ("samples.jsonl", "pairs.jsonl"):
            assert (out / f"round-{t}" / name).read_bytes() == (Path(cfg.output_dir) / f"round-{t}" / name).read_bytes()


def test_a_finished_run_with_another_config_refuses_to_resume_unless_overwritten(finished, tmp_path):
    cfg, _ = finished
    out = tmp_path / "copy"
    shutil.copytree(cfg.output_dir, out)
    with pytest.raises(ExanteError, match=r"different config \(changed: margin\)"):
        run_iterate(tiny_config(out, margin=0.5, rounds=1), progress=False)
    summary = run_iterate(tiny_config(out, margin=0.5, rounds=1, overwrite=True), progress=False)
    assert summary["rounds_run"] == 1 and not (out / "round-2").exists()


def test_fallback_composes_a_refusal_where_no_sample_refuses_a_harmful_prompt(tmp_path):
    cfg = tiny_config(tmp_path / "run", rounds=1, mix={"harmful": 1.0}, fallback=True, margin=0.25)
    run_iterate(cfg, progress=False)
    pairs = lines(tmp_path / "run" / "round-1" / "pairs.jsonl")
    assert pairs and all(p["meta"]["strategy"] == "fallback" and p["objective"] == "safety" for p in pairs)
    for p in pairs:
        assert p["meta"]["chosen_origin"] == "composed" and p["meta"]["components"]["chosen"]["refusal_correct"] == 1.0
        assert p["meta"]["rewards"]["margin"] >= 0.25


@pytest.mark.parametrize("overrides, message", [
    ({"samples_per_prompt": 1}, "'samples_per_prompt' must be ≥ 2"),
    ({"temperature": 0.0}, "'temperature' must be > 0"),
    ({"selection": "best"}, "'selection' must be one of max_min, srs"),
    ({"reference": "ema"}, "'reference' must be one of previous, initial"),
    ({"mix": {"toxic": 1}}, "unknown kind 'toxic'"),
    ({"dpo": {"output_dir": "x"}}, "field 'dpo' may not set output_dir"),
    ({"dpo": {"bogus": 1}}, "field 'dpo': unknown field 'bogus' for DPOConfig"),
    ({"eval": {"limit": "many"}}, "field 'eval'.*'limit'"),
    ({"eval_suite": "quick"}, "reads the test split"),
    ({"stop_after": "1/train"}, "'stop_after' must read ROUND/STAGE"),
    ({"acceptable": {"harmless": True}}, "'acceptable' maps reward parts to minimum values"),
])
def test_bad_config_values_are_clear_errors(tmp_path, overrides, message):
    with pytest.raises(ExanteError, match=message):
        tiny_config(tmp_path, **overrides)


@pytest.mark.parametrize("overrides, message", [
    ({"model": "/no/such/model"}, "/no/such/model: model path not found"),
    ({"acceptable": {"helpful": 1.0}}, "'acceptable' names reward part 'helpful'; the reward gives"),
    ({"refusal_judge": "nope"}, "unknown judge 'nope'"),
    ({"harm_judge": "nope"}, "unknown judge 'nope'"),
    ({"loss": "hinge"}, "unknown loss 'hinge'"),
    ({"prompts_per_round": 1000}, "but the train split has"),
])
def test_bad_inputs_fail_before_any_sampling(tmp_path, overrides, message):
    with pytest.raises(ExanteError, match=message):
        run_iterate(tiny_config(tmp_path / "run", **overrides), progress=False)
    assert not (tmp_path / "run" / "round-1").exists()


def test_the_command_reports_a_bad_value_as_one_line_and_exit_status_2(tmp_path, capsys):
    status = main(["iterate", "--model", "tiny", "--output-dir", str(tmp_path), "--samples-per-prompt", "1"])
    err = capsys.readouterr().err.strip()
    assert status == 2 and err.startswith("error: ") and "samples_per_prompt" in err and "\n" not in err


def test_the_command_has_help_with_a_flag_for_every_field(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["iterate", "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    for flag in ("--samples-per-prompt", "--selection", "--margin", "--fallback", "--reference", "--nll-weight",
                 "--length-penalty", "--harm-judge", "--top-p", "--stop-after", "--dev-eval"):
        assert flag in out


@pytest.mark.integration  # the dev suite's benchmarks and judges: ≈ 20 s on their own
def test_with_dev_evaluation_a_round_that_does_not_beat_round_0_stops_the_run_and_round_0_is_returned(tmp_path):
    # the random tiny model's rounds all score alike on dev: a tie goes to the earlier round
    cfg = tiny_config(tmp_path / "run", dev_eval=True, patience=1, mix={"benign": 1.0},
                      eval={"limit": 1, "max_new_tokens": 8, "xstest": "", "generation_cache": str(tmp_path / "cache")})
    summary = run_iterate(cfg, progress=False)
    assert summary["early_stopped"] and summary["rounds_run"] == 1 and summary["best_round"] == 0
    rows = json.loads((tmp_path / "run" / "rounds.json").read_text())["rounds"]
    assert [r["round"] for r in rows] == [0, 1]
    assert {"harmful ASR", "over-refusal", "sound traces", "refusal gap"} <= set(rows[1]["dev"])
    assert (tmp_path / "run" / "round-1" / "eval" / "report.json").exists()
    assert load_model(str(tmp_path / "run")).model.config.num_hidden_layers == 2  # the initial model, saved


def test_rerunning_a_finished_run_returns_its_summary_without_redoing_any_round(finished):
    cfg, summary = finished
    model = Path(cfg.output_dir) / "round-2" / "model" / "model.safetensors"
    written = model.stat().st_mtime_ns
    assert run_iterate(cfg, progress=False) == summary
    assert model.stat().st_mtime_ns == written
