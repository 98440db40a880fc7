"""Before any work `exante run` loads every stage of a recipe and names every mistake with the recipe
file, the stage and the field; the shipped recipes all load and chain; a stage's manifest decides
whether it is skipped, resumed or redone. Nothing here runs a stage."""

from pathlib import Path

import pytest
import yaml

from exante.cli import main
from exante.errors import ExanteError
from exante.pipeline.links import load_chain
from exante.pipeline.manifest import new_manifest, stage_state, write_manifest
from exante.pipeline.recipe import load_recipe
from exante.pipeline.registry import STAGE_TYPES, StageType

from recipe_configs import tiny_stages, write_recipe

REPO = Path(__file__).parents[2]
RECIPES = REPO / "recipes"
SHIPPED = sorted(p.relative_to(RECIPES).with_suffix("").as_posix() for p in RECIPES.rglob("*.yaml"))


def run(capsys, *args):
    status = main(["run", *args])
    return status, capsys.readouterr().err.strip()


def with_set(stage: str, **fields) -> list[dict]:
    """The tiny chain with ``fields`` replacing stage ``stage``'s set (None drops a field)."""
    stages = tiny_stages()
    entry = next(s for s in stages if s["name"] == stage)
    entry["set"] = {k: v for k, v in {**entry["set"], **fields}.items() if v is not None}
    return stages


def test_every_broken_link_is_named_at_once_with_the_recipe_file_stage_and_field(recipe_dir, capsys):
    stages = with_set("dpo", model="${sfx.output_dir}", train_file="${pairs.out}/pair.jsonl")
    stages[1]["set"]["train_file"] = "${dpo.output_dir}"
    stages[4]["set"]["models"] = ["${model}", "${dpo.output_dr}"]
    write_recipe(recipe_dir, stages=stages)
    status, err = run(capsys, "tiny")
    assert status == 2 and "\n" not in err
    assert err.startswith("error: the stages do not chain: ")
    assert ("recipes/tiny.yaml: stage 'sft': set.train_file: link ${dpo.output_dir} names stage 'dpo', which runs "
            "after 'sft'") in err
    assert "recipes/tiny.yaml: stage 'dpo': set.model: link ${sfx.output_dir} names no stage of recipes/tiny.yaml" in err
    assert ("recipes/tiny.yaml: stage 'dpo': set.train_file: ${pairs.out}/pair.jsonl is not an output of stage "
            "'pairs' (type pairs writes ${pairs.out}/pairs.jsonl,") in err
    assert "recipes/tiny.yaml: stage 'eval': set.models: link ${dpo.output_dr}: stage 'dpo' has no field 'output_dr'" in err
    assert not (recipe_dir / "runs").exists()


def test_an_input_left_to_the_stage_yamls_default_path_is_named(recipe_dir, capsys):
    write_recipe(recipe_dir, stages=with_set("dpo", train_file=None))
    status, err = run(capsys, "tiny")
    assert status == 2
    assert ("recipes/tiny.yaml: stage 'dpo': input field 'train_file' is not set: give it in the stage's set (a link "
            "to an earlier stage's output such as ${synth.out}/sft.jsonl, or a path)") in err


def test_an_input_file_that_does_not_exist_and_that_no_stage_writes_is_named(recipe_dir, capsys):
    write_recipe(recipe_dir, stages=with_set("pairs", sft="data/mine.jsonl"))
    status, err = run(capsys, "tiny")
    assert status == 2
    assert ("recipes/tiny.yaml: stage 'pairs': field 'sft' is 'data/mine.jsonl', which does not exist and which "
            "no stage of recipes/tiny.yaml writes") in err


def test_an_unknown_stage_type_names_the_file_the_stage_and_the_types(recipe_dir, capsys):
    stages = tiny_stages()
    stages[3]["type"] = "rlhf"
    write_recipe(recipe_dir, stages=stages)
    status, err = run(capsys, "tiny")
    assert status == 2
    assert err == ("error: recipes/tiny.yaml: stage 'dpo': field 'type': unknown stage type 'rlhf'; expected one of "
                   f"{', '.join(STAGE_TYPES)}")


