"""`exante steps` end to end on the tiny model (m = 2, r = 1, two prompts): step pairs written, DPO
run, model saved; an interrupted run resumes to the same pairs; another config is refused."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from exante.errors import ExanteError
from exante.models import load_model
from exante.reasoning import prefix_until
from exante.steps.config import StepsConfig
from exante.steps.run import explore_round, run_steps
from exante.train.records import check_pair

from .steps_data import FAST


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def finished(tmp_path_factory, trace_model):
    """(config, summary) of one finished run."""
    config = StepsConfig(**{**FAST, "model": trace_model, "output_dir": str(tmp_path_factory.mktemp("run") / "steps")})
    return config, run_steps(config, progress=False)


def test_a_round_writes_step_pairs_trains_on_them_and_saves_the_model(finished):
    config, summary = finished
    round_dir = Path(config.output_dir) / "round-1"
    pairs = read_jsonl(round_dir / "step_pairs.jsonl")
    traces = {e["id"]: e["trace"]["text"] for e in read_jsonl(round_dir / "journal.jsonl")}
    assert summary["pairs"] == len(pairs) > 0 and summary["pairs_per_round"] == [len(pairs)]
    for n, pair in enumerate(pairs, 1):
        check_pair(pair, f"step_pairs.jsonl:{n}")
        meta, step = pair["meta"], pair["meta"]["step"]
        assert step in config.decision_steps
        assert pair["assistant_prefix"] == prefix_until(traces[meta["prompt_id"]], step)  # the policy's own prefix
        for side in ("chosen", "rejected"):
            assert pair[side][0]["content"].startswith(f"<{step}>\n")
        assert meta["values"]["chosen"] - meta["values"]["rejected"] >= config.margin
        assert len(meta["rollout_rewards"]["chosen"]) == config.rollouts
    trained = json.loads((round_dir / "model" / "summary.json").read_text())
    assert trained["global_step"] == 1 and trained["train_pairs"] == len(pairs)
    stats = json.loads((round_dir / "stats.json").read_text())
    assert stats["prompts"] == 2 and stats["pairs"] == len(pairs) and stats["dpo"]["global_step"] == 1
    assert json.loads((round_dir.parent / "summary.json").read_text()) == summary
    loaded = load_model(str(round_dir.parent))  # the final model, in output_dir
    assert loaded.model.config.num_hidden_layers == 2


def test_a_run_killed_while_exploring_resumes_to_the_same_pairs(finished, round_one, tmp_path):
    config, _ = finished
    done, resumed = Path(config.output_dir) / "round-1", tmp_path / "steps"
    lines = (done / "journal.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (resumed / "round-1").mkdir(parents=True)
    # killed while appending: the first prompt's entry is whole, the second one's torn
    (resumed / "round-1" / "journal.jsonl").write_text(lines[0] + lines[1][:40], encoding="utf-8")
    explore_round(replace(config, output_dir=str(resumed)), 1, config.model, round_one, progress=False)
    assert (resumed / "round-1" / "step_pairs.jsonl").read_bytes() == (done / "step_pairs.jsonl").read_bytes()
    assert read_jsonl(resumed / "round-1" / "journal.jsonl") == read_jsonl(done / "journal.jsonl")


def test_a_finished_run_is_not_redone_and_another_config_is_refused(finished):
    config, summary = finished
    journal = Path(config.output_dir) / "round-1" / "journal.jsonl"
    before = journal.read_bytes()
    again = run_steps(config, progress=False)
    assert journal.read_bytes() == before and again["pairs_per_round"] == summary["pairs_per_round"]
    with pytest.raises(ExanteError, match=r"different config \(changed: margin\).*--overwrite true"):
        run_steps(replace(config, margin=0.5), progress=False)
