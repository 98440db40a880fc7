"""A bad steps config fails at once with one line naming the field; the shipped YAML loads; the CLI has --help."""

import pytest

from exante.cli import main
from exante.config import load_config
from exante.errors import ExanteError
from exante.steps.config import StepsConfig
from exante.steps.run import run_steps


@pytest.mark.parametrize("fields, message", [
    ({"decision_steps": ["answer"]}, "field 'decision_steps': unknown 'answer'.*nothing to roll out"),
    ({"decision_steps": []}, "field 'decision_steps' is empty"),
    ({"decision_steps": ["verification", "verification"]}, "names an entry twice"),
    ({"corruptions": ["typo"]}, "field 'corruptions': unknown 'typo'"),
    ({"alternatives": 0}, "field 'alternatives' must be ≥ 1"),
    ({"rollouts": 0}, "field 'rollouts' must be ≥ 1"),
    ({"temperature": 0.0}, "field 'temperature' must be > 0"),
    ({"margin": -1.0}, "field 'margin' must be ≥ 0"),
    ({"mix": {"harmless": 1.0}}, "field 'mix': unknown kind 'harmless'"),
    ({"harm_judge": "gpt"}, "field 'harm_judge': unknown harm judge 'gpt'"),
    ({"dpo": {"beta": 0.5}}, "field 'dpo' may not set beta"),
    ({"dpo": {"batch_sise": 4}}, "field 'dpo': unknown field 'batch_sise' for DPOConfig"),
    ({"dpo": {"batch_size": "four"}}, "field 'dpo': field 'batch_size' of DPOConfig expects int"),
])
def test_a_bad_field_is_named_in_one_line(fields, message):
    with pytest.raises(ExanteError, match=message):
        StepsConfig(**fields)


def test_the_round_dpo_gets_the_loss_fields_the_paths_and_resume():
    config = StepsConfig(beta=0.3, dpo={"batch_size": 2})
    dpo = config.dpo_config("runs/sft", "r/step_pairs.jsonl", "r/model")
    assert (dpo.beta, dpo.batch_size, dpo.model, dpo.train_file, dpo.output_dir, dpo.resume) == (
        0.3, 2, "runs/sft", "r/step_pairs.jsonl", "r/model", True)


def test_the_fingerprint_ignores_where_and_how_far_a_run_goes():
    base = StepsConfig()
    assert StepsConfig(output_dir="elsewhere", rounds=3, batch_size=4).fingerprint() == base.fingerprint()
    assert StepsConfig(margin=0.5).fingerprint() != base.fingerprint()


def test_the_shipped_yaml_loads():
    config = load_config(StepsConfig, "configs/steps.yaml")
    assert config.decision_steps == ["verification", "calibration"]


def test_a_missing_start_model_fails_before_any_work(tmp_path, capsys):
    status = main(["steps", "--model", str(tmp_path / "nowhere"), "--output-dir", str(tmp_path / "out")])
    assert status == 2 and "model path not found" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_pool_too_small_for_the_rounds_fails_before_any_work(tmp_path):
    config = StepsConfig(model="tiny", output_dir=str(tmp_path / "out"), mix={"benign": 1.0}, prompts_per_round=100_000)
    with pytest.raises(ExanteError, match="prompt pool: 1 rounds × 100000 benign prompts need 100000"):
        run_steps(config, progress=False)
    assert not (tmp_path / "out" / "round-1").exists()


def test_the_command_documents_every_field(capsys):
    with pytest.raises(SystemExit):
        main(["steps", "--help"])
    text = capsys.readouterr().out
    assert all(flag in text for flag in ("--decision-steps", "--alternatives", "--rollouts", "--corruptions",
                                          "--min-chosen-value", "--harm-judge", "--dpo"))
