"""The checks every pair passes, the judges they use, and the records they produce.

A chosen trace must parse strictly and be valid for its prompt's kind; a rejected response must
differ from it, parse leniently as intended (a constructed flaw as a well-formed trace that
``validate_trace`` rejects for the kind; an efficiency rejection as a valid trace with the same
path and more reasoning; a late correction as a valid trace with the same path and answer), and
the judges' labels must agree with the objective (a rejection that keeps the chosen outcome: the
same refusal label as the chosen answer). Each failure is a ``Failure(code, reason)``; the code
is counted in stats.json.
"""

from __future__ import annotations

from dataclasses import dataclass

from exante.errors import ExanteError
from exante.judge.base import Verdict, judge_summary, make_judge
from exante.reasoning import Trace, TraceFormatError, parse_lenient, parse_trace, split_steps, strip_reasoning, validate_trace
from exante.rules import REFUSING_PATHS, Rulebook
from exante.train.records import answer_only, final_answer
from exante.pairs.config import SAME_ANSWER, PairsConfig
from exante.pairs.inputs import Item

UNSAFE_KINDS = ("harmful", "jailbreak")
ELIGIBLE_KINDS = {"safety": UNSAFE_KINDS, "usefulness": ("benign", "borderline"),
                  "efficiency": ("harmful", "jailbreak", "benign", "borderline")}


@dataclass(frozen=True)
class Failure:
    code: str
    reason: str


@dataclass
class Candidate:
    item: Item
    objective: str
    strategy: str
    origin: str  # "sampled" (the policy's own output) or "constructed"
    text: str
    variant: int = 0  # sample index, or which wording of a constructed flaw
    finish_reason: str | None = None

    @property
    def id(self) -> str:
        return f"{self.objective}/{self.strategy}/{self.variant}/{self.item.id}"


def keeps_outcome(cand: Candidate) -> bool:
    """The rejection reaches the chosen conclusion and differs only in its reasoning (efficiency, late correction)."""
    return cand.strategy in SAME_ANSWER[cand.objective]


def answer_of(text: str) -> str:
    return strip_reasoning(text)[1]


class Judging:
    """The configured refusal and harm judges, with verdicts kept per (prompt, answer)."""

    def __init__(self, config: PairsConfig):
        self.names = {"refusal": config.refusal_judge, "harm": config.harm_judge}
        self.judges = {}
        for task, name in self.names.items():
            self.judges[task] = make_judge(name)
            if judge_summary(name)[0] != task:
                raise ExanteError(f"PairsConfig: field '{task}_judge': {name!r} is a {judge_summary(name)[0]} judge, not a {task} judge")
        self._memo: dict[tuple[str, str, str], Verdict] = {}

    def prefetch(self, task: str, pairs: list[tuple[str, str]]) -> None:
        """Judge the (prompt, answer) pairs not judged yet, in one batch."""
        todo = list(dict.fromkeys(p for p in pairs if (task, *p) not in self._memo))
        for pair, verdict in zip(todo, self.judges[task].judge_many([p for p, _ in todo], [a for _, a in todo])):
            self._memo[(task, *pair)] = verdict

    def verdict(self, task: str, prompt: str, answer: str) -> Verdict:
        key = (task, prompt, answer)
        if key not in self._memo:
            self.prefetch(task, [(prompt, answer)])
        return self._memo[key]

    def is_positive(self, task: str, prompt: str, text: str) -> bool:
        """Refusal (task "refusal") or harmful ("harm"), judged on the answer part of ``text``."""
        return self.verdict(task, prompt, answer_of(text)).label == self.judges[task].positive

    def record(self, task: str, prompt: str, text: str) -> dict:
        return {"judge": self.names[task], **self.verdict(task, prompt, answer_of(text)).to_dict()}


class Tokens:
    """Token counts of whole responses and of their reasoning, with the configured tokenizer."""

    def __init__(self, tokenizer):
        self.tokenizer, self._memo = tokenizer, {}

    def count(self, text: str) -> int:
        if text not in self._memo:
            self._memo[text] = len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        return self._memo[text]

    def reasoning(self, text: str) -> int:
        return self.count(strip_reasoning(text)[0] or "")


def chosen_trace(item: Item, objective: str, rulebook: Rulebook) -> tuple[Trace | None, Failure | None]:
    """The chosen trace, strictly parsed and valid for the prompt's kind and the objective."""
    try:
        trace = parse_trace(item.chosen)
    except TraceFormatError as exc:
        return None, Failure("chosen_format", f"chosen trace does not parse: {exc}")
    problems = validate_trace(trace, rulebook, kind=item.kind)
    if problems:
        return None, Failure("chosen_invalid", "chosen trace is not valid: " + "; ".join(problems))
    if objective == "safety" and trace.path not in REFUSING_PATHS:
        return None, Failure("chosen_path", f"chosen path {trace.path} is not a refusal")
    return trace, None


def chosen_label_failure(item: Item, objective: str, judging: Judging) -> Failure | None:
    refused = judging.is_positive("refusal", item.prompt, item.chosen)
    if objective == "safety" and not refused:
        return Failure("chosen_not_refusal", f"chosen answer not judged a refusal by {judging.names['refusal']}")
    if objective == "usefulness" and refused:
        return Failure("chosen_refusal", f"chosen answer judged a refusal by {judging.names['refusal']}")
    return None


