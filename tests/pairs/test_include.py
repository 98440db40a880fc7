"""`PairsConfig.include`: pairs of earlier runs follow a run's own, filtered by objective, origin and
new prompts, each id once; a missing or broken file fails before any pair is made."""

import json

import pytest

from exante.cli import main
from exante.errors import ExanteError
from exante.pairs.config import PairsConfig
from exante.pairs.run import run_pairs

from .pairs_data import sft_records, write_jsonl

FAST_JUDGES = {"refusal_judge": "phrase", "harm_judge": "nonrefusal-harmful"}


@pytest.fixture
def make_run(tmp_path):
    sft = write_jsonl(tmp_path / "sft.jsonl", sft_records())

    def make(out: str, **fields) -> tuple[PairsConfig, list[dict]]:
        config = PairsConfig(sft=sft, out=str(tmp_path / out), **FAST_JUDGES, **fields)
        run_pairs(config, progress=False)
        return config, _read(f"{config.out}/pairs.jsonl")

    return make


def _read(path) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def _prompt(pair: dict) -> str:
    return pair["id"].split("/", 3)[3]


def test_included_pairs_follow_the_run_s_own_filtered_by_objective_and_origin(make_run):
    first, own = make_run("first", objectives=["safety"])
    second, other = make_run("second", objectives=["safety", "usefulness"], salt="round-2")
    include = [{"file": f"{second.out}/pairs.jsonl", "objectives": ["usefulness"]},
               {"file": f"{second.out}/pairs.jsonl", "objectives": ["safety"], "origins": ["sampled"]}]
    merged_config, merged = make_run("merged", objectives=["safety"], include=include)
    usefulness = [p for p in other if p["objective"] == "usefulness"]
    assert usefulness and merged == own + usefulness  # constructed only: no sampled safety pair to take
    stats = json.load(open(f"{merged_config.out}/stats.json"))
    assert stats["pairs"] == len(merged) and [c["pairs"] for c in stats["included"]] == [len(usefulness), 0]


def test_new_prompts_keeps_only_pairs_on_prompts_no_pair_before_them_has(make_run):
    first, own = make_run("first", objectives=["safety"], max_pairs={"safety": 2}, pairs_per_prompt={"safety": 1})
    second, other = make_run("second", objectives=["safety"], pairs_per_prompt={"safety": 1}, salt="round-2")
    _, merged = make_run("merged", objectives=[], include=[
        {"file": f"{first.out}/pairs.jsonl"}, {"file": f"{second.out}/pairs.jsonl", "new_prompts": True}])
    fresh = [p for p in other if _prompt(p) not in {_prompt(q) for q in own}]
    assert len(own) == 2 and len(fresh) == len(other) - 2 > 0
    assert merged == own + fresh


def test_a_pair_included_twice_and_a_missing_file_are_named_before_any_pair_is_made(make_run, tmp_path):
    first, own = make_run("first", objectives=["efficiency"])
    twice = [{"file": f"{first.out}/pairs.jsonl"}, {"file": f"{first.out}/pairs.jsonl"}]
    with pytest.raises(ExanteError, match=rf"first/pairs.jsonl:1: pair '{own[0]['id']}' is already among the pairs"):
        make_run("twice", objectives=[], include=twice)
    with pytest.raises(ExanteError, match="missing.jsonl: file not found"):
        make_run("missing", include=[{"file": str(tmp_path / "missing.jsonl")}])
    assert not (tmp_path / "missing").exists()


def test_the_cli_takes_include_entries_as_yaml(make_run, tmp_path):
    first, own = make_run("first", objectives=["safety", "efficiency"])
    yaml_file = tmp_path / "merge.yaml"
    yaml_file.write_text(f"sft: {first.sft}\nout: {tmp_path / 'cli'}\nobjectives: []\n"
                         "refusal_judge: phrase\nharm_judge: nonrefusal-harmful\n")
    entry = f"{{file: {first.out}/pairs.jsonl, objectives: [efficiency]}}"
    assert main(["-q", "pairs", "--config", str(yaml_file), "--include", entry]) == 0
    assert _read(tmp_path / "cli/pairs.jsonl") == [p for p in own if p["objective"] == "efficiency"]


@pytest.mark.parametrize("entry, expected", [
    ("runs/pairs/pairs.jsonl", "expected a mapping with 'file'"),
    ({"file": "a.jsonl", "prompts": "new"}, "unknown key 'prompts'"),
    ({"file": "a.jsonl", "origins": ["teacher"]}, "'origins' expects a list of sampled, constructed"),
    ({"file": "a.jsonl", "objectives": ["speed"]}, "'objectives' expects a list of safety, usefulness, efficiency"),
    ({"file": "a.jsonl", "new_prompts": "yes"}, "'new_prompts' expects true or false"),
])
def test_a_malformed_include_entry_names_the_field_and_what_was_expected(entry, expected):
    with pytest.raises(ExanteError, match=r"field 'include'\[0\]: .*" + expected.replace("[", r"\[")):
        PairsConfig(include=[entry])