def test_an_unknown_field_is_named_where_it_was_set_in_the_recipe_or_on_the_command_line(recipe_dir, capsys):
    write_recipe(recipe_dir, stages=with_set("sft", max_step=3))
    status, err = run(capsys, "tiny")
    assert status == 2 and "recipes/tiny.yaml: stage 'sft': set.max_step: unknown field 'max_step' for SFTConfig" in err
    write_recipe(recipe_dir)
    status, err = run(capsys, "tiny", "--set", "dpo.bta=0.2")
    assert status == 2 and "--set dpo.bta=0.2: unknown field 'bta' for DPOConfig" in err
    status, err = run(capsys, "tiny", "--set", "rlhf.beta=0.2")
    assert status == 2 and err == ("error: --set rlhf.beta=0.2: recipes/tiny.yaml has no stage 'rlhf' "
                                   "(stages: synth, sft, pairs, dpo, eval)")
    status, err = run(capsys, "tiny", "--set", "beta=0.2")
    assert status == 2 and err == "error: --set 'beta=0.2': expected stage.field=value, e.g. sft.max_steps=10"
    status, err = run(capsys, "tiny", "--set", "sft.max_steps=many")
    assert status == 2 and "recipes/tiny.yaml: stage 'sft': field 'max_steps' of SFTConfig expects int" in err
    assert "(set at --set sft.max_steps=many)" in err
    status, err = run(capsys, "tiny", "--set", "sft.output_dir=elsewhere")
    assert status == 2 and "the output folder is set by exante run (<out>/sft)" in err
    status, err = run(capsys, "nosuch")
    assert status == 2 and err.startswith("error: unknown recipe 'nosuch': no recipes/nosuch.yaml (recipes: tiny")
    assert not (recipe_dir / "runs").exists()


def test_a_stage_type_whose_module_is_not_in_the_checkout_fails_in_one_line(recipe_dir, capsys, monkeypatch):
    monkeypatch.setitem(STAGE_TYPES, "later", StageType("exante.later.config:LaterConfig", "exante.later.run:run",
                                                        "output_dir", "summary.json", ("",)))
    stages = tiny_stages()
    stages.insert(4, {"name": "later", "type": "later", "set": {"model": "${dpo.output_dir}"}})
    write_recipe(recipe_dir, stages=stages)
    status, err = run(capsys, "tiny")
    assert status == 2
    assert err == ("error: recipes/tiny.yaml: stage 'later': stage type 'later' needs exante.later.config (its "
                   "config), which is not in this checkout of exante")


def test_from_and_until_name_stages_of_the_recipe_and_what_they_leave_out_must_be_finished(recipe_dir, capsys):
    status, err = run(capsys, "tiny", "--from", "dpo")
    assert status == 2
    assert err == ("error: dpo reads the output of sft (runs/tiny/sft), which is not finished: run from sft "
                   "(--from sft)")
    status, err = run(capsys, "tiny", "--until", "rlhf")
    assert status == 2 and err.startswith("error: --until rlhf: recipes/tiny.yaml has no stage 'rlhf'")
    status, err = run(capsys, "tiny", "--from", "eval", "--until", "sft")
    assert status == 2 and err == "error: --from eval --until sft: eval runs after sft in recipes/tiny.yaml"
    assert not (recipe_dir / "runs").exists()


def test_a_stage_folder_holding_files_exante_run_did_not_make_is_refused(recipe_dir, capsys):
    (recipe_dir / "runs/tiny/synth").mkdir(parents=True)
    (recipe_dir / "runs/tiny/synth/notes.txt").write_text("mine")
    status, err = run(capsys, "tiny")
    assert status == 2 and err == ("error: runs/tiny/synth: holds files that exante run did not make (no "
                                   "manifest.json); delete it or choose another --out")


