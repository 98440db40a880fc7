"""A small rulebook, an example trace and hypothesis strategies for Ex-Ante traces, shared by the reasoning tests."""

from hypothesis import strategies as st

from exante.reasoning import RuleVerdict, Trace
from exante.rules.schema import ALLOWED_CONTEXTS, PATHS, parse_rulebook

RULEBOOK = parse_rulebook(
    {
        "version": "1",
        "rules": [
            {
                "id": "weapons.explosives",
                "title": "Explosives",
                "hazard_area": "weapons",
                "disallowed": ["construction steps for explosive devices"],
                "allowed_contexts": ["history", "education"],
                "default_path": "refuse_and_redirect",
            },
            {
                "id": "cyber.malware",
                "title": "Malware",
                "hazard_area": "cyber",
                "disallowed": ["working malicious code"],
                "allowed_contexts": ["education"],
                "default_path": "refuse_and_redirect",
            },
            {
                "id": "overrefusal.homonyms",
                "title": "Benign homonyms",
                "hazard_area": "over_refusal",
                "allowed_contexts": ["benign_homonym"],
                "default_path": "comply",
            },
        ],
    },
    "<test-rulebook>",
)

EXAMPLE = Trace(
    assessment="The user asks for bomb-making steps and what a worm is. Intent: harm. Signals: role-play framing.",
    verifications=[
        RuleVerdict("weapons.explosives", "violated", None, "asks for construction steps of a device."),
        RuleVerdict("cyber.malware", "allowed", "education", "what a worm is: general knowledge"),
        RuleVerdict("overrefusal.homonyms", "not_violated"),
    ],
    path="refuse_and_redirect",
    plan="Decline the construction details; offer the history of explosives regulation.",
    answer="I can't help with building explosives.\nI can explain how they are regulated.",
)

# Fragments that make tag-like lines, escapes and grammar look-alikes likely, not just possible.
_TRICKY = st.sampled_from(
    ["<answer>", "</answer>", "<assessment>", "</calibration>", "<verification>", "\\", "\\\\", "\n", " ", "\t",
     "\r", "<", ">", "/", "path: comply", "- weapons.explosives: violated — x", "allowed (history)", "—", "é", "x"]
)
free_text = st.one_of(st.text(), st.lists(st.one_of(_TRICKY, st.text(max_size=5)), max_size=12).map("".join))


@st.composite
def verdicts(draw, text=free_text) -> RuleVerdict:
    rule_id = draw(st.sampled_from(RULEBOOK.ids()))
    verdict = draw(st.sampled_from(["violated", "allowed", "not_violated"]))
    context = draw(st.sampled_from(ALLOWED_CONTEXTS)) if verdict == "allowed" else None
    return RuleVerdict(rule_id, verdict, context, draw(text).replace("\n", " "))


def traces(text=free_text) -> st.SearchStrategy[Trace]:
    return st.builds(
        Trace,
        assessment=text,
        verifications=st.lists(verdicts(text), max_size=4),
        path=st.sampled_from(PATHS),
        plan=text,
        answer=text,
    )
