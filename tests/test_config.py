"""Stage configs: YAML under command-line flags, errors that name the file and field."""

import argparse
from dataclasses import dataclass

import pytest
import yaml

from exante.config import add_config_args, config_from_args, field, load_config, save_resolved
from exante.errors import ExanteError


@dataclass
class DemoConfig:
    model: str = field("tiny", help="model spec")
    lr: float = field(1e-5, help="learning rate")
    epochs: int = field(1, help="epochs")
    bf16: bool = field(False, help="bf16 autocast")
    sources: list[str] = field(["advbench"], help="prompt sources")
    adapter: str | None = field(None, help="optional adapter")


def parse(argv):
    parser = argparse.ArgumentParser()
    add_config_args(parser, DemoConfig)
    return config_from_args(DemoConfig, parser.parse_args(argv))


def test_defaults_apply_without_yaml_or_flags():
    assert parse([]) == DemoConfig()


def test_flags_override_yaml_which_overrides_defaults(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("lr: 0.001\nepochs: 3\nsources: [advbench, benign]\n")
    got = parse(["--config", str(cfg), "--epochs", "5", "--bf16", "true"])
    assert got == DemoConfig(lr=0.001, epochs=5, bf16=True, sources=["advbench", "benign"])


def test_yaml_int_is_accepted_for_float_field(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("lr: 1\n")
    assert load_config(DemoConfig, cfg).lr == 1.0


def test_unknown_yaml_field_names_file_and_field(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("learning_rate: 0.1\n")
    with pytest.raises(ExanteError, match=r"c\.yaml.*'learning_rate'"):
        load_config(DemoConfig, cfg)


def test_wrong_type_names_field_and_expected_type(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("epochs: three\n")
    with pytest.raises(ExanteError, match=r"'epochs'.*expects int"):
        load_config(DemoConfig, cfg)


def test_bad_yaml_names_the_line(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("model: tiny\nlr: [1,\n")
    with pytest.raises(ExanteError, match=r"c\.yaml:\d+: not valid YAML"):
        load_config(DemoConfig, cfg)


def test_resolved_config_round_trips_through_yaml(tmp_path):
    conf = DemoConfig(lr=0.5, adapter="x")
    save_resolved(conf, tmp_path / "resolved.yaml")
    assert load_config(DemoConfig, tmp_path / "resolved.yaml") == conf
    assert yaml.safe_load((tmp_path / "resolved.yaml").read_text())["adapter"] == "x"
