"""Before any work: the stage YAMLs must chain, stages left out must be finished, finished outputs
are recognised from the stages' own marks, and the printed commands rebuild the same configs."""

import json
import shlex
from pathlib import Path

import pytest

from exante.cli import build_parser, main
from exante.config import config_from_args, load_config, save_resolved
from exante.errors import ExanteError
from exante.pipeline.chain import check_chain, config_classes, load_stage_configs
from exante.pipeline.config import QuickstartConfig, stage_kind
from exante.pipeline.status import stage_status
from exante.pipeline.summary import commands
from exante.synth.journal import Journal

from quickstart_configs import TWO_ROUNDS, write_configs

REPO = Path(__file__).parents[2]


def quickstart(capsys, *flags):
    status = main(["quickstart", "--config", "quickstart.yaml", *flags])
    return status, capsys.readouterr().err.strip()


@pytest.mark.parametrize("stage,field,value,expected", [
    ("dpo", "model", "runs/sft-old", "'runs/sft', the SFT model (sft.yaml: field 'output_dir')"),
    ("dpo", "train_file", "runs/pairs.jsonl", "'runs/pairs/pairs.jsonl', the pairs (pairs.yaml: field 'out'"),
    ("sft", "train_file", "runs/synth/rejected.jsonl", "'runs/synth/sft.jsonl', synth's output"),
    ("pairs", "sft", "data/sft.jsonl", "'runs/synth/sft.jsonl', synth's output"),
])
def test_a_broken_link_names_its_yaml_file_and_field_before_any_stage_runs(workdir, capsys, stage, field, value,
                                                                          expected):
    write_configs(workdir, **{stage: {field: value}})
    status, err = quickstart(capsys)
    assert status == 2 and "\n" not in err
    assert f"{stage}.yaml: field {field!r} is {value!r} but must be {expected}" in err
    assert not (workdir / "runs").exists()


def test_an_override_that_breaks_the_chain_is_named_as_the_override(workdir, capsys):
    status, err = quickstart(capsys, "--overrides", "{synth: {out: runs/synth2}}")
    assert status == 2
    assert "sft.yaml: field 'train_file' is 'runs/synth/sft.jsonl' but must be 'runs/synth2/sft.jsonl'" in err
    assert "pairs.yaml: field 'sft'" in err and "(overrides.synth.out + /sft.jsonl)" in err
    assert not (workdir / "runs").exists()


def test_a_second_round_samples_and_starts_from_the_first_rounds_model_and_writes_beside_it(workdir):
    qc = load_config(QuickstartConfig, "quickstart.yaml", TWO_ROUNDS)
    configs = load_stage_configs(qc)
    assert list(configs) == ["synth", "sft", "pairs", "dpo", "pairs-r2", "dpo-r2", "eval"]
    pairs, dpo = configs["pairs-r2"], configs["dpo-r2"]
    assert (pairs.out, pairs.sample_from, pairs.salt) == ("runs/pairs-r2", "runs/dpo", configs["pairs"].salt + "-r2")
    assert (pairs.samples_per_prompt, pairs.max_new_tokens) == (1, 8)  # round_overrides
    assert configs["pairs"].sample_from is None  # round 1 keeps its YAML
    assert (dpo.model, dpo.train_file, dpo.output_dir) == ("runs/dpo", "runs/pairs-r2/pairs.jsonl", "runs/dpo-r2")
    assert dpo.max_steps == configs["dpo"].max_steps
    assert configs["eval"].models == ["tiny", "runs/sft", "runs/dpo", "runs/dpo-r2"]
    check_chain(qc, configs)


def test_a_round_override_that_breaks_the_chain_is_named_as_the_round_override(workdir, capsys):
    status, err = quickstart(capsys, "--rounds", "2", "--round-overrides", "{dpo: {model: runs/sft}}")
    assert status == 2
    assert ("round_overrides.dpo.model is 'runs/sft' but must be 'runs/dpo', the round 1 DPO model "
            "(dpo.yaml: field 'output_dir')") in err
    status, err = quickstart(capsys, "--rounds", "2", "--round-overrides", "{eval: {limit: 1}}")
    assert status == 2 and "field 'round_overrides': unknown stage 'eval'; expected some of pairs, dpo" in err
    status, err = quickstart(capsys, "--rounds", "0")
    assert status == 2 and "field 'rounds' must be a whole number ≥ 1, got 0" in err
    assert not (workdir / "runs").exists()


def test_two_stages_writing_to_one_directory_are_refused(workdir, capsys):
    write_configs(workdir, sft={"output_dir": "runs/dpo"}, dpo={"model": "runs/dpo"})
    status, err = quickstart(capsys)
    assert status == 2 and "sft and dpo would both write to 'runs/dpo'" in err


def test_unknown_stages_and_unknown_override_fields_are_named(workdir, capsys):
    status, err = quickstart(capsys, "--stages", "sft", "rlhf")
    assert status == 2 and "field 'stages': unknown stage 'rlhf'" in err
    status, err = quickstart(capsys, "--overrides", "{sft: {max_step: 3}}")
    assert status == 2 and err == "error: sft.yaml with overrides.sft: unknown field 'max_step' for SFTConfig"


