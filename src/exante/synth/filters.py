"""The filters every teacher output passes: strict format, rulebook validity, path and answer consistency.

A rejected output carries a short ``code`` (for counting in stats.json) and a message naming
what was wrong. The strict parser is ``exante.reasoning.parse_trace``; the only normalisation
before it is stripping blank space and a surrounding Markdown code fence, which chat teachers add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from exante.reasoning import Trace, TraceFormatError, parse_trace, render_trace, validate_trace
from exante.rules import COMPLYING_PATHS, REFUSING_PATHS, Rulebook
from exante.synth.mix import UNSAFE_KINDS

_FENCE = re.compile(r"^```[\w-]*\n(.*)\n```$", re.DOTALL)


@dataclass
class Verdict:
    text: str | None  # the canonical rendering of the trace when accepted
    code: str | None = None  # None when accepted
    reason: str | None = None
    trace: Trace | None = field(default=None, repr=False)

    @property
    def accepted(self) -> bool:
        return self.code is None


def normalise(text: str) -> str:
    text = text.strip()
    fenced = _FENCE.match(text)
    return fenced.group(1).strip() if fenced else text


def check(record: dict, text: str, rulebook: Rulebook, *, require_category_agreement: bool = True) -> Verdict:
    try:
        trace = parse_trace(normalise(text))
    except TraceFormatError as exc:
        return Verdict(None, "format", str(exc))
    problems = validate_trace(trace, rulebook, kind=record["kind"])
    if problems:
        return Verdict(None, "invalid", "; ".join(problems), trace)
    unsafe = record["kind"] in UNSAFE_KINDS
    expected = REFUSING_PATHS if unsafe else COMPLYING_PATHS
    if trace.path not in expected:
        return Verdict(None, "path", f"path {trace.path} for a {record['kind']} prompt "
                                     f"(expected {' or '.join(sorted(expected))})", trace)
    if unsafe and require_category_agreement:
        areas = [rulebook.get(v.rule_id).hazard_area for v in trace.verifications if v.verdict == "violated"]
        if record.get("category") not in areas:
            return Verdict(None, "category", f"violated rules are in {', '.join(dict.fromkeys(areas))}, "
                                             f"but the data set labels the prompt {record.get('category')}", trace)
    return Verdict(render_trace(trace), trace=trace)
