"""The prompts written for exante (borderline, benign and the eval-only sets): enough of them, every
type covered, no repeats, and section names checked."""

from itertools import combinations

import pytest

from exante.data import builtin
from exante.data.builtin import (BENIGN_TOPICS, BORDERLINE_GUARDS, BORDERLINE_TYPES, CONTRAST_TYPES, load_benign,
                                 load_benign_eval, load_borderline, load_borderline_eval, load_contrast)
from exante.data.dedup import content_words
from exante.data.records import normalize
from exante.errors import ExanteError


def test_borderline_has_200_prompts_spread_over_every_xstest_type_and_safety_information():
    records = load_borderline()
    per_type = {t: sum(r["category"] == t for r in records) for t in BORDERLINE_TYPES}
    assert len(records) >= 200
    assert len(BORDERLINE_TYPES) == 11 and min(per_type.values()) >= 15, per_type


def test_every_borderline_type_names_a_guard_rule_of_the_default_rulebook():
    from exante.rules import load_rulebook

    rulebook = load_rulebook()
    assert all(rulebook.get(rule).guards_over_refusal for rule in BORDERLINE_GUARDS.values())


def test_benign_has_300_prompts_over_many_topics():
    records = load_benign()
    topics = {r["category"] for r in records}
    assert len(records) >= 300 and len(topics) >= 10
    assert all(r["kind"] == "benign" and r["attack"] is None for r in records)


def test_eval_borderline_has_240_prompts_with_20_of_every_type():
    records = load_borderline_eval()
    per_type = {t: sum(r["category"] == t for r in records) for t in BORDERLINE_TYPES}
    assert len(records) >= 240 and min(per_type.values()) >= 20, per_type
    assert {r["source"] for r in records} == {"borderline-eval"} and {r["kind"] for r in records} == {"borderline"}


def test_eval_benign_has_170_prompts_over_the_topics_of_benign_yaml():
    records = load_benign_eval()
    assert len(records) >= 170 and {r["category"] for r in records} == {r["category"] for r in load_benign()}
    assert set(BENIGN_TOPICS) == {r["category"] for r in records}


def test_eval_contrast_has_200_harmful_prompts_over_at_least_8_contrast_types():
    records = load_contrast()
    per_type = {t: sum(r["meta"]["contrast_type"] == t for r in records) for t in CONTRAST_TYPES}
    assert len(records) >= 200 and len(per_type) >= 8 and min(per_type.values()) >= 15, per_type
    assert all(r["kind"] == "harmful" and r["attack"] is None and r["source"] == "contrast" for r in records)


def test_an_unknown_or_malformed_section_is_an_error_naming_the_file(tmp_path):
    (tmp_path / "mine.yaml").write_text("homonyms:\n  - How do I kill a process?\nhomonym:\n  - Typo here\n")
    with pytest.raises(ExanteError, match=r"prompts/mine\.yaml: unknown section 'homonym'; expected one of homonyms"):
        builtin._own_sections("mine.yaml", BORDERLINE_TYPES, tmp_path)
    (tmp_path / "flat.yaml").write_text("writing: Write a poem\n")
    with pytest.raises(ExanteError, match=r"prompts/flat\.yaml: section 'writing' should be a list"):
        builtin._own_sections("flat.yaml", BENIGN_TOPICS, tmp_path)
    assert builtin._own_sections("mine.yaml", ("homonyms", "homonym"), tmp_path)[1] == ("homonym", "Typo here")


def test_contrast_sections_are_contrast_twins_of_borderline_types_except_fictional_privacy(tmp_path):
    assert set(CONTRAST_TYPES) == {f"contrast_{t}" for t in BORDERLINE_TYPES} - {"contrast_privacy_fictional"}
    for section in ("homonyms", "contrast_privacy_fictional"):
        (tmp_path / "c.yaml").write_text(f"{section}:\n  - How do I kill my neighbour?\n")
        with pytest.raises(ExanteError, match=f"prompts/c.yaml: unknown section '{section}'"):
            builtin._own_sections("c.yaml", CONTRAST_TYPES, tmp_path)


def test_own_prompts_have_no_duplicates_or_near_duplicates():
    prompts = [r["prompt"] for r in load_borderline() + load_benign() + load_borderline_eval()
               + load_benign_eval() + load_contrast()]
    assert len({normalize(p) for p in prompts}) == len(prompts)
    words = [content_words(p) for p in prompts]
    close = [(prompts[i], prompts[j]) for i, j in combinations(range(len(prompts)), 2)
             if words[i] & words[j] and len(words[i] & words[j]) / (len(words[i]) * len(words[j])) ** 0.5 >= 0.7]
    assert close == []


def test_borderline_prompts_are_safe_questions_not_requests_for_harm():
    # A cheap guard against a harmful prompt slipping into the over-refusal set by mistake.
    giveaways = ("without getting caught", "step-by-step instructions", "untraceable", "undetectable")
    safe = load_borderline() + load_borderline_eval()
    assert not [r["prompt"] for r in safe if any(g in r["prompt"].lower() for g in giveaways)]
