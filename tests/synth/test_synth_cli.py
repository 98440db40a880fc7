"""Bad input fails early with one clear line; the resolved config is typed and documented."""

import dataclasses
from pathlib import Path

import pytest

from exante.cli import main
from exante.config import load_config
from exante.errors import ExanteError
from exante.synth.config import SynthConfig
from exante.synth.journal import Journal


def run_cli(capsys, *argv):
    status = main(["synth", *map(str, argv)])
    return status, capsys.readouterr().err.strip()


def test_an_unknown_teacher_is_a_one_line_error_naming_the_known_ones(tmp_path, capsys):
    status, err = run_cli(capsys, "--teacher", "gpt-magic", "--out", tmp_path / "o")
    assert status == 2
    assert err == "error: SynthConfig: unknown teacher 'gpt-magic'; expected one of compose, openai, hf"


def test_malformed_yaml_names_file_and_line(tmp_path, capsys):
    config = tmp_path / "synth.yaml"
    config.write_text("teacher: compose\nsplits: [train, dev\nstyle: concise\n")
    status, err = run_cli(capsys, "--config", config)
    assert status == 2 and err.startswith(f"error: {config}:") and "not valid YAML" in err and "\n" not in err


def test_an_unknown_field_or_wrong_type_is_named(tmp_path, capsys):
    config = tmp_path / "synth.yaml"
    config.write_text("teachr: compose\n")
    status, err = run_cli(capsys, "--config", config)
    assert status == 2 and "unknown field 'teachr'" in err
    config.write_text("limit: many\n")
    status, err = run_cli(capsys, "--config", config)
    assert status == 2 and "'limit'" in err and "int" in err


@pytest.mark.parametrize("overrides,message", [
    ({"style": "verbose"}, "'style' must be one of concise, long"),
    ({"max_unsafe_share": 1.5}, "max_unsafe_share"),
    ({"splits": []}, "'splits'"),
    ({"batch_size": 0}, "'batch_size' must be ≥ 1"),
])
def test_invalid_values_are_rejected_when_the_config_is_built(overrides, message):
    with pytest.raises(ExanteError, match=message):
        load_config(SynthConfig, overrides=overrides)


def test_model_teachers_need_a_model_and_a_set_key_variable(tmp_path, capsys, monkeypatch):
    status, err = run_cli(capsys, "--teacher", "openai", "--out", tmp_path / "o")
    assert status == 2 and "needs 'teacher_model'" in err
    monkeypatch.delenv("EXANTE_TEST_KEY", raising=False)
    status, err = run_cli(capsys, "--teacher", "openai", "--teacher-model", "m", "--api-key-env", "EXANTE_TEST_KEY",
                          "--out", tmp_path / "o")
    assert status == 2 and "'EXANTE_TEST_KEY', which is not set" in err


def test_every_field_has_help_text():
    for f in dataclasses.fields(SynthConfig):
        assert f.metadata.get("help"), f.name


def test_resuming_into_a_run_made_with_another_config_is_refused_unless_overwriting(tmp_path):
    journal = Journal(tmp_path, SynthConfig(out=str(tmp_path)))
    journal.append({"id": "a", "accepted": False, "code": "x", "reason": "r"})
    with pytest.raises(ExanteError, match=r"different config \(changed: style\)"):
        Journal(tmp_path, SynthConfig(out=str(tmp_path), style="long"))
    # run-only fields (where to write, how fast) do not count as a different config
    assert "a" in Journal(tmp_path, SynthConfig(out=str(tmp_path), concurrency=2, batch_size=4)).entries
    fresh = Journal(tmp_path, SynthConfig(out=str(tmp_path), style="long", overwrite=True))
    assert fresh.entries == {}


def test_a_torn_journal_line_is_dropped_and_appending_continues_cleanly(tmp_path):
    config = SynthConfig(out=str(tmp_path))
    journal = Journal(tmp_path, config)
    journal.append({"id": "a", "accepted": True})
    with open(journal.path, "a") as fh:
        fh.write('{"id": "b", "acc')  # a writer killed mid-line
    resumed = Journal(tmp_path, config)
    assert set(resumed.entries) == {"a"}
    resumed.append({"id": "b", "accepted": True})
    assert set(Journal(tmp_path, config).entries) == {"a", "b"}


def test_retryable_failures_are_not_done_and_the_last_outcome_wins(tmp_path):
    config = SynthConfig(out=str(tmp_path))
    journal = Journal(tmp_path, config)
    journal.append({"id": "a", "accepted": False, "retryable": True})
    journal.append({"id": "b", "accepted": False})
    resumed = Journal(tmp_path, config)
    assert not resumed.done("a") and resumed.done("b") and not resumed.done("c")
    resumed.append({"id": "a", "accepted": True})
    assert Journal(tmp_path, config).done("a")


@pytest.mark.parametrize("path", sorted((Path(__file__).parents[2] / "configs").glob("synth*.yaml")), ids=lambda p: p.name)
def test_every_shipped_synth_config_loads(path):
    config = load_config(SynthConfig, path)
    assert config.teacher in ("compose", "openai", "hf") and config.out.startswith("runs/")
