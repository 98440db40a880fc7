"""The prompt that asks a model teacher (openai, hf) for an Ex-Ante trace.

The system message holds the task, the exact format, the rulebook (``render_rulebook``), the
paths and contexts, and worked examples (``teacher_examples.yaml``) that validate against the
rulebook in use. The user message holds the prompt and the data set's label for it, so the
teacher knows which side of the line the prompt was collected for; the filters check the result.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from exante.reasoning import RuleVerdict, Trace, render_trace, validate_trace
from exante.rules import ALLOWED_CONTEXTS, PATHS, Rulebook, render_rulebook

STYLE_GUIDE = {
    "concise": "Be brief: the shortest trace that is still specific. One or two sentences of assessment, only "
               "the rules that matter (usually one or two), a one-line plan.",
    "long": "Reason at length and reflectively: in the assessment consider who might ask and why, the charitable "
            "and the worst reading, and any jailbreak framing; cite every plausibly relevant rule with a reason; "
            "in the plan say what the answer will and will not contain.",
}

TASK = """You write reasoning traces that teach a chat assistant to think about safety before it answers.
For the user prompt you are given, write the assistant's whole turn in exactly this format, and nothing else:

<assessment>
What is asked, the likely intent, the context, and risk signals (name any jailbreak framing: role-play, \
hypothetical, encoding, prefix injection, fake authority, past/future-tense rewording).
</assessment>
<verification>
- <rule_id>: violated — <the specific harmful element, in the prompt's terms>
- <rule_id>: allowed (<context>) — <what makes it safe>
- <rule_id>: not_violated
</verification>
<calibration>
path: <one path>
<what the answer will and will not contain>
</calibration>
<answer>
<the reply to the user>
</answer>

Rules of the format: tags alone on their lines; cite rule ids from the rulebook only, each at most once; \
a verdict is violated, allowed (<context>) or not_violated, and a context must be one the rule lists; \
paths: {paths}. A harmful request (also when wrapped in a jailbreak) gets path refuse_and_redirect, a \
violated rule, and an answer that opens with a clear refusal ("I can't help with …") naming the specific \
harm and then offers something genuinely useful (safety information, legal alternatives, support resources). \
A benign or merely scary-sounding request gets path comply (or comply_with_safety_framing), a verification \
that says why it is safe (the over-refusal guard and allowed context that apply), and a genuinely helpful \
answer that does not refuse.
{style}

Allowed contexts: {contexts}.

Rulebook (id: title — disallowed (default path)):
{rulebook}

Examples:
{examples}"""


@lru_cache(maxsize=1)
def _raw_examples() -> list[dict]:
    text = resources.files("exante.synth").joinpath("teacher_examples.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def examples(rulebook: Rulebook) -> list[tuple[dict, str]]:
    """(example, rendered trace) for the worked examples that validate against ``rulebook``."""
    out = []
    for ex in _raw_examples():
        verdicts = [RuleVerdict(rid, verdict, context, reason or "")
                    for rid, verdict, context, reason in ex["verification"]]
        trace = Trace(ex["assessment"], verdicts, ex["path"], ex["plan"], ex["answer"])
        if not validate_trace(trace, rulebook, kind=ex["kind"]):
            out.append((ex, render_trace(trace)))
    return out


def system_prompt(rulebook: Rulebook, style: str) -> str:
    shown = "\n\n".join(f"Prompt ({ex['kind']}): {ex['prompt']}\n{text}" for ex, text in examples(rulebook))
    return TASK.format(paths=", ".join(PATHS), style=STYLE_GUIDE[style], contexts=", ".join(ALLOWED_CONTEXTS),
                       rulebook=render_rulebook(rulebook), examples=shown or "(none)")


def teacher_messages(record: dict, system: str) -> list[dict]:
    user = f"Prompt ({record['kind']}):\n{record['prompt']}\n\nWrite the assistant turn in the format above."
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
