"""The Ex-Ante trace: its parts, and how an assistant turn is rendered from them.

A rendered trace (grammar in docs/reasoning.md)::

    <assessment>
    free text
    </assessment>
    <verification>
    - <rule_id>: violated — <one-line reason>
    - <rule_id>: allowed (<context>) — <one-line reason>
    - <rule_id>: not_violated
    </verification>
    <calibration>
    path: <path>
    free text (the plan)
    </calibration>
    <answer>
    free text
    </answer>

Tags are recognised only as whole lines, so '<answer>' inside a sentence is ordinary text.
A free-text line that would read as a tag line is escaped by one leading backslash (and a line
that already is backslashes + tag gets one more), which makes render → parse exact for any string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from exante.errors import ExanteError

SECTIONS = ("assessment", "verification", "calibration", "answer")
VERDICTS = ("violated", "allowed", "not_violated")

# A tag line: optional blanks, backslashes (escapes), the tag, optional blanks.
TAG_LINE = re.compile(r"([ \t\r]*)(\\*)<(/?)(assessment|verification|calibration|answer)>([ \t\r]*)")
# One verification line. The reason runs to the end of the line after the first " — ".
VERDICT_LINE = re.compile(
    r"- (?P<rule_id>[^\s:]+): (?P<verdict>violated|allowed|not_violated)"
    r"(?: \((?P<context>[^()\n]*)\))?(?: — (?P<reason>.*))?"
)
PATH_LINE = re.compile(r"path: (?P<path>\S+)")
_RULE_ID = re.compile(r"[^\s:]+")
_CONTEXT = re.compile(r"[a-z0-9_]+")


class Problem(str):
    """A problem message ``"<part>: <detail>"`` that also carries its part (a section or "trace").

    A ``str`` so that problem lists go into JSONL records as they are.
    """

    part: str
    detail: str

    def __new__(cls, part: str, detail: str) -> "Problem":
        problem = super().__new__(cls, f"{part}: {detail}")
        problem.part, problem.detail = part, detail
        return problem


class TraceFormatError(ExanteError):
    """A trace that does not follow the grammar; ``part`` names the section at fault."""

    def __init__(self, part: str, detail: str):
        super().__init__(f"trace {part}: {detail}")
        self.part = part
        self.detail = detail


@dataclass(frozen=True)
class RuleVerdict:
    rule_id: str
    verdict: str  # one of VERDICTS
    context: str | None = None  # required for "allowed", from rules.ALLOWED_CONTEXTS
    reason: str = ""  # one line; may be empty


@dataclass
class Trace:
    assessment: str
    verifications: list[RuleVerdict]
    path: str
    plan: str
    answer: str


def escape_lines(text: str) -> str:
    """Add one backslash to every line that reads as a (possibly escaped) tag line."""
    return "\n".join(_escape_line(line) for line in text.split("\n"))


def unescape_lines(lines: list[str]) -> str:
    """Inverse of ``escape_lines`` over already split lines."""
    return "\n".join(_unescape_line(line) for line in lines)


def _escape_line(line: str) -> str:
    m = TAG_LINE.fullmatch(line)
    return line if m is None else m.group(1) + "\\" + line[m.end(1):]


def _unescape_line(line: str) -> str:
    m = TAG_LINE.fullmatch(line)
    return line if m is None or not m.group(2) else m.group(1) + line[m.end(1) + 1:]


def render_verdict(v: RuleVerdict) -> str:
    if not _RULE_ID.fullmatch(v.rule_id):
        raise TraceFormatError("verification", f"rule id {v.rule_id!r} must be non-empty, without spaces or ':'")
    if v.verdict not in VERDICTS:
        raise TraceFormatError("verification", f"rule {v.rule_id}: verdict {v.verdict!r} is not one of {', '.join(VERDICTS)}")
    if (v.verdict == "allowed") != (v.context is not None):
        raise TraceFormatError("verification", f"rule {v.rule_id}: a context goes with 'allowed' and only with it")
    if v.context is not None and not _CONTEXT.fullmatch(v.context):
        raise TraceFormatError("verification", f"rule {v.rule_id}: context {v.context!r} must be [a-z0-9_]+")
    if "\n" in v.reason:
        raise TraceFormatError("verification", f"rule {v.rule_id}: the reason must be one line")
    verdict = f"allowed ({v.context})" if v.context is not None else v.verdict
    return f"- {v.rule_id}: {verdict}" + (f" — {v.reason}" if v.reason else "")


def render_trace(trace: Trace) -> str:
    """The assistant turn for ``trace``; ``parse_trace(render_trace(t)) == t`` for every valid t."""
    if not re.fullmatch(r"\S+", trace.path):
        raise TraceFormatError("calibration", f"path {trace.path!r} must be one word, e.g. refuse_and_redirect")
    calibration = f"path: {trace.path}" + (f"\n{escape_lines(trace.plan)}" if trace.plan else "")
    bodies = {
        "assessment": escape_lines(trace.assessment),
        "verification": "\n".join(render_verdict(v) for v in trace.verifications),
        "calibration": calibration,
        "answer": escape_lines(trace.answer),
    }
    return "\n".join(f"<{name}>\n{bodies[name]}\n</{name}>" for name in SECTIONS)