def test_a_variant_adds_its_set_to_the_recipe_it_extends_and_the_command_line_comes_last(recipe_dir):
    (recipe_dir / "recipes/tiny-quick.yaml").write_text(yaml.safe_dump(
        {"extends": "tiny", "out": "runs/quick", "set": {"sft": {"max_steps": 1}, "eval": {"limit": 1}}}))
    chain = load_chain(load_recipe("tiny-quick", sets=["eval.limit=3"]))
    assert chain.recipe.names() == ["synth", "sft", "pairs", "dpo", "eval"]
    assert chain.configs["sft"].max_steps == 1 and chain.configs["eval"].limit == 3
    assert chain.configs["dpo"].model == "runs/quick/sft" and chain.configs["eval"].out == "runs/quick/eval"
    assert chain.dependents("sft") == ["dpo", "eval"]  # pairs reads synth only


def test_a_recipe_in_a_subfolder_that_extends_with_stages_runs_them_after_its_parent_s_in_its_folder(recipe_dir):
    write_recipe(recipe_dir, "experiments/chain", out="runs/shared")
    (recipe_dir / "recipes/experiments/more.yaml").write_text(yaml.safe_dump({"extends": "chain", "stages": [
        {"name": "dpo-b2", "type": "dpo", "config": "dpo.yaml",
         "set": {"model": "${sft.output_dir}", "train_file": "${pairs.out}/pairs.jsonl", "beta": 0.2}},
        {"name": "eval-b2", "type": "eval", "config": "eval.yaml", "set": {"models": ["${dpo-b2.output_dir}"]}}]}))
    chain = load_chain(load_recipe("experiments/more"))
    assert chain.recipe.names() == ["synth", "sft", "pairs", "dpo", "eval", "dpo-b2", "eval-b2"]
    assert chain.configs["dpo-b2"].model == "runs/shared/sft" and chain.configs["dpo-b2"].beta == 0.2
    assert chain.configs["eval-b2"].out == "runs/shared/eval-b2"  # the parent's folder: its stages are shared
    with pytest.raises(ExanteError, match=r"recipes: experiments/chain, experiments/more, tiny"):
        load_recipe("experiments/nosuch")


def manifest_of(chain, stage: str, done: str) -> None:
    """The marks a finished stage leaves: its manifest (finished) and its completion file."""
    manifest = new_manifest(chain, stage, None, resume=False)
    write_manifest(chain.out_dir(stage), manifest | {"finished": "now"})
    (chain.out_dir(stage) / done).write_text("{}")


def test_a_finished_stage_is_skipped_until_a_field_that_makes_its_output_or_an_input_changes(recipe_dir):
    chain = load_chain(load_recipe("tiny"))
    manifest_of(chain, "synth", "stats.json")
    (chain.out_dir("synth") / "sft.jsonl").write_text('{"id": 1}\n')
    manifest_of(chain, "sft", "summary.json")
    assert stage_state(chain, "synth").action == "skip" and stage_state(chain, "sft").action == "skip"
    chain = load_chain(load_recipe("tiny", sets=["synth.batch_size=2", "sft.logging_steps=7"]))  # how, not what
    assert stage_state(chain, "synth").action == "skip" and stage_state(chain, "sft").action == "skip"
    chain = load_chain(load_recipe("tiny", sets=["sft.learning_rate=0.5"]))
    state = stage_state(chain, "sft")
    assert (state.action, state.why) == ("redo", "starting over in runs/tiny/sft: changed since its last run: "
                                         "learning_rate")
    (chain.out_dir("synth") / "sft.jsonl").write_text('{"id": 2}\n')
    assert stage_state(load_chain(load_recipe("tiny")), "sft").why.endswith("changed since its last run: input train_file")
    chain = load_chain(load_recipe("tiny", out="runs/elsewhere"))  # another run folder: nothing there yet
    assert stage_state(chain, "synth").action == "run"


