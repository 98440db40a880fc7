"""The Ex-Ante trace format that every stage writes and reads (grammar: docs/reasoning.md)."""

from exante.reasoning.parse import ParsedTrace, parse_lenient, parse_trace, strip_reasoning
from exante.reasoning.refusal import REFUSAL_PHRASES, looks_like_refusal
from exante.reasoning.steps import Step, prefix_until, split_steps
from exante.reasoning.trace import SECTIONS, VERDICTS, Problem, RuleVerdict, Trace, TraceFormatError, render_trace
from exante.reasoning.validate import KINDS, trace_checks, validate_trace

__all__ = [
    "KINDS",
    "REFUSAL_PHRASES",
    "SECTIONS",
    "VERDICTS",
    "ParsedTrace",
    "Problem",
    "RuleVerdict",
    "Step",
    "Trace",
    "TraceFormatError",
    "looks_like_refusal",
    "parse_lenient",
    "parse_trace",
    "prefix_until",
    "render_trace",
    "split_steps",
    "strip_reasoning",
    "trace_checks",
    "validate_trace",
]
