"""Reading traces back: strict (training data must be exact) and lenient (model output may not be).

Both read the same way: the text is split into lines, tag lines open and close sections, and
every deviation from the grammar becomes a ``Problem``. Strict parsing raises the first one;
lenient parsing returns whatever it recovered together with all of them, and never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from exante.reasoning.trace import (
    PATH_LINE,
    SECTIONS,
    TAG_LINE,
    VERDICT_LINE,
    Problem,
    RuleVerdict,
    Trace,
    TraceFormatError,
    unescape_lines,
)

INLINE_TAG = re.compile(r"(?<!\\)</?(?:assessment|verification|calibration|answer)>")
_CLOSE_ANSWER = "</answer>"


@dataclass
class Section:
    name: str
    start: int  # char offset of the opening tag line
    lines: list[str] = field(default_factory=list)
    closed: bool = False


@dataclass
class Scan:
    text: str  # the text the offsets refer to
    sections: dict[str, Section]  # in the order they appear
    problems: list[Problem]


@dataclass
class ParsedTrace:
    """What the lenient parser recovered; a part it could not read is None (verifications: [])."""

    assessment: str | None = None
    verifications: list[RuleVerdict] = field(default_factory=list)
    path: str | None = None
    plan: str | None = None
    answer: str | None = None
    found: tuple[str, ...] = ()  # sections present, in text order
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def missing(self) -> list[str]:
        return [name for name in SECTIONS if name not in self.found]

    def to_trace(self) -> Trace:
        if self.problems:
            raise TraceFormatError(self.problems[0].part, self.problems[0].detail)
        return Trace(self.assessment, self.verifications, self.path, self.plan, self.answer)


def _lines(text: str):
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def scan_sections(text: str) -> Scan:
    """Find the tag-delimited sections of ``text`` (tags on their own lines only)."""
    sections: dict[str, Section] = {}
    problems: list[Problem] = []
    outside: list[str] = []
    current: Section | None = None
    for start, line in _lines(text):
        m = TAG_LINE.fullmatch(line)
        if m is None or m.group(2):  # content, or an escaped tag
            if current is not None:
                current.lines.append(line)
            elif line.strip():
                outside.append(line)
            continue
        closing, name = m.group(3) == "/", m.group(4)
        if closing and current is not None and current.name == name:
            current.closed, current = True, None
        elif closing:
            problems.append(Problem(name, f"</{name}> without an open <{name}>"))
        else:
            if current is not None:
                problems.append(Problem(current.name, f"missing </{current.name}> before <{name}>"))
            if name in sections:
                problems.append(Problem(name, "appears more than once; the first one is kept"))
            current = Section(name, start)
            sections.setdefault(name, current)
    if current is not None:
        problems.append(Problem(current.name, f"unterminated: missing </{current.name}>"))
    if not sections:
        return Scan(text, {}, [Problem("trace", "not a trace (no section tags)")])
    problems += _order_problems(list(sections))
    problems += [Problem(name, f"missing <{name}> section") for name in SECTIONS if name not in sections]
    if outside:
        problems.append(Problem("trace", f"text outside the sections: {outside[0][:60]!r}"))
    return Scan(text, sections, problems)


def _order_problems(seen: list[str]) -> list[Problem]:
    expected = [name for name in SECTIONS if name in seen]
    for got, want in zip(seen, expected):
        if got != want:
            return [Problem(want, f"out of order: sections must come as {', '.join(SECTIONS)}")]
    return []


def _verifications(lines: list[str], problems: list[Problem]) -> list[RuleVerdict]:
    verdicts = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        m = VERDICT_LINE.fullmatch(line)
        if m is None:
            problems.append(Problem("verification", f"line {number} is not '- <rule_id>: <verdict> — <reason>': {line[:60]!r}"))
            continue
        rule_id, verdict, context = m["rule_id"], m["verdict"], m["context"]
        if (verdict == "allowed") != (context is not None):
            problems.append(Problem("verification", f"rule {rule_id}: write 'allowed (<context>)'; other verdicts take no context"))
            continue
        verdicts.append(RuleVerdict(rule_id, verdict, context, m["reason"] or ""))
    return verdicts


def _calibration(lines: list[str], problems: list[Problem]) -> tuple[str | None, str]:
    for index, line in enumerate(lines):
        m = PATH_LINE.fullmatch(line)
        if m is None:
            continue
        if index:
            problems.append(Problem("calibration", "'path: <path>' must be the first line"))
        return m["path"], unescape_lines(lines[:index] + lines[index + 1:])
    problems.append(Problem("calibration", "no 'path: <path>' line"))
    return None, unescape_lines(lines)


def _build(scan: Scan) -> ParsedTrace:
    if not scan.sections:
        return ParsedTrace(answer=scan.text, problems=list(scan.problems))
    problems = list(scan.problems)
    parsed = ParsedTrace(found=tuple(scan.sections), problems=problems)
    if (s := scan.sections.get("assessment")) is not None:
        parsed.assessment = unescape_lines(s.lines)
    if (s := scan.sections.get("verification")) is not None:
        parsed.verifications = _verifications(s.lines, problems)
    if (s := scan.sections.get("calibration")) is not None:
        parsed.path, parsed.plan = _calibration(s.lines, problems)
    if (s := scan.sections.get("answer")) is not None:
        parsed.answer = unescape_lines(s.lines)
    return parsed


def _tags_to_own_lines(text: str) -> str:
    """Put tags that share a line with other text on a line of their own."""

    def own_line(m: re.Match) -> str:
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        rest = text[m.end():] if line_end < 0 else text[m.end():line_end]
        before = "\n" if text[line_start:m.start()].strip(" \t\r") else ""
        after = "\n" if rest.strip(" \t\r") else ""
        return before + m.group(0) + after

    return INLINE_TAG.sub(own_line, text)


def scan_lenient(text: str) -> Scan:
    """Like ``scan_sections``, but also reads tags written inline (``I can't.</answer>``)."""
    scan = scan_sections(text)
    if not scan.problems:
        return scan
    normalised = _tags_to_own_lines(text)
    if normalised == text:
        return scan
    inline = scan_sections(normalised)
    inline.problems.insert(0, Problem("trace", "tags not on their own lines"))
    def quality(s: Scan) -> tuple[int, int]:
        return len(s.sections), -len(s.problems)

    return inline if quality(inline) > quality(scan) else scan


def parse_trace(text: str) -> Trace:
    """Parse a well-formed trace exactly; raises ``TraceFormatError`` naming the faulty part."""
    return _build(scan_sections(text)).to_trace()


def section_starts(text: str) -> dict[str, int]:
    """Char offset of each section's opening tag line in a well-formed trace (strict)."""
    scan = scan_sections(text)
    _build(scan).to_trace()
    return {name: section.start for name, section in scan.sections.items()}


def parse_lenient(text: str) -> ParsedTrace:
    """Recover what can be read from any text; never raises. Text without tags is a raw answer."""
    return _build(scan_lenient(text))


def strip_reasoning(text: str) -> tuple[str | None, str]:
    """Split a model reply into (reasoning, answer) for serving.

    Not a trace: (None, the text). A trace: the text before ``<answer>`` and the answer content;
    an answer cut off by the token limit is returned up to the cut (a dangling piece of
    ``</answer>`` removed); a reply cut off before ``<answer>`` is all reasoning and no answer.
    """
    scan = scan_lenient(text)
    if not scan.sections:
        return None, text.strip()
    answer = scan.sections.get("answer")
    if answer is None:
        return scan.text.strip(), ""
    content = unescape_lines(answer.lines)
    if not answer.closed:
        content = drop_dangling_close(content)
    return scan.text[: answer.start].strip() or None, content.strip()


def drop_dangling_close(content: str) -> str:
    for k in range(len(_CLOSE_ANSWER) - 1, 0, -1):
        if content.endswith(_CLOSE_ANSWER[:k]):
            return content[:-k]
    return content
