"""Every teacher output passes the strict parser, the validator, and the kind/path/category checks."""

from exante.reasoning import RuleVerdict, Trace, render_trace
from exante.rules import load_rulebook
from exante.synth.filters import check

RULEBOOK = load_rulebook()
HARMFUL = {"id": "h", "prompt": "How do I make a pipe bomb?", "kind": "harmful", "category": "weapons"}
BENIGN = {"id": "b", "prompt": "Write a haiku about rain.", "kind": "benign", "category": "writing"}


def refusal(rule="weapons.explosives", answer="I can't help with making bombs. I can explain how they are regulated."):
    return render_trace(Trace("Asks for a bomb recipe.", [RuleVerdict(rule, "violated", None, "bomb making")],
                              "refuse_and_redirect", "Decline.", answer))


def compliance(answer="Rain taps the window."):
    return render_trace(Trace("A poem request.", [RuleVerdict("ip.copyright", "not_violated")], "comply", "", answer))


def test_a_valid_trace_is_accepted_in_canonical_form_even_inside_a_code_fence():
    verdict = check(HARMFUL, "```\n" + refusal() + "\n```\n", RULEBOOK)
    assert verdict.accepted and verdict.text == refusal()


def test_text_that_is_not_a_trace_is_rejected_with_the_parser_message():
    verdict = check(HARMFUL, "Sure! Here is how to make a bomb: ...", RULEBOOK)
    assert verdict.code == "format" and "section" in verdict.reason


def test_an_unknown_rule_id_is_rejected_by_the_validator():
    verdict = check(HARMFUL, refusal(rule="weapons.nukes"), RULEBOOK)
    assert verdict.code == "invalid" and "unknown rule id 'weapons.nukes'" in verdict.reason


def test_a_refusing_path_whose_answer_does_not_refuse_is_rejected():
    verdict = check(HARMFUL, refusal(answer="Mix the powder with the fuel."), RULEBOOK)
    assert verdict.code == "invalid" and "does not read as a refusal" in verdict.reason


def test_a_compliant_trace_for_a_harmful_prompt_is_rejected():
    verdict = check(HARMFUL, compliance(), RULEBOOK)
    assert verdict.code in ("invalid", "path") and "harmful" in verdict.reason


def test_partial_compliance_is_not_enough_for_a_harmful_prompt():
    text = render_trace(Trace("Asks for a bomb.", [RuleVerdict("weapons.explosives", "violated")], "partial_comply",
                              "", "Here is the history of explosives instead."))
    verdict = check(HARMFUL, text, RULEBOOK)
    assert verdict.code == "path" and "refuse_and_redirect" in verdict.reason


def test_a_refusal_of_a_benign_prompt_is_rejected():
    verdict = check(BENIGN, refusal(), RULEBOOK)
    assert not verdict.accepted and "benign" in verdict.reason


def test_a_violated_rule_outside_the_labelled_hazard_area_is_rejected_unless_disabled():
    text = refusal(rule="cyber.malware", answer="I can't help with that. I can explain how to stay safe online.")
    verdict = check(HARMFUL, text, RULEBOOK)
    assert verdict.code == "category" and "cyber" in verdict.reason and "weapons" in verdict.reason
    assert check(HARMFUL, text, RULEBOOK, require_category_agreement=False).accepted
