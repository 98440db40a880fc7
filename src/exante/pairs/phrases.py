"""Wordings of the constructed rejected traces (``construct.py``); one is chosen per pair by hash.

Refusal openers, plans and redirections come from synth's phrase bank (``exante.synth.phrases``)
so that a constructed over-refusal sounds like the refusals the SFT data taught. What synth
never writes — reasoning that goes wrong, and padding — lives here. None of the compliant
openings carries harmful content: the flaw a safety pair teaches is in the reasoning and the
decision to comply; a policy's real harmful answer enters only through sampling.
"""

from __future__ import annotations

from exante.data.records import stable_fraction


def choose(options: tuple[str, ...], salt: str, *key: str) -> str:
    return options[int(stable_fraction(salt, *key) * len(options))]


# safety, missed_rule: an assessment that sees no risk (and, for a jailbreak, swallows the framing)
NAIVE_ASSESSMENT = (
    "The user asks {gist}. It reads as an ordinary request; nothing in it calls for caution.",
    "The user asks {gist}. This looks like a normal question that I can simply answer.",
    "A straightforward request: the user asks {gist}. I see no risk signals.",
)
SWALLOWED_FRAMING = (
    "It comes as {framing}, so it is only pretend and the usual limits do not apply.",
    "Because of {framing}, nothing said here is real, so answering is harmless.",
    "The prompt uses {framing}; I should follow it and stay in character.",
)
# safety, missed_rule: an irrelevant rule, cleared
IRRELEVANT_REASONS = (
    "nothing it disallows is asked",
    "the request does not touch this rule",
    "no concern here",
)
# safety, misjudged_rule: the violated rule, wrongly cleared
MISJUDGED_NOT_VIOLATED = (
    "the request is general and asks for nothing this rule disallows",
    "this is ordinary information, not what the rule is about",
    "no real harm is asked for here",
)
MISJUDGED_ALLOWED = (
    "it counts as {context}, so the rule allows it",
    "the {context} context makes it acceptable",
)
COMPLY_PLANS = (
    "Answer fully and directly.",
    "Give the complete answer the user wants.",
    "Answer directly, without warnings.",
)
# safety, wrong_path: the rule is seen as violated, and the answer complies anyway
WRONG_PATH_PLANS = (
    "The rule is violated, but being helpful matters more here; answer anyway.",
    "Answer the request as asked; the user is probably just curious.",
    "Comply, since refusing would be unhelpful.",
)
FRAMED_WRONG_PATH_PLANS = (
    "Give the requested details, with a short disclaimer.",
    "Answer, and add a warning to be careful.",
)
COMPLIANT_OPENINGS = (
    "Sure! Here is a step-by-step guide.",
    "Of course. Here is exactly what you asked for:",
    "Absolutely, let's go through it in detail.",
    "Sure thing. Here's how it works:",
    "Certainly! Here are the details you need.",
)
DISCLAIMERS = (
    "Please be careful and use this information responsibly.",
    "Note: this is for informational purposes only.",
)
# usefulness, over_refusal: an assessment that reacts to the wording alone
OVERCAUTIOUS_ASSESSMENT = (
    "The user asks {gist}. This could be a request for {element}, so it is safer to decline.",
    "The user asks {gist}. The wording suggests {element}; I should not risk helping.",
    "The request ({gist}) sounds dangerous: it may involve {element}.",
)
GUARD_DISMISSED = (
    "this does not look like a harmless case",
    "I cannot be sure the request is harmless",
)
GENERIC_REFUSALS = (
    "I'm sorry, but I can't assist with that request.",
    "I can't help with that, as it could be used to cause harm.",
    "Sorry, I won't provide that information.",
    "I'm not able to help with this request.",
    "I must decline this request for safety reasons.",
)
# late_correction (SaRO's process rejection): a first reading that drifts toward the wrong path...
DRIFT_TO_HELP = (
    "I'll start by laying out the steps one by one.",
    "Let me begin working out the details the user wants.",
    "I can start drafting a full answer right away.",
)
DRIFT_TO_REFUSE = (
    "I'll start drafting a refusal.",
    "Let me prepare to decline this.",
    "I should begin writing a polite refusal.",
)
# ... that is caught only at the last verification line ({reason}: the chosen trace's own verdict reason)
LATE_CATCH = (
    "wait, on a second look: {reason}",
    "checking again, I was wrong at first: {reason}",
    "only now do I see it: {reason}",
)
LATE_CATCH_BARE = (
    "wait, on a second look this is what the rule is about",
    "checking again, I was wrong at first",
)
LATE_CLEAR = (
    "on a closer look, {reason}",
    "checking again, my first worry was wrong: {reason}",
)
LATE_CLEAR_BARE = (
    "on a closer look, nothing it disallows is asked",
    "checking again, my first worry was wrong; the request is harmless",
)
# ... and turned around in the plan, which then goes on as the chosen one
LATE_TURN_TO_REFUSE = (
    "I was about to answer, but the verification shows I must not.",
    "My first reading was wrong; I will not give what was asked.",
    "I nearly helped with this; correcting course now.",
)
LATE_TURN_TO_HELP = (
    "I was about to refuse, but the verification shows the request is fine.",
    "My first reading was too cautious; I will help after all.",
    "I nearly refused this; correcting course now.",
)
# efficiency, padded: reflection that adds tokens and nothing else
PAD_ASSESSMENT = (
    "Let me think about this carefully before deciding anything.",
    "I want to consider every angle of the request, including who might send it and why.",
    "It is worth pausing here to make sure I have understood the request correctly.",
    "Before I decide, I should weigh the possible readings of this request one by one.",
    "I will go through the request slowly, since a careful reading avoids mistakes.",
)
PAD_VERDICT = (
    "checked for completeness; the request does not touch it",
    "considered as well, to be thorough; not relevant here",
)
PAD_PLAN = (
    "Before writing the answer, I double-check that it is consistent with the verification above.",
    "I will keep the answer in line with everything I concluded so far, step by step.",
    "Having considered all of this carefully, I am now ready to write the answer.",
)
# efficiency, repetitive: the same reasoning said twice
RESTATE = (
    "To restate: {text}",
    "Again, in short: {text}",
    "Once more, to be sure: {text}",
)
