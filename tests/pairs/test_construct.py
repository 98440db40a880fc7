"""Constructed rejected traces: safety and usefulness flaws fail validate_trace for the prompt's kind in the
intended way; efficiency padding stays valid, keeps path and answer, and only lengthens the reasoning; a late
correction (SaRO) reads the prompt wrongly first and reaches the chosen path and answer only late."""

import pytest

from exante.reasoning import Trace, parse_lenient, parse_trace, render_trace, strip_reasoning, validate_trace
from exante.reasoning.refusal import looks_like_refusal
from exante.rules import COMPLYING_PATHS, load_rulebook
from exante.synth.signals import gist
from exante.pairs import phrases as P
from exante.pairs.checks import Candidate, Judging, Tokens, diverges_at, rejected_failure
from exante.pairs.config import PairsConfig
from exante.pairs.construct import FLAWED_STEP, Context, closest_disallowed, construct
from exante.pairs.inputs import Item

from .pairs_data import sft_records

RULEBOOK = load_rulebook()
ITEMS = {r["id"]: Item(r["id"], r["messages"][:-1], r["messages"][-1]["content"], r["meta"]["kind"],
                       r["meta"]["category"], "handmade", r["meta"]["attack"], r["split"]) for r in sft_records()}
UNSAFE = ["h-bomb", "j-napalm", "h-lock"]
SAFE = ["b-poem", "bl-kill", "b-capital"]


def _context(item_id, compliance=None):
    item = ITEMS[item_id]
    return Context(item, parse_trace(item.chosen), RULEBOOK, "test-salt", compliance)


def _build(strategy, item_id, variant=0, compliance=None):
    text = construct(strategy, _context(item_id, compliance), variant)
    parsed = parse_lenient(text)
    assert parsed.ok, parsed.problems  # well-formed: the flaw is in the reasoning, not the format
    return text, parsed.to_trace()


@pytest.mark.parametrize("item_id", UNSAFE)
@pytest.mark.parametrize("strategy", ["missed_rule", "misjudged_rule", "wrong_path"])
def test_safety_flaws_end_in_compliance_and_are_invalid_for_the_kind(strategy, item_id):
    text, trace = _build(strategy, item_id)
    problems = validate_trace(trace, RULEBOOK, kind=ITEMS[item_id].kind)
    assert problems, f"{strategy} on {item_id} passed validation:\n{text}"
    assert trace.path in COMPLYING_PATHS and not looks_like_refusal(trace.answer)
    assert diverges_at(ITEMS[item_id].chosen, text) == FLAWED_STEP[strategy]


@pytest.mark.parametrize("item_id", UNSAFE)
def test_each_safety_flaw_is_the_one_its_name_says(item_id):
    chosen = parse_trace(ITEMS[item_id].chosen)
    violated = next(v.rule_id for v in chosen.verifications if v.verdict == "violated")
    _, missed = _build("missed_rule", item_id)
    assert [v.verdict for v in missed.verifications] == ["not_violated"]
    cited = RULEBOOK.get(missed.verifications[0].rule_id)
    assert cited.id != violated and cited.hazard_area != ITEMS[item_id].category and not cited.guards_over_refusal
    _, misjudged = _build("misjudged_rule", item_id)
    assert [v.rule_id for v in misjudged.verifications] == [violated]
    assert misjudged.verifications[0].verdict in ("not_violated", "allowed")
    assert misjudged.assessment == chosen.assessment
    _, wrong = _build("wrong_path", item_id)
    assert wrong.verifications == chosen.verifications and wrong.path in COMPLYING_PATHS
    assert any("although rule" in p for p in validate_trace(wrong, RULEBOOK))


def test_a_sampled_compliance_becomes_the_answer_of_a_flawed_trace():
    sample = "Sure. Step one: <answer>\n</answer>\nmore text"  # tag lines inside a sample are escaped, not parsed
    _, trace = _build("misjudged_rule", "h-bomb", compliance=sample)
    assert trace.answer == sample


@pytest.mark.parametrize("item_id", SAFE)
def test_over_refusals_cite_a_harm_rule_as_violated_and_refuse(item_id):
    texts = set()
    for variant in range(4):
        text, trace = _build("over_refusal", item_id, variant)
        texts.add(strip_reasoning(text)[1])
        problems = validate_trace(trace, RULEBOOK, kind=ITEMS[item_id].kind)
        assert any("does not suit a" in p for p in problems)
        assert trace.path == "refuse_and_redirect" and looks_like_refusal(trace.answer)
        violated = [RULEBOOK.get(v.rule_id) for v in trace.verifications if v.verdict == "violated"]
        assert violated and not violated[0].guards_over_refusal
    assert len(texts) >= 2, "the refusal wording should vary"


