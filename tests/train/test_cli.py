"""The sft/dpo sub-commands: YAML under flags, the resolved config saved, bad input as a one-line error."""

from pathlib import Path

import pytest
import yaml

from exante.cli import main
from exante.config import load_config
from exante.train.config import DPOConfig, SFTConfig

from .conftest import pair_records, sft_records, write_jsonl

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("name, cls", [("sft.yaml", SFTConfig), ("dpo.yaml", DPOConfig)])
def test_shipped_configs_load_and_set_every_field(name, cls):
    config = load_config(cls, CONFIGS / name)
    assert set(yaml.safe_load((CONFIGS / name).read_text())) >= {"model", "learning_rate", "batch_size"}
    assert config.lora is False and config.precision == "auto"


def test_flags_override_the_yaml_and_the_resolved_config_is_saved(tmp_path):
    train = write_jsonl(tmp_path / "sft.jsonl", sft_records(4))
    cfg = tmp_path / "sft.yaml"
    cfg.write_text(yaml.safe_dump({"model": "tiny", "train_file": train, "max_length": 128, "batch_size": 2,
                                   "max_steps": 5, "warmup": 0.0, "output_dir": str(tmp_path / "out")}))
    assert main(["-q", "sft", "--config", str(cfg), "--max-steps", "1", "--learning-rate", "0.001"]) == 0
    saved = load_config(SFTConfig, tmp_path / "out" / "config.yaml")
    assert (saved.max_steps, saved.learning_rate, saved.batch_size, saved.model) == (1, 0.001, 2, "tiny")


def test_a_pair_without_rejected_exits_2_with_file_line_and_field(tmp_path, capsys):
    pairs = pair_records(3)
    del pairs[2]["rejected"]
    train = write_jsonl(tmp_path / "pairs.jsonl", pairs)
    assert main(["dpo", "--model", "tiny", "--train-file", train, "--output-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and err.endswith("pairs.jsonl:3: missing field 'rejected' (pairs need prompt, chosen and rejected)")
    assert "\n" not in err
