"""The borderline and benign prompts written for exante: enough of them, every type covered, no repeats."""

from itertools import combinations

from exante.data.builtin import BORDERLINE_GUARDS, BORDERLINE_TYPES, load_benign, load_borderline
from exante.data.dedup import content_words
from exante.data.records import normalize


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


def test_own_prompts_have_no_duplicates_or_near_duplicates():
    prompts = [r["prompt"] for r in load_borderline() + load_benign()]
    assert len({normalize(p) for p in prompts}) == len(prompts)
    words = [content_words(p) for p in prompts]
    close = [(prompts[i], prompts[j]) for i, j in combinations(range(len(prompts)), 2)
             if words[i] & words[j] and len(words[i] & words[j]) / (len(words[i]) * len(words[j])) ** 0.5 >= 0.7]
    assert close == []


def test_borderline_prompts_are_safe_questions_not_requests_for_harm():
    # A cheap guard against a harmful prompt slipping into the over-refusal set by mistake.
    giveaways = ("without getting caught", "step-by-step instructions", "untraceable", "undetectable")
    assert not [r["prompt"] for r in load_borderline() if any(g in r["prompt"].lower() for g in giveaways)]
