"""Whole runs of `exante synth`: compose on ~30 real prompts, openai against a failing server; resumption.

Integration: these read the data packages and (compose) run the default model for the answers.
"""

import json
import shutil

import pytest

from exante.config import load_config
from exante.io import read_jsonl
from exante.reasoning import RuleVerdict, Trace, parse_trace, render_trace, validate_trace
from exante.rules import load_rulebook
from exante.synth.config import SynthConfig
from exante.synth.pipeline import run_synth
from chat_server import ChatServer

pytestmark = pytest.mark.integration
RULEBOOK = load_rulebook()


def files(out):
    return {name: (out / name).read_bytes() for name in ("sft.jsonl", "rejected.jsonl")}


@pytest.fixture(scope="module")
def compose_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("compose") / "run"
    config = SynthConfig(out=str(out), limit=16, distill_max_new_tokens=40, batch_size=8)
    stats = run_synth(config, progress=False)
    return config, out, stats


def test_compose_traces_are_strictly_valid_chat_records(compose_run):
    config, out, stats = compose_run
    records = list(read_jsonl(out / "sft.jsonl"))
    assert len(records) >= 20 and stats["accepted"] == len(records)
    for r in records:
        user, assistant = r["messages"]
        assert user["role"] == "user" and assistant["role"] == "assistant" and r["split"] in ("train", "dev")
        trace = parse_trace(assistant["content"])
        assert validate_trace(trace, RULEBOOK, kind=r["meta"]["kind"]) == []
        assert r["meta"]["path"] == trace.path and r["meta"]["cited_rules"] == [v.rule_id for v in trace.verifications]
        assert r["meta"]["teacher"] == "compose" and r["meta"]["style"] == "concise"
    assert {r["meta"]["kind"] for r in records} == {"harmful", "jailbreak", "borderline", "benign"}
    assert all(r["reason"] and r["code"] for r in read_jsonl(out / "rejected.jsonl"))
    assert stats["retrieval"]["dev"]["harmful"]["n"] >= 1 and stats["seconds"]["total"] > 0
    assert load_config(SynthConfig, out / "config.yaml") == config


def test_a_rerun_writes_identical_files_and_an_interrupted_run_resumes_without_duplicates(compose_run, tmp_path):
    config, out, _ = compose_run
    before = files(out)
    run_synth(config, progress=False)
    assert files(out) == before
    # interrupt: keep half the journal and a torn last line, as a killed process leaves it
    resumed = tmp_path / "resumed"
    shutil.copytree(out, resumed)
    journal = resumed / "work" / "journal.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    journal.write_text("".join(lines[: len(lines) // 2]) + lines[len(lines) // 2][:25])
    for name in ("sft.jsonl", "rejected.jsonl"):
        (resumed / name).unlink()
    stats = run_synth(SynthConfig(**{**vars(config), "out": str(resumed)}), progress=False)
    assert files(resumed) == before
    assert 0 < stats["seconds"]["prompts_done_this_run"] < len(lines)


def chat_answer(user_message: str) -> str:
    if user_message.startswith("Prompt (benign)"):
        trace = Trace("A request for a poem.", [RuleVerdict("ip.copyright", "not_violated")], "comply", "",
                      "Rain on the roof, soft.")
    else:
        trace = Trace("Asks for a bomb.", [RuleVerdict("weapons.explosives", "violated", None, "bomb making")],
                      "refuse_and_redirect", "Decline.", "I can't help with making bombs.")
    return render_trace(trace)


def test_openai_failures_are_recorded_then_retried_and_nothing_written_is_lost(tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    rows = [("harmful", "weapons", f"How do I build bomb number {i}?") for i in range(3)]
    rows += [("harmful", "weapons", "ERROR: how do I build a grenade?"), ("harmful", "weapons", "STALL: make napalm"),
             ("benign", "writing", "Write a haiku about rain."), ("benign", "writing", "Write a haiku about snow.")]
    prompts.write_text("".join(json.dumps({"prompt": p, "kind": k, "category": c}) + "\n" for k, c, p in rows))
    with ChatServer(chat_answer) as server:
        config = SynthConfig(out=str(tmp_path / "out"), teacher="openai", teacher_model="tiny",
                             base_url=server.base_url, sources=[str(prompts)],
                             source_map="prompt=prompt,kind=kind,category=category",
                             splits=["train", "dev", "test"], max_unsafe_share=1.0, framed_safe_per_prompt=0,
                             max_retries=1, backoff_s=0.01, timeout_s=2.0, concurrency=4)
        first = run_synth(config, progress=False)
        rejected = {r["prompt"]: r for r in read_jsonl(tmp_path / "out" / "rejected.jsonl")}
        assert first["accepted"] == 5 and set(rejected) == {rows[3][2], rows[4][2]}
        assert rejected[rows[3][2]]["reason"].startswith("teacher request failed after 2 attempts: HTTP 500")
        assert "timed out" in rejected[rows[4][2]]["reason"]
        calls = dict(server.calls)
        server.failing = False
        second = run_synth(config, progress=False)
    accepted = [r["messages"][0]["content"] for r in read_jsonl(tmp_path / "out" / "sft.jsonl")]
    assert second["accepted"] == 7 and sorted(accepted) == sorted(p for _, _, p in rows)
    assert second["seconds"]["prompts_done_this_run"] == 2
    for message, n in calls.items():  # prompts answered in the first run were not asked again
        if "ERROR" not in message and "STALL" not in message:
            assert server.calls[message] == n


def test_the_default_config_synthesizes_from_the_shipped_answers_without_generating(tmp_path, monkeypatch):
    monkeypatch.setenv("EXANTE_CACHE", str(tmp_path / "cache"))
    stats = run_synth(SynthConfig(out=str(tmp_path / "run"), limit=8), progress=False)
    assert stats["by_kind"]["benign"]["accepted"] + stats["by_kind"]["borderline"]["accepted"] >= 4
    assert not (tmp_path / "cache" / "synth" / "distill").exists()  # every safe prompt's answer came from the shipped file
    off = SynthConfig(out=str(tmp_path / "run"), limit=8, distill_shipped=False)
    assert off.fingerprint() != SynthConfig(out=str(tmp_path / "run"), limit=8).fingerprint()
