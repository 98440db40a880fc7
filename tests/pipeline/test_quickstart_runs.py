"""Whole quickstarts on the tiny model with two DPO rounds: every stage runs once, a rerun does
nothing, an interrupted stage resumes from its checkpoint. Integration: synth and eval read the data
packages' prompts."""

import json
import shutil
from pathlib import Path

import pytest

from exante.cli import main
from exante.eval.tables import fmt, rate_at, rate_text

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A directory in which `exante quickstart` ran every stage once."""
    from quickstart_configs import TWO_ROUNDS, write_configs

    root = tmp_path_factory.mktemp("quickstart")
    write_configs(root, TWO_ROUNDS)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        assert main(["quickstart", "--config", "quickstart.yaml"]) == 0
    return root


@pytest.fixture
def copy_of_finished(finished, tmp_path, monkeypatch):
    """The finished run copied (file times kept, so the stages' marks stay as they were) and made current."""
    copy = tmp_path / "copy"
    shutil.copytree(finished, copy)
    monkeypatch.chdir(copy)
    return copy


STAGE_NAMES = ["synth", "sft", "pairs", "dpo", "pairs-r2", "dpo-r2", "eval"]


def read_json(path):
    return json.loads(Path(path).read_text())


def stage_outputs(root: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in (root / "runs").rglob("*")
            if p.is_file() and not p.name.startswith("quickstart.")}


def test_every_stage_runs_and_the_summary_shows_base_sft_and_both_dpo_rounds_as_the_report_measured_them(finished):
    report = read_json(finished / "runs/eval/report.json")
    assert [m["spec"] for m in report["models"].values()] == ["tiny", "runs/sft", "runs/dpo", "runs/dpo-r2"]
    assert read_json(finished / "runs/dpo/summary.json")["stage"] == "dpo"
    assert "model: runs/sft" in (finished / "runs/dpo/config.yaml").read_text()
    summary = (finished / "runs/quickstart.md").read_text()
    assert "| metric | base (tiny) | SFT (runs/sft) | DPO (runs/dpo) | DPO round 2 (runs/dpo-r2) |" in summary
    asr = [rate_text(rate_at(m["metrics"], ("harmful", "asr"))) for m in report["models"].values()]
    assert all(cell.startswith(fmt(m["metrics"]["harmful"]["asr"], "pct") + " [") and cell.endswith("] (n=2)")
               for cell, m in zip(asr, report["models"].values()))
    assert f"| Harmful ASR ↓ | {' | '.join(asr)} |" in summary  # two prompts: no paired difference can be significant
    tokens = [fmt(m["metrics"]["efficiency"]["answer_tokens"]["mean"], "int") for m in report["models"].values()]
    assert f"| Answer tokens (mean) | {' | '.join(tokens)} |" in summary
    assert "Harmful refusal rate" not in summary  # only the headline metrics
    state = read_json(finished / "runs/quickstart.json")["stages"]
    for stage in STAGE_NAMES:
        assert state[stage]["last_run"] == "ran" and state[stage]["seconds"] > 0 and state[stage]["finished"]
        assert f"| {stage} | ran |" in summary
    assert "exante eval --config eval.yaml --model tiny runs/sft runs/dpo runs/dpo-r2" in summary


def test_the_second_round_samples_the_first_rounds_model_and_trains_from_it(finished):
    pairs = read_json(finished / "runs/pairs-r2/stats.json")
    assert pairs["sample_from"] == "runs/dpo" and pairs["samples_generated_this_run"] > 0
    dpo = (finished / "runs/dpo-r2/config.yaml").read_text()
    assert "model: runs/dpo\n" in dpo and "train_file: runs/pairs-r2/pairs.jsonl" in dpo
    first, second = (read_json(finished / f"runs/{d}/summary.json") for d in ("dpo", "dpo-r2"))
    assert second["stage"] == "dpo" and second != first


def test_a_rerun_skips_every_stage_changes_no_output_and_prints_the_summary(copy_of_finished, capsys):
    before = stage_outputs(copy_of_finished)
    assert main(["quickstart", "--config", "quickstart.yaml"]) == 0
    assert stage_outputs(copy_of_finished) == before
    printed = capsys.readouterr().out
    summary = (copy_of_finished / "runs/quickstart.md").read_text()
    assert printed.strip() == summary.strip()
    assert all(f"| {stage} | skipped |" in summary for stage in STAGE_NAMES)
    state = read_json("runs/quickstart.json")["stages"]  # the times kept are those of the run that did the work
    assert all(state[stage]["seconds"] > 0 for stage in STAGE_NAMES)


def test_an_interrupted_dpo_round_resumes_from_its_checkpoint_and_eval_regenerates_only_its_model(copy_of_finished):
    # the second DPO round killed after its last checkpoint: no final model, no summary
    for name in ("summary.json", "model.safetensors"):
        (copy_of_finished / "runs/dpo-r2" / name).unlink()
    assert main(["quickstart", "--config", "quickstart.yaml"]) == 0
    assert read_json("runs/dpo-r2/summary.json")["resumed_from"] == "runs/dpo-r2/checkpoint-1"
    state = read_json("runs/quickstart.json")["stages"]
    assert {s: state[s]["last_run"] for s in STAGE_NAMES} == {
        "synth": "skipped", "sft": "skipped", "pairs": "skipped", "dpo": "skipped", "pairs-r2": "skipped",
        "dpo-r2": "resumed", "eval": "ran"}
    generation = {m["spec"]: m["generation"] for m in read_json("runs/eval/report.json")["models"].values()}
    assert [generation[m]["generated"] for m in ("tiny", "runs/sft", "runs/dpo")] == [0, 0, 0]
    assert generation["runs/dpo-r2"]["generated"] == 4
