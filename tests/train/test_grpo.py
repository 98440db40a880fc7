"""`exante grpo`: TRL's GRPOTrainer on the tiny model with exante's rewards — every part with its weight, or
the combined reward — two steps each; sampled tokens counted across a resume; bad settings fail before loading."""

import json
from pathlib import Path

import pytest

from exante.errors import ExanteError
from exante.train.grpo import GRPOStageConfig, prompt_records, run_grpo

PARTS = ("refusal_correct", "harmless", "trace_sound", "rule_fit", "reasoning_length")


@pytest.fixture
def grpo_config(tmp_path):
    def make(**overrides) -> GRPOStageConfig:
        fields = {"model": "tiny", "output_dir": str(tmp_path / "grpo-out"), "prompts_per_kind": 1,
                  "num_generations": 2, "batch_size": 4, "max_completion_length": 8, "max_steps": 2,
                  "learning_rate": 1e-3, "logging_steps": 1, "save_steps": 1000, "precision": "fp32", **overrides}
        return GRPOStageConfig(**fields)

    return make


def _log(cfg):
    return [json.loads(line) for line in open(f"{cfg.output_dir}/log.jsonl")]


def test_grpo_trains_with_every_reward_part_and_counts_the_sampled_tokens(grpo_config):
    cfg = grpo_config()
    summary = run_grpo(cfg)
    assert summary["global_step"] == 2 and summary["reward_weights"] == dict(zip(PARTS, [1.0, 1.0, 0.5, 0.25, 1.0]))
    steps = [r for r in _log(cfg) if "completions/mean_length" in r]
    assert all(f"rewards/{name}/mean" in steps[0] for name in PARTS)
    # every step samples batch_size completions, each of at most max_completion_length tokens
    sampled = sum(r["completions/mean_length"] * cfg.batch_size for r in steps)
    assert summary["sampled_completion_tokens"] == pytest.approx(sampled) and 0 < sampled <= 2 * 4 * 8
    assert steps[-1]["sampled_completion_tokens"] == summary["sampled_completion_tokens"]
    assert json.loads(open(f"{cfg.output_dir}/summary.json").read()) == summary
    assert Path(cfg.output_dir, "model.safetensors").exists()


def test_grpo_trains_a_lora_adapter_with_the_combined_reward(grpo_config):
    cfg = grpo_config(reward_mode="combined", lora=True, beta=0.04)
    summary = run_grpo(cfg)
    assert summary["reward_weights"] == {"safety": 1.0}
    assert "rewards/safety/mean" in _log(cfg)[0]
    assert Path(cfg.output_dir, "adapter_config.json").exists()


def test_a_resumed_run_continues_the_step_and_token_counts(grpo_config):
    first = run_grpo(grpo_config(save_steps=1))
    resumed = run_grpo(grpo_config(save_steps=1, max_steps=3, resume=True))
    assert (resumed["resumed_from"].endswith("checkpoint-2"), resumed["global_step"]) == (True, 3)
    log = _log(grpo_config())
    assert [r["step"] for r in log if "completions/mean_length" in r] == [1, 2, 3]
    third = log[-2] if "train_runtime" in log[-1] else log[-1]
    assert resumed["sampled_completion_tokens"] == pytest.approx(first["sampled_completion_tokens"]
                                                                  + third["completions/mean_length"] * 4)


def test_a_token_budget_stops_training_at_the_step_that_reaches_it(grpo_config):
    cfg = grpo_config(max_steps=6, max_sampled_tokens=1)
    summary = run_grpo(cfg)
    assert summary["global_step"] == 1 and summary["sampled_completion_tokens"] >= 1
    assert Path(cfg.output_dir, "checkpoint-1").exists()  # saved where it stopped, so a resume starts there


def test_the_prompt_rows_carry_kind_category_judge_prompt_and_expected_rules(grpo_config):
    rows = prompt_records(grpo_config(prompts_per_kind=2, system_prompt="Think first."))
    assert sorted(r["kind"] for r in rows) == sorted(["benign", "borderline", "harmful", "jailbreak"] * 2)
    assert all(r["prompt"][0] == {"role": "system", "content": "Think first."} and r["prompt"][1]["role"] == "user"
               for r in rows)
    harmful = [r for r in rows if r["kind"] in ("harmful", "jailbreak")]
    assert all(r["expected_rules"] for r in harmful)
    assert all(r["judge_prompt"] != r["prompt"][1]["content"] for r in rows if r["kind"] == "jailbreak")
    assert prompt_records(grpo_config(prompts_per_kind=2)) == prompt_records(grpo_config(prompts_per_kind=2, system_prompt=None))


@pytest.mark.parametrize("overrides, message", [
    ({"reward_mode": "sum"}, "reward_mode is 'sum'"),
    ({"batch_size": 3}, "must be a multiple of num_generations"),
    ({"beta": 0.1, "lora": False}, "beta > 0 needs lora"),
])
def test_bad_settings_fail_before_any_model_is_loaded(grpo_config, overrides, message):
    with pytest.raises(ExanteError, match=message):
        run_grpo(grpo_config(model="/no/such/model", **overrides))
