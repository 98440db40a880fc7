"""Stage configs: YAML under command-line flags, errors that name the file and field."""

import argparse
from dataclasses import dataclass
from typing import ClassVar

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


@pytest.mark.parametrize("text,message", [
    pytest.param("learning_rate: 0.1\n", r"c\.yaml: unknown field 'learning_rate'", id="unknown-field"),
    pytest.param("epochs: three\n", r"c\.yaml: field 'epochs'.*expects int", id="wrong-type"),
    pytest.param("model: tiny\nlr: [1,\n", r"c\.yaml:\d+: not valid YAML", id="bad-yaml"),
])
def test_a_bad_yaml_file_is_an_error_naming_the_file_and_what_is_wrong(tmp_path, text, message):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(text)
    with pytest.raises(ExanteError, match=message):
        load_config(DemoConfig, cfg)


def test_resolved_config_round_trips_through_yaml(tmp_path):
    conf = DemoConfig(lr=0.5, adapter="x")
    save_resolved(conf, tmp_path / "resolved.yaml")
    assert load_config(DemoConfig, tmp_path / "resolved.yaml") == conf
    assert yaml.safe_load((tmp_path / "resolved.yaml").read_text())["adapter"] == "x"


@dataclass
class SharedFields:
    FLAG_GROUP: ClassVar[str] = "SharedFields"

    seed: int = field(0, help="seed")


@dataclass
class RenamedFlagConfig(SharedFields):
    models: list[str] = field(["tiny"], flag="--model", help="models")


def test_a_renamed_flag_sets_its_field_and_repeated_list_flags_add_up(tmp_path):
    parser = argparse.ArgumentParser()
    add_config_args(parser, RenamedFlagConfig)
    cfg = tmp_path / "c.yaml"
    cfg.write_text("models: [from-yaml]\nseed: 3\n")
    got = config_from_args(RenamedFlagConfig, parser.parse_args(["--config", str(cfg), "--model", "a", "--model", "b", "c"]))
    assert got == RenamedFlagConfig(seed=3, models=["a", "b", "c"])
    with pytest.raises(SystemExit):
        parser.parse_args(["--models", "a"])


def test_inherited_fields_are_listed_after_the_configs_own():
    parser = argparse.ArgumentParser()
    add_config_args(parser, RenamedFlagConfig)
    groups = parser.format_help().split("\n\n")
    own, shared = (next(g for g in groups if g.startswith(title)) for title in ("RenamedFlagConfig", "SharedFields"))
    assert groups.index(own) < groups.index(shared) and "--model" in own and "--seed" in shared
