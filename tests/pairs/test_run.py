"""`exante pairs`: every objective yields checked pairs; runs are deterministic and resumable; bad input
names file and line. Judges are the fast phrase-based ones; the sampling path uses the tiny model."""

import json
from pathlib import Path

import pytest

from exante.cli import main
from exante.config import load_config
from exante.errors import ExanteError
from exante.pipeline.links import load_chain
from exante.pipeline.recipe import load_recipe
from exante.reasoning import parse_lenient, parse_trace, strip_reasoning, validate_trace
from exante.reasoning.refusal import looks_like_refusal
from exante.rules import load_rulebook
from exante.pairs.run import run_pairs
from exante.pairs.checks import Judging
from exante.pairs.config import PairsConfig
from exante.train.records import check_pair

from .pairs_data import long_records, sft_records, write_jsonl

RULEBOOK = load_rulebook()
FAST_JUDGES = {"refusal_judge": "phrase", "harm_judge": "nonrefusal-harmful"}


@pytest.fixture
def make_config(tmp_path):
    def make(out="out", records=None, **overrides) -> PairsConfig:
        sft = write_jsonl(tmp_path / "sft.jsonl", records if records is not None else sft_records())
        return PairsConfig(**{"sft": sft, "out": str(tmp_path / out), **FAST_JUDGES, **overrides})

    return make