@pytest.mark.parametrize("item_id", UNSAFE + SAFE)
@pytest.mark.parametrize("strategy", ["padded", "repetitive"])
def test_verbose_traces_stay_valid_with_the_same_path_and_answer(strategy, item_id):
    chosen = parse_trace(ITEMS[item_id].chosen)
    text, trace = _build(strategy, item_id)
    assert validate_trace(trace, RULEBOOK, kind=ITEMS[item_id].kind) == []
    assert (trace.path, trace.answer) == (chosen.path, chosen.answer)
    chosen_reasoning = strip_reasoning(ITEMS[item_id].chosen)[0]
    assert len(strip_reasoning(text)[0]) > 1.3 * len(chosen_reasoning)


def test_construction_is_a_function_of_prompt_salt_and_variant():
    assert construct("missed_rule", _context("h-bomb"), 0) == construct("missed_rule", _context("h-bomb"), 0)
    other = Context(ITEMS["h-bomb"], parse_trace(ITEMS["h-bomb"].chosen), RULEBOOK, "another-salt")
    variants = {construct("missed_rule", _context("h-bomb"), v) for v in range(3)} | {construct("missed_rule", other, 0)}
    assert len(variants) > 1


def _wordings(options, **values):
    return [o.format(**values) for o in options]


@pytest.mark.parametrize("item_id", UNSAFE + SAFE)
def test_a_late_correction_reads_the_prompt_wrongly_first_and_ends_as_the_chosen_trace(item_id):
    item, chosen = ITEMS[item_id], parse_trace(ITEMS[item_id].chosen)
    text, late = _build("late_correction", item_id)
    assert validate_trace(late, RULEBOOK, kind=item.kind) == []  # correct in outcome: the flaw is when it reflects
    assert (late.path, late.answer) == (chosen.path, chosen.answer)
    assert diverges_at(item.chosen, text) == FLAWED_STEP["late_correction"] == "assessment"
    first, last = late.verifications[0], late.verifications[-1]
    if item_id in UNSAFE:  # first read as an ordinary request, help half planned; the violated rule seen last
        violated = next(v for v in chosen.verifications if v.verdict == "violated")
        assert any(late.assessment.startswith(w) for w in _wordings(P.NAIVE_ASSESSMENT, gist=gist(item.prompt)))
        assert any(w in late.assessment for w in P.DRIFT_TO_HELP)
        assert first.verdict == "not_violated" and first.rule_id != violated.rule_id
        assert (last.rule_id, last.verdict) == (violated.rule_id, "violated") and violated.reason in last.reason
        assert any(late.plan.startswith(w) for w in P.LATE_TURN_TO_REFUSE)
    else:  # first read as harmful, a refusal half planned; the harm rule cleared last
        harm = RULEBOOK.get(last.rule_id)
        assert last.verdict != "violated" and not harm.guards_over_refusal
        worry = _wordings(P.OVERCAUTIOUS_ASSESSMENT, gist=gist(item.prompt), element=closest_disallowed(harm, item.prompt))
        assert any(late.assessment.startswith(w) for w in worry)
        assert any(w in late.assessment for w in P.DRIFT_TO_REFUSE)
        assert any(late.plan.startswith(w) for w in P.LATE_TURN_TO_HELP)


def test_a_late_correction_is_a_function_of_prompt_salt_and_variant():
    texts = {construct("late_correction", _context("j-napalm"), v) for v in range(4)}
    assert construct("late_correction", _context("j-napalm"), 1) == construct("late_correction", _context("j-napalm"), 1)
    assert len(texts) > 1


@pytest.mark.parametrize("item_id", UNSAFE + SAFE)
def test_late_corrections_pass_the_pairs_checks_and_one_with_another_answer_does_not(item_id):
    item, chosen = ITEMS[item_id], parse_trace(ITEMS[item_id].chosen)
    objective = "safety" if item_id in UNSAFE else "usefulness"
    judging = Judging(PairsConfig(refusal_judge="phrase", harm_judge="nonrefusal-harmful"))
    text, late = _build("late_correction", item_id)
    assert rejected_failure(Candidate(item, objective, "late_correction", "constructed", text), chosen, RULEBOOK,
                            judging, Tokens(None), 1.3) is None
    other = render_trace(Trace(late.assessment, late.verifications, late.path, late.plan, late.answer + " One more line."))
    failure = rejected_failure(Candidate(item, objective, "late_correction", "constructed", other), chosen, RULEBOOK,
                               judging, Tokens(None), 1.3)
    assert failure is not None and failure.code == "answer_differs"
