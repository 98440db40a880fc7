"""The shipped rulebook: coverage, well-formed examples, stable ids."""

from exante.rules import COMPLYING_PATHS, HAZARD_AREAS, load_rulebook, parse_rulebook

# Traces and trained models cite these ids: renaming one silently breaks them, so it must be deliberate.
PINNED_IDS = {
    "violence.attacks", "violence.sabotage", "violence.trafficking",
    "weapons.firearms", "weapons.explosives", "weapons.cbrn",
    "cyber.malware", "cyber.intrusion",
    "fraud.scams", "fraud.financial_crime", "fraud.theft",
    "drugs.illegal",
    "self_harm.suicide", "self_harm.eating_disorders", "self_harm.dangerous_acts",
    "sexual.explicit", "sexual.non_consensual",
    "child_safety.sexual_content", "child_safety.endangerment",
    "hate.hate_speech", "hate.harassment",
    "privacy.doxxing", "privacy.sensitive_data",
    "misinformation.disinformation", "misinformation.elections",
    "extremism.terrorism",
    "advice.medical", "advice.legal", "advice.financial",
    "ip.copyright",
    "overrefusal.homonyms", "overrefusal.figurative", "overrefusal.safe_targets", "overrefusal.safe_contexts",
    "overrefusal.definitions", "overrefusal.history", "overrefusal.public_figures",
    "overrefusal.fictional_privacy", "overrefusal.safety_information", "overrefusal.discrimination_discussion",
}


def test_default_rulebook_covers_every_hazard_area():
    rulebook = load_rulebook()
    assert rulebook.version == "1.0"
    assert set(rulebook.hazard_areas()) == set(HAZARD_AREAS) - {"over_refusal"}
    assert len(rulebook.hazard_areas()) >= 14


def test_default_rule_ids_are_pinned():
    assert set(load_rulebook().ids()) == PINNED_IDS


def test_guards_cover_each_kind_of_safe_prompt_that_sounds_harmful():
    guards = [r for r in load_rulebook().rules if r.guards_over_refusal]
    contexts = {c for r in guards for c in r.allowed_contexts}
    # The XSTest safe-prompt types, plus harm reduction.
    for needed in ("benign_homonym", "figurative_language", "safe_target", "games", "definitions", "history",
                   "public_figures", "fictional_characters", "safety_information", "harm_reduction"):
        assert needed in contexts, needed
    assert all(r.default_path in COMPLYING_PATHS for r in guards)


def test_harm_rules_have_a_violating_and_an_allowed_example():
    for rule in load_rulebook().rules:
        paths = [e.path for e in rule.examples]
        assert 2 <= len(paths) <= 4, rule.id
        assert any(p in COMPLYING_PATHS for p in paths), f"{rule.id}: no answered example"
        if not rule.guards_over_refusal:
            assert any(p not in COMPLYING_PATHS for p in paths), f"{rule.id}: no violating example"


def test_rules_are_concise_and_retrievable():
    for rule in load_rulebook().rules:
        assert len(rule.title) <= 60, rule.id
        assert all(len(item) <= 80 for item in rule.disallowed), rule.id
        assert len(rule.keywords) >= 10, rule.id
        assert len(set(rule.keywords)) == len(rule.keywords), f"{rule.id}: duplicate keyword"
        assert all(k == k.lower().strip() for k in rule.keywords), rule.id


def test_self_harm_and_advice_default_to_answering_with_care():
    rulebook = load_rulebook()
    for area in ("self_harm", "specialised_advice"):
        assert {r.default_path for r in rulebook.by_area(area)} == {"comply_with_safety_framing"}


def test_rulebook_survives_a_round_trip_through_plain_data():
    rulebook = load_rulebook()
    again = parse_rulebook(rulebook.to_dict(), "round-trip")
    assert again.rules == rulebook.rules
    assert (again.version, again.name, again.description) == (rulebook.version, rulebook.name, rulebook.description)