def _read(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_every_objective_makes_pairs_that_pass_the_checks(make_config, tmp_path):
    config = make_config(long=write_jsonl(tmp_path / "long.jsonl", long_records()), pairs_per_prompt={"safety": 3})
    stats = run_pairs(config, progress=False)
    pairs = _read(f"{config.out}/pairs.jsonl")
    assert stats["pairs"] == len(pairs) and set(stats["by_objective"]) == {"safety", "usefulness", "efficiency"}
    assert {p["meta"]["strategy"] for p in pairs} >= {"missed_rule", "misjudged_rule", "wrong_path", "over_refusal", "long"}
    for n, pair in enumerate(pairs, start=1):
        check_pair(pair, f"pairs.jsonl:{n}")  # the DPO trainer's own schema check
        chosen, rejected, kind = pair["chosen"][0]["content"], pair["rejected"][0]["content"], pair["meta"]["kind"]
        assert chosen != rejected
        assert validate_trace(parse_trace(chosen), RULEBOOK, kind=kind) == []
        parsed = parse_lenient(rejected)
        assert parsed.ok
        problems = validate_trace(parsed.to_trace(), RULEBOOK, kind=kind)
        answer = strip_reasoning(rejected)[1]
        if pair["objective"] == "safety":
            assert kind in ("harmful", "jailbreak") and problems and not looks_like_refusal(answer)
        elif pair["objective"] == "usefulness":
            assert kind in ("benign", "borderline") and problems and looks_like_refusal(answer)
        else:
            assert problems == [] and parsed.path == parse_trace(chosen).path
            assert pair["meta"]["rejected_reasoning_tokens"] >= 1.3 * pair["meta"]["chosen_reasoning_tokens"]
        assert pair["meta"]["rejected_tokens"] > 0 and pair["meta"]["judges"]["chosen"]["refusal"]["judge"] == "phrase"
    assert _read(f"{config.out}/rejected.jsonl") == []


def test_answer_only_pairs_hold_the_final_answers_of_the_same_pairs_on_both_sides(make_config):
    objectives = ["safety", "usefulness"]
    traces = make_config("traces", objectives=objectives)
    answers = make_config("answers", objectives=objectives, response="answer")
    run_pairs(traces, progress=False)
    run_pairs(answers, progress=False)
    full, reduced = _read(f"{traces.out}/pairs.jsonl"), _read(f"{answers.out}/pairs.jsonl")
    assert [p["id"] for p in reduced] == [p["id"] for p in full] and reduced
    for n, (whole, pair) in enumerate(zip(full, reduced), start=1):
        check_pair(pair, f"pairs.jsonl:{n}")
        for side in ("chosen", "rejected"):
            text = pair[side][0]["content"]
            assert not parse_lenient(text).found  # no section tag: the answer alone
            assert text == strip_reasoning(whole[side][0]["content"])[1]
        assert pair["chosen"] != pair["rejected"]
        assert pair["meta"]["chosen_reasoning_tokens"] == pair["meta"]["rejected_reasoning_tokens"] == 0
        assert pair["meta"]["chosen_tokens"] < whole["meta"]["chosen_tokens"]


def test_late_corrections_reach_the_chosen_answer_late_and_pass_every_check(make_config):
    config = make_config(objectives=["safety", "usefulness"], safety_rejections=["late_correction"],
                         usefulness_rejections=["late_correction"], pairs_per_prompt={"safety": 1, "usefulness": 1})
    stats = run_pairs(config, progress=False)
    pairs = _read(f"{config.out}/pairs.jsonl")
    assert stats["by_strategy"] == {"safety": {"late_correction": 3}, "usefulness": {"late_correction": 3}}
    assert _read(f"{config.out}/rejected.jsonl") == []
    for pair in pairs:
        chosen, rejected = (parse_trace(pair[side][0]["content"]) for side in ("chosen", "rejected"))
        assert (rejected.path, rejected.answer) == (chosen.path, chosen.answer)
        assert pair["meta"]["diverges_at"] == "assessment" and pair["meta"]["rejected_problems"] == []


def test_pairs_per_prompt_and_caps_take_a_prefix_of_the_same_order(make_config):
    full, capped = make_config("full"), make_config("capped", max_pairs={"safety": 3, "efficiency": 0})
    full_stats, capped_stats = run_pairs(full, progress=False), run_pairs(capped, progress=False)
    assert full_stats["by_objective"]["safety"] == 3 * 2  # three unsafe prompts, two pairs each
    assert capped_stats["by_objective"] == {"safety": 3, "usefulness": full_stats["by_objective"]["usefulness"]}
    full_ids = [p["id"] for p in _read(f"{full.out}/pairs.jsonl")]
    capped_ids = [p["id"] for p in _read(f"{capped.out}/pairs.jsonl")]
    assert capped_ids[:3] == [i for i in full_ids if i.startswith("safety/")][:3]


def test_the_same_config_writes_the_same_files_and_a_resumed_run_too(make_config):
    first, second = make_config("a"), make_config("b")
    run_pairs(first, progress=False)
    run_pairs(second, progress=False)
    for name in ("pairs.jsonl", "rejected.jsonl"):
        assert open(f"{first.out}/{name}").read() == open(f"{second.out}/{name}").read()
    journal = f"{second.out}/work/journal.jsonl"
    lines = open(journal).read().splitlines(keepends=True)
    with open(journal, "w") as fh:  # killed half way, in the middle of a line
        fh.write("".join(lines[: len(lines) // 2]) + lines[len(lines) // 2][:25])
    run_pairs(second, progress=False)
    assert open(f"{first.out}/pairs.jsonl").read() == open(f"{second.out}/pairs.jsonl").read()


def test_a_changed_config_does_not_resume_an_earlier_run(make_config):
    run_pairs(make_config(), progress=False)
    with pytest.raises(ExanteError, match="different config"):
        run_pairs(make_config(salt="other"), progress=False)
    run_pairs(make_config(salt="other", overwrite=True), progress=False)


def test_a_chosen_trace_that_is_wrong_for_its_kind_goes_to_rejected_with_the_reason(make_config):
    records = sft_records()
    bad = json.loads(json.dumps(records[0]))
    bad["id"], bad["meta"]["kind"] = "h-as-benign", "benign"  # a refusal for a benign prompt: over-refusal
    config = make_config(records=records + [bad])
    run_pairs(config, progress=False)
    dropped = [d for d in _read(f"{config.out}/rejected.jsonl") if d["prompt_id"] == "h-as-benign"]
    assert {d["code"] for d in dropped} == {"chosen_invalid"} and all(d["side"] == "chosen" for d in dropped)
    assert "does not suit a benign prompt" in dropped[0]["reason"]
    assert not any(p["id"].endswith("/h-as-benign") for p in _read(f"{config.out}/pairs.jsonl"))


def test_the_policy_s_own_unsafe_samples_become_rejections(make_config, tiny_model):
    config = make_config(sample_from="tiny", samples_per_prompt=2, max_new_tokens=6, batch_size=4,
                         objectives=["safety", "usefulness"])
    stats = run_pairs(config, progress=False, policy=tiny_model)
    pairs = _read(f"{config.out}/pairs.jsonl")
    sampled = [p for p in pairs if p["meta"]["rejected_origin"] == "sampled"]
    assert sampled and all(p["objective"] == "safety" and p["meta"]["finish_reason"] in ("eos", "length") for p in sampled)
    assert all(p["meta"]["judges"]["rejected"]["harm"]["label"] == "harmful" for p in sampled)
    # the flawed trace of the same prompt ends in the policy's own answer, not a template
    for s in sampled:
        prompt_id = s["id"].split("/", 3)[3]
        flawed = [p for p in pairs if p["id"].endswith(prompt_id) and p["meta"]["rejected_origin"] == "constructed"]
        assert all(strip_reasoning(p["rejected"][0]["content"])[1] == s["rejected"][0]["content"].strip() for p in flawed)
    # a random tiny model does not refuse: its benign samples are no over-refusals
    codes = {d["code"] for d in _read(f"{config.out}/rejected.jsonl") if d["objective"] == "usefulness"}
    assert codes == {"rejected_not_refusal"}
    assert stats["samples_generated_this_run"] == 2 * 6


@pytest.mark.integration
def test_harmful_prompts_the_sft_set_lacks_get_a_refusal_composed_by_synth(make_config):
    config = make_config(sources=["advbench"], objectives=["safety"], max_pairs={"safety": 8})
    stats = run_pairs(config, progress=False)
    composed = [p for p in _read(f"{config.out}/pairs.jsonl") if p["meta"]["source"] == "advbench"]
    assert stats["by_objective"] == {"safety": 8} and composed
    for pair in composed:
        chosen = parse_trace(pair["chosen"][0]["content"])
        assert chosen.path == "refuse_and_redirect" and validate_trace(chosen, RULEBOOK, kind="harmful") == []
        assert pair["split"] in ("train", "dev")


@pytest.mark.parametrize("line, expected", [
    ('{"id": "x", "messages": [', r"sft\.jsonl:2: not valid JSON"),
    ('{"id": "x", "split": "train", "meta": {"kind": "benign"}}', r"sft\.jsonl:2: missing field 'messages'"),
    ('{"id": "x", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}',
     r"sft\.jsonl:2: field 'meta\.kind' is None"),
])
def test_a_bad_sft_line_is_an_error_naming_file_and_line(make_config, tmp_path, line, expected):
    config = make_config(records=sft_records()[:1])
    with open(config.sft, "a") as fh:
        fh.write(line + "\n")
    with pytest.raises(ExanteError, match=expected):
        run_pairs(config, progress=False)


def test_the_cli_runs_from_a_yaml_config_and_reports_bad_input_in_one_line(make_config, tmp_path, capsys):
    config = make_config()
    yaml_file = tmp_path / "pairs.yaml"
    yaml_file.write_text(f"sft: {config.sft}\nout: {config.out}\nrefusal_judge: phrase\nharm_judge: nonrefusal-harmful\n"
                         "objectives: [efficiency]\n")
    assert main(["-q", "pairs", "--config", str(yaml_file)]) == 0
    assert {p["objective"] for p in _read(f"{config.out}/pairs.jsonl")} == {"efficiency"}
    assert "objectives:\n- efficiency" in open(f"{config.out}/config.yaml").read()
    assert main(["pairs", "--config", str(yaml_file), "--sft", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl: file not found" in capsys.readouterr().err


def test_the_shipped_config_loads():
    config = load_config(PairsConfig, Path(__file__).parents[2] / "configs" / "pairs.yaml")
    assert config.sft == "runs/synth/sft.jsonl" and config.out == "runs/pairs" and config.sample_from is None


def test_config_errors_name_the_field():
    with pytest.raises(ExanteError, match="unknown objective 'speed'"):
        PairsConfig(objectives=["speed"])
    with pytest.raises(ExanteError, match="safety_rejections.*'over_refusal'"):
        PairsConfig(safety_rejections=["over_refusal"])
    with pytest.raises(ExanteError, match="PairsConfig: field 'response' is 'reasoning'; expected one of trace, answer"):
        PairsConfig(response="reasoning")
    with pytest.raises(ExanteError, match="field 'response' is 'answer', but efficiency rejections"):
        PairsConfig(response="answer")  # the default objectives include efficiency: its sides share the answer
    with pytest.raises(ExanteError, match="field 'response' is 'answer', but safety rejections \\['late_correction'\\]"):
        PairsConfig(response="answer", objectives=["safety"], safety_rejections=["missed_rule", "late_correction"])
    with pytest.raises(ExanteError, match="efficiency_rejections.*'late_correction'"):
        PairsConfig(efficiency_rejections=["late_correction"])
    with pytest.raises(ExanteError, match="is a harm judge, not a refusal judge"):
        Judging(PairsConfig(refusal_judge="nonrefusal-harmful"))


@pytest.mark.parametrize("name", ["dpo-only", "dpo-only-quick", "saro", "saro-quick"])
def test_the_baseline_writes_answer_only_pairs_and_saro_asks_for_late_corrections(monkeypatch, name):
    monkeypatch.chdir(Path(__file__).parents[2])
    pairs = load_chain(load_recipe(name)).configs["pairs"]
    if name.startswith("dpo-only"):
        assert pairs.response == "answer" and pairs.objectives == ["safety", "usefulness"]
    else:
        assert pairs.response == "trace"
        assert "late_correction" in pairs.safety_rejections and "late_correction" in pairs.usefulness_rejections