def rejected_failure(cand: Candidate, chosen: Trace, rulebook: Rulebook, judging: Judging, tokens: Tokens,
                     min_length_ratio: float) -> Failure | None:
    """Why ``cand`` cannot be the rejected side of a pair with ``chosen``, or None."""
    item = cand.item
    if cand.text.strip() == item.chosen.strip():
        return Failure("same_text", "rejected response is the chosen one")
    if not answer_of(cand.text).strip():
        return Failure("no_answer", "rejected response has no answer (cut off or empty)")
    if cand.origin == "constructed":
        parsed = parse_lenient(cand.text)
        if parsed.problems:
            return Failure("rejected_format", "constructed trace does not parse: " + "; ".join(parsed.problems))
        problems = validate_trace(parsed.to_trace(), rulebook, kind=item.kind)
        if keeps_outcome(cand):
            failure = _outcome_failure(cand, parsed, problems, chosen)
            if failure:
                return failure
        elif not problems:
            return Failure("flaw_not_detected", "constructed flawed trace passes validate_trace")
    return _label_failure(cand, judging) or _length_failure(cand, tokens, min_length_ratio)


def _outcome_failure(cand: Candidate, parsed, problems: list[str], chosen: Trace) -> Failure | None:
    """A verbose or late-correcting trace must be valid and reach the chosen path (a late correction: and answer)."""
    late = cand.objective != "efficiency"
    what = "late-correction" if late else "verbose"
    if problems:
        return Failure("correction_invalid" if late else "verbose_invalid", f"{what} trace is not valid: " + "; ".join(problems))
    if parsed.path != chosen.path:
        return Failure("path_differs", f"{what} trace takes path {parsed.path}, chosen {chosen.path}")
    if late and parsed.answer != chosen.answer:
        return Failure("answer_differs", f"{what} trace ends with another answer than the chosen trace")
    return None


def _label_failure(cand: Candidate, judging: Judging) -> Failure | None:
    prompt, judge = cand.item.prompt, judging.names["refusal"]
    refused = judging.is_positive("refusal", prompt, cand.text)
    if keeps_outcome(cand):
        if refused != judging.is_positive("refusal", prompt, cand.item.chosen):
            return Failure("answer_differs", f"{judge} judges the chosen and the rejected answer differently")
        return None
    if cand.objective == "safety":
        if refused:
            return Failure("rejected_refusal", f"rejected answer judged a refusal by {judge}")
        if cand.origin == "sampled" and not judging.is_positive("harm", prompt, cand.text):
            return Failure("rejected_not_harmful", f"sampled answer not judged harmful by {judging.names['harm']}")
    if cand.objective == "usefulness" and not refused:
        return Failure("rejected_not_refusal", f"rejected answer not judged a refusal by {judge}")
    return None


def _length_failure(cand: Candidate, tokens: Tokens, ratio: float) -> Failure | None:
    if cand.objective != "efficiency":
        return None
    chosen, rejected = tokens.reasoning(cand.item.chosen), tokens.reasoning(cand.text)
    if rejected < ratio * chosen:
        return Failure("not_verbose", f"rejected reasoning has {rejected} tokens, chosen {chosen} (need ≥ {ratio}×)")
    return None


def diverges_at(chosen: str, rejected: str) -> str | None:
    """The first step whose text differs, when both are well-formed traces (None otherwise)."""
    try:
        pairs = zip(split_steps(chosen), split_steps(rejected))
    except TraceFormatError:
        return None
    return next((a.name for a, b in pairs if a.text != b.text), None)


def pair_record(cand: Candidate, judging: Judging, tokens: Tokens, rulebook: Rulebook, response: str = "trace") -> dict:
    """The pair; with ``response`` answer its sides (and the prompt's assistant turns) hold final answers only,
    and the token counts and ``diverges_at`` describe those sides."""
    item, prompt = cand.item, cand.item.prompt
    messages, chosen, rejected = item.messages, item.chosen, cand.text
    if response == "answer":
        messages = answer_only(item.messages, cand.id, "prompt")
        chosen, rejected = final_answer(chosen, f"{cand.id}: chosen"), final_answer(rejected, f"{cand.id}: rejected")
    judges = {"chosen": {"refusal": judging.record("refusal", prompt, item.chosen)},
              "rejected": {"refusal": judging.record("refusal", prompt, cand.text)}}
    if cand.objective == "safety":
        judges["rejected"]["harm"] = judging.record("harm", prompt, cand.text)
    meta = {
        "source": item.source, "kind": item.kind, "category": item.category, "attack": item.attack,
        "chosen_tokens": tokens.count(chosen), "rejected_tokens": tokens.count(rejected),
        "chosen_reasoning_tokens": tokens.reasoning(chosen), "rejected_reasoning_tokens": tokens.reasoning(rejected),
        "rejected_origin": cand.origin, "strategy": cand.strategy, "diverges_at": diverges_at(chosen, rejected),
        "judges": judges,
    }
    if cand.origin == "sampled":
        meta["finish_reason"] = cand.finish_reason
    else:
        parsed = parse_lenient(cand.text)
        meta["rejected_problems"] = list(validate_trace(parsed.to_trace(), rulebook, kind=item.kind))
    return {"id": cand.id, "prompt": messages, "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}], "objective": cand.objective,
            "split": item.split, "meta": meta}


def dropped_record(item: Item, objective: str, failure: Failure, cand: Candidate | None = None) -> dict:
    record = {"id": cand.id if cand else f"{objective}/chosen/0/{item.id}", "prompt_id": item.id, "objective": objective,
              "side": "rejected" if cand else "chosen", "strategy": cand.strategy if cand else None,
              "origin": cand.origin if cand else None, "code": failure.code, "reason": failure.reason,
              "split": item.split, "kind": item.kind, "prompt": item.prompt}
    record["text"] = cand.text if cand else item.chosen
    return record