def test_a_pairs_stage_is_redone_when_a_file_it_includes_changes(recipe_dir):
    stages = tiny_stages()
    stages.insert(3, {"name": "merged", "type": "pairs", "config": "pairs.yaml", "set": {
        "sft": "${synth.out}/sft.jsonl", "objectives": [], "include": [{"file": "${pairs.out}/pairs.jsonl"}]}})
    stages[4]["set"]["train_file"] = "${merged.out}/pairs.jsonl"
    write_recipe(recipe_dir, stages=stages)
    chain = load_chain(load_recipe("tiny"))
    (chain.out_dir("pairs")).mkdir(parents=True)
    (chain.out_dir("pairs") / "pairs.jsonl").write_text('{"id": 1}\n')
    manifest_of(chain, "merged", "stats.json")
    assert stage_state(chain, "merged").action == "skip"
    (chain.out_dir("pairs") / "pairs.jsonl").write_text('{"id": 2}\n')
    assert stage_state(chain, "merged").why.endswith("changed since its last run: input include")


def test_a_stage_without_its_completion_file_resumes(recipe_dir):
    chain = load_chain(load_recipe("tiny"))
    manifest_of(chain, "synth", "stats.json")
    (chain.out_dir("synth") / "stats.json").unlink()
    assert stage_state(chain, "synth").action == "resume"


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_recipe_loads_and_chains_on_any_model(monkeypatch, name):
    monkeypatch.chdir(REPO)
    model = "HuggingFaceTB/SmolLM2-360M-Instruct"
    try:
        chain = load_chain(load_recipe(name, model=model, out="runs/check"))
    except ExanteError as exc:
        if "which is not in this checkout of exante" in str(exc):
            pytest.skip(str(exc))  # a stage another change adds; the message is the one a user sees
        raise
    names = chain.recipe.names()
    assert chain.recipe.stages[-1].type == "eval"
    if not name.startswith("experiments/"):  # a method's report starts with the base model; an experiment's need not
        assert names[-1] == "eval" and chain.configs["eval"].models[0] == model
    for spec in chain.recipe.stages:
        stage = spec.name
        assert chain.out_dir(stage) == Path("runs/check") / stage
        assert all(names.index(read) < names.index(stage) for read in chain.reads[stage])
        if spec.type != "eval":  # every stage's output is read by a later one
            assert chain.dependents(stage), f"{name}: nothing reads {stage}"
    if "sft" in names:
        assert chain.configs["sft"].model == model
    if name.endswith("-quick"):
        full = load_recipe(name.removesuffix("-quick"))
        assert [(s.name, s.type) for s in chain.recipe.stages] == [(s.name, s.type) for s in full.stages]


@pytest.mark.parametrize("command", ["run", "compare"])
def test_run_and_compare_answer_help_with_their_positional_arguments(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: exante {command}") and ("[RECIPE]" if command == "run" else "[RUN_DIR ...]") in out


def test_quickstart_answers_help_as_exante_run_erpo_quick(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["quickstart", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: exante quickstart") and "exante quickstart is exante run erpo-quick" in out
    assert all(flag in out for flag in ("--model", "--out", "--from", "--until", "--set"))
    assert "--recipe" not in out  # it runs one recipe


@pytest.mark.parametrize("flags", [["--set", "rlhf.beta=0.2"], ["--from", "nosuch"]])
def test_quickstart_runs_the_plan_of_exante_run_erpo_quick(monkeypatch, tmp_path, capsys, flags):
    monkeypatch.chdir(REPO)
    flags = ["--model", "tiny", "--out", str(tmp_path / "run"), *flags]  # never the default model, never in REPO
    quick_status, quick_err = main(["quickstart", *flags]), capsys.readouterr().err.strip()
    status, err = run(capsys, "erpo-quick", *flags)
    assert quick_status == status == 2 and quick_err == err and "\n" not in err
    assert err.startswith("error: ") and "recipes/erpo-quick.yaml has no stage" in err
    assert not (tmp_path / "run").exists()
