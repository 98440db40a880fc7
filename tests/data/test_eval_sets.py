"""The eval-only sources (borderline-eval, benign-eval, contrast): held out from training by construction."""

import json

import pytest

from exante.data import registry
from exante.data.builtin import CONTRAST_TYPES, TRAIN_EXTRA, train_reference_prompts
from exante.data.dedup import near_duplicate_pairs
from exante.data.records import normalize
from exante.data.registry import build_prompt_set, resolve_sources

pytestmark = pytest.mark.integration

EVAL_SOURCES = {"borderline-eval", "benign-eval", "contrast"}


def test_the_eval_only_sources_are_exactly_the_new_ones():
    assert {name for name, s in registry.SOURCES.items() if s.eval_only} == EVAL_SOURCES


def test_no_eval_only_prompt_is_in_train_and_every_one_is_in_dev_or_test(prompt_set):
    records = [r for r in prompt_set.records if r["source"] in EVAL_SOURCES]
    assert len(records) > 600
    assert {r["split"] for r in records} == {"dev", "test"}
    assert all(prompt_set.counts[s]["by_split"]["train"] == 0 for s in EVAL_SOURCES)


def test_no_dev_or_test_eval_prompt_near_duplicates_a_train_prompt_or_the_borderline_extra_file(prompt_set):
    assert TRAIN_EXTRA.exists()  # the check below is only as good as the file it compares with
    held_out = [r["prompt"] for r in prompt_set.records if r["source"] in EVAL_SOURCES]
    train = [r["meta"].get("base_prompt", r["prompt"]) for r in prompt_set.records if r["split"] == "train"]
    extra = [json.loads(line)["prompt"] for line in TRAIN_EXTRA.read_text().splitlines() if line.strip()]
    texts = held_out + sorted(set(train)) + extra
    n = len(held_out)
    # As split, and lower-cased as test_splits compares them (no capitalised-name marker there).
    for form in (texts, [normalize(t) for t in texts]):
        assert [(form[i], form[j]) for i, j in near_duplicate_pairs(form, 0.7) if i < n <= j] == []


def test_adding_the_eval_sources_moves_no_pre_existing_record(prompt_set, monkeypatch):
    config = json.dumps(registry.dataclasses.asdict(registry.DataConfig()), sort_keys=True)
    monkeypatch.setattr(registry, "SOURCES", {k: s for k, s in registry.SOURCES.items() if not s.eval_only})
    without = registry._build.__wrapped__(config, (), ())  # bypass the cache: it does not key on SOURCES
    before = {r["id"]: (r["split"], r["group"]) for r in without.records}
    after = {r["id"]: (r["split"], r["group"]) for r in prompt_set.records if r["source"] not in EVAL_SOURCES}
    assert after == before  # same records (wrapped jailbreaks included), same groups and splits


def test_your_borderline_extra_file_keeps_its_split_next_to_the_eval_sources():
    _, users = resolve_sources([str(TRAIN_EXTRA)])
    counts = build_prompt_set(None, users).counts["file:borderline_extra"]
    assert (counts["dropped"], counts["by_split"]) == (0, {"train": 176, "dev": 22, "test": 22})


def test_test_split_reaches_the_decision_sizes(prompt_set):
    test = [r for r in prompt_set.records if r["split"] == "test"]
    count = lambda pred: sum(1 for r in test if pred(r))  # noqa: E731
    assert count(lambda r: r["kind"] == "borderline") >= 150
    assert count(lambda r: r["kind"] == "benign") >= 120
    assert count(lambda r: r["kind"] == "harmful" and r["source"] != "contrast") >= 150
    assert count(lambda r: r["source"] == "contrast") >= 100
    dev = [r for r in prompt_set.records if r["split"] == "dev" and r["source"] in EVAL_SOURCES]
    assert len(dev) >= 0.35 * sum(prompt_set.counts[s]["kept"] for s in EVAL_SOURCES)


def test_few_eval_prompts_are_dropped_as_near_duplicates(prompt_set):
    assert sum(prompt_set.counts[s]["dropped"] + prompt_set.counts[s]["duplicates"] for s in EVAL_SOURCES) <= 5


def test_every_type_and_topic_has_test_and_dev_prompts(prompt_set):
    def cells(source, key):
        out = {}
        for r in prompt_set.records:
            if r["source"] == source:
                out.setdefault(key(r), {"dev": 0, "test": 0})[r["split"]] += 1
        return out

    contrast = cells("contrast", lambda r: r["meta"]["contrast_type"])
    assert set(contrast) == set(CONTRAST_TYPES) and len(contrast) >= 8
    for table in (contrast, cells("borderline-eval", lambda r: r["category"]),
                  cells("benign-eval", lambda r: r["category"])):
        assert all(c["dev"] >= 5 and c["test"] >= 8 for c in table.values()), table


def test_contrast_prompts_are_harmful_with_a_hazard_area_and_never_jailbreak_wrapped(prompt_set):
    contrast = [r for r in prompt_set.records if r["source"] == "contrast"]
    assert all(r["kind"] == "harmful" and r["attack"] is None and r["category"] != "over_refusal"
               and r["meta"]["contrast_type"] in CONTRAST_TYPES for r in contrast)
    ids = {r["id"] for r in contrast}
    wrapped = [r for r in prompt_set.records if "base_id" in r["meta"]]
    assert wrapped and not [r for r in wrapped if r["meta"]["base_id"] in ids]
    # the discrimination and privacy twins are filed under their topic, whatever the keywords say
    assert {r["category"] for r in contrast if "discrimination" in r["meta"]["contrast_type"]} == {"hate"}
    assert {r["category"] for r in contrast if r["meta"]["contrast_type"] == "contrast_privacy_public_figures"} == {"privacy"}


def test_the_reference_prompts_are_read_from_the_borderline_extra_file():
    assert len(train_reference_prompts()) == 220
