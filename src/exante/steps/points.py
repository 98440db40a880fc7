"""Decision points of a trace and the alternative next steps compared at each (docs/steps.md).

A decision point is a step of the policy's own trace: its prefix is the trace text before the
step (``prefix_until``), shared by every alternative. The alternatives are the trace's own step,
steps sampled from the policy given the prefix (cut where the next step's opening tag begins;
kept only when they are one whole, closed step), and targeted corruptions: the same step of
``exante pairs``' constructed flaws (a wrong rule cited, a verdict flipped, a wrong path, an
over-refusal), built from the trace for the kinds they fit. Equal texts are kept once, the
first one in that order.
"""

from __future__ import annotations

from typing import Sequence

from exante.pairs.config import STRATEGIES
from exante.pairs.construct import Context, construct
from exante.pairs.inputs import Item
from exante.reasoning import SECTIONS, TraceFormatError, parse_trace, split_steps
from exante.reasoning.parse import scan_sections
from exante.rewards import UNSAFE_KINDS
from exante.rules import Rulebook


def next_opening_tag(step: str) -> str:
    """Where a sampled ``step`` ends: the opening tag of the step after it."""
    return f"<{SECTIONS[SECTIONS.index(step) + 1]}>"


def decision_points(trace: str, steps: Sequence[str]) -> list[dict]:
    """``{"step", "step_index", "prefix", "own"}`` for each of ``steps`` in the trace, in trace order.

    Raises ``TraceFormatError`` when the trace is not well-formed (no steps to split it into).
    """
    parts = split_steps(trace)
    return [{"step": part.name, "step_index": i, "prefix": "".join(p.text for p in parts[:i]), "own": part.text}
            for i, part in enumerate(parts) if part.name in steps]


def is_whole_step(text: str, step: str) -> bool:
    """``text`` is exactly the section ``step``, opened and closed on lines of their own, ending in a newline."""
    scan = scan_sections(text)
    own_problems = [p for p in scan.problems if p.part in (step, "trace")]
    return (list(scan.sections) == [step] and scan.sections[step].closed and not own_problems
            and text.endswith("\n"))


def corrupted_steps(record: dict, trace: str, step: str, strategies: Sequence[str], rulebook: Rulebook,
                    salt: str) -> list[tuple[str, str]]:
    """(strategy, step text) of each corruption that fits the prompt's kind; none when the trace
    does not parse strictly (the constructions read its rules and verdicts)."""
    objective = "safety" if record["kind"] in UNSAFE_KINDS else "usefulness"
    fitting = [s for s in strategies if s in STRATEGIES[objective]]
    try:
        chosen = parse_trace(trace)
    except TraceFormatError:
        return []
    item = Item(record["id"], [{"role": "user", "content": record["prompt"]}], trace, record["kind"],
                record.get("category"), record.get("source", ""), record.get("attack"), "train")
    context = Context(item, chosen, rulebook, salt)
    out = []
    for strategy in fitting:
        rendered = construct(strategy, context, 0)
        if rendered is not None:
            out.append((strategy, next(p.text for p in split_steps(rendered) if p.name == step)))
    return out


def alternatives(own: str, sampled: Sequence[str], corrupted: Sequence[tuple[str, str]], step: str,
                 count_tokens) -> tuple[list[dict], dict[str, int]]:
    """The point's alternatives ``{"alternative", "origin", "sample", "strategy", "text", "tokens"}``
    and how many sampled steps were dropped (``not_whole``) or repeated a text (``duplicates``)."""
    candidates = [("trace", None, None, own)]
    candidates += [("sampled", j, None, text) for j, text in enumerate(sampled)]
    candidates += [("corrupted", None, strategy, text) for strategy, text in corrupted]
    kept, seen, dropped = [], set(), {"not_whole": 0, "duplicates": 0}
    for origin, sample, strategy, text in candidates:
        if origin == "sampled" and not is_whole_step(text, step):
            dropped["not_whole"] += 1
        elif text in seen:
            dropped["duplicates"] += 1
        else:
            seen.add(text)
            kept.append({"alternative": len(kept), "origin": origin, "sample": sample, "strategy": strategy,
                         "text": text, "tokens": count_tokens(text)})
    return kept, dropped