def test_a_stage_left_out_must_have_finished_its_output(workdir, capsys):
    status, err = quickstart(capsys, "--stages", "eval")
    assert status == 2
    assert err == "error: eval needs the output of sft (runs/sft), which is not finished: add sft to stages"


def test_a_finished_model_whose_input_will_be_rebuilt_stops_the_run_before_any_work(workdir, capsys):
    sft = load_stage_configs(load_config(QuickstartConfig, "quickstart.yaml"))["sft"]
    save_resolved(sft, "runs/sft/config.yaml")
    Path("runs/sft/summary.json").write_text("{}")
    status, err = quickstart(capsys)
    assert status == 2
    assert "runs/sft holds a finished sft model, but synth will rewrite its input first: delete runs/sft" in err
    assert not (workdir / "runs" / "synth").exists()


def test_synth_counts_as_finished_only_when_its_stats_follow_its_last_start(workdir):
    config = load_stage_configs(load_config(QuickstartConfig, "quickstart.yaml"))["synth"]
    assert stage_status("synth", config, "synth.yaml").why == "starting, output to runs/synth"
    Journal(Path(config.out), config)  # a run starts (and is killed)
    interrupted = stage_status("synth", config, "synth.yaml")
    assert not interrupted.done and interrupted.resume
    Path("runs/synth/stats.json").write_text("{}")  # the run finishes
    assert stage_status("synth", config, "synth.yaml").done
    config.limit = 5
    with pytest.raises(ExanteError, match=r"runs/synth: holds a synth run made with another config \(changed: "
                                          r"limit\); set overwrite: true \(synth.yaml\)"):
        stage_status("synth", config, "synth.yaml")
    config.overwrite = True
    assert not stage_status("synth", config, "synth.yaml").done


def test_a_trainer_output_resumes_from_its_checkpoint_and_is_finished_once_it_has_a_summary(workdir):
    config = load_stage_configs(load_config(QuickstartConfig, "quickstart.yaml"))["sft"]
    save_resolved(config, "runs/sft/config.yaml")
    (workdir / "runs" / "sft" / "checkpoint-3").mkdir()
    (workdir / "runs" / "sft" / "checkpoint-3" / "trainer_state.json").write_text("{}")  # a complete save
    (workdir / "runs" / "sft" / "checkpoint-6").mkdir()  # a save cut short
    interrupted = stage_status("sft", config, "sft.yaml")
    assert interrupted.resume and interrupted.why == "resuming from runs/sft/checkpoint-3"
    Path("runs/sft/summary.json").write_text(json.dumps({"train": {"train_runtime": 1.5}}))
    config.logging_steps, config.resume = 7, True  # fields that do not change the model
    assert stage_status("sft", config, "sft.yaml").done
    config.learning_rate = 0.5
    with pytest.raises(ExanteError, match=r"runs/sft: holds a sft run made with another config \(changed: "
                                          r"learning_rate\); delete it, or set output_dir \(sft.yaml\)"):
        stage_status("sft", config, "sft.yaml")


def test_the_printed_commands_rebuild_the_same_stage_configs(workdir):
    qc = load_config(QuickstartConfig, "quickstart.yaml", {"model": "tiny", **TWO_ROUNDS, "overrides": {
        "synth": {"limit": 3, "splits": ["train"]}, "sft": {"lora": True},
        "dpo": {"objective_weights": {"safety": 2.0, "usefulness": 1.0, "efficiency": 0.5}}}})
    configs = load_stage_configs(qc)
    lines = [line for line in commands(qc, configs) if line.startswith("exante ")]
    parser, classes = build_parser(), config_classes()
    args = parser.parse_args(shlex.split(lines[0])[1:])
    assert config_from_args(QuickstartConfig, args) == qc
    assert len(lines[1:]) == len(configs) == 7
    for stage, line in zip(configs, lines[1:]):
        args = parser.parse_args(shlex.split(line)[1:])
        kind = stage_kind(stage)
        assert args.command == kind and config_from_args(classes[kind], args) == configs[stage]
    assert configs["eval"].models == ["tiny", "runs/sft", "runs/dpo", "runs/dpo-r2"]


@pytest.mark.parametrize("name", ["quickstart.yaml", "quickstart_small.yaml", "quickstart_onpolicy.yaml"])
def test_the_shipped_quickstart_yamls_chain_the_shipped_stage_yamls(monkeypatch, name):
    monkeypatch.chdir(REPO)
    qc = load_config(QuickstartConfig, f"configs/{name}")
    configs = load_stage_configs(qc)
    check_chain(qc, configs)
    rounds = [configs[s].output_dir for s in configs if stage_kind(s) == "dpo"]
    assert len(rounds) == qc.rounds
    assert configs["eval"].models == ["smollm2-135m-instruct", configs["sft"].output_dir, *rounds]
    if name == "quickstart.yaml":
        assert qc == QuickstartConfig()  # the YAML spells out the defaults
