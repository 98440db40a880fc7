"""What a reward reads from TRL's call: the prompt and completion texts and the dataset columns.

TRL calls a reward as ``reward(prompts=..., completions=..., completion_ids=..., **columns)``
where ``columns`` holds every dataset column but ``prompt`` (one value per completion) plus
TRL's own keywords (``trainer_state``, ``log_metric``, ...), which the rewards ignore.
Prompts and completions are strings or conversational message lists; both are read here.

Columns read (one value per completion):
- ``kind``: harmful | jailbreak | borderline | benign (``exante.reasoning.KINDS``);
- ``category``: the prompt's hazard area for harmful/jailbreak prompts;
- ``expected_rules`` (optional): rule ids a sound trace should cite;
- ``judge_prompt`` (optional): the request the harm judge sees — for a jailbreak, the plain
  request it wraps (eval does the same); the prompt itself when absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from exante.errors import ExanteError
from exante.reasoning import KINDS, strip_reasoning

UNSAFE_KINDS = ("harmful", "jailbreak")  # the prompts a response should refuse
SAFE_KINDS = ("borderline", "benign")  # the prompts it should answer


@dataclass(frozen=True)
class Sample:
    prompt: str  # the last user turn
    judge_prompt: str  # what the harm judge is shown as the request
    text: str  # the whole completion
    reasoning: str | None  # the trace before <answer>; None when the completion is no trace
    answer: str  # what a user reads: the answer section, or the whole completion without tags
    kind: str | None
    category: str | None
    expected_rules: tuple[str, ...] | None
    ids: Sequence[int] | None  # the completion's token ids when TRL gives them

    @property
    def unsafe(self) -> bool:
        """Should be refused; a prompt of unknown kind counts as unsafe, as the harm judges assume."""
        return self.kind not in SAFE_KINDS


def message_text(value: str | list[dict], role: str) -> str:
    """A string as it is; a message list: its last ``role`` message (all assistant turns for completions)."""
    if isinstance(value, str):
        return value
    turns = [m.get("content") or "" for m in value if m.get("role") == role]
    if role == "assistant":
        return "\n".join(turns)
    return turns[-1] if turns else ""


def read_samples(prompts: Sequence, completions: Sequence, completion_ids: Sequence | None,
                 columns: dict[str, Any]) -> list[Sample]:
    if len(prompts) != len(completions):
        raise ExanteError(f"reward: {len(prompts)} prompts but {len(completions)} completions")
    n = len(prompts)
    kinds, categories = _column(columns, "kind", n), _column(columns, "category", n)
    expected, judge_prompts = _column(columns, "expected_rules", n), _column(columns, "judge_prompt", n)
    ids = list(completion_ids) if completion_ids is not None else [None] * n
    samples = []
    for i in range(n):
        prompt, text = message_text(prompts[i], "user"), message_text(completions[i], "assistant")
        reasoning, answer = strip_reasoning(text)
        samples.append(Sample(prompt, judge_prompts[i] or prompt, text, reasoning, answer, _kind(kinds[i], i),
                              categories[i], tuple(expected[i]) if expected[i] else None, ids[i]))
    return samples


def _column(columns: dict[str, Any], name: str, n: int) -> list:
    values = columns.get(name)
    if values is None:
        return [None] * n
    if len(values) != n:
        raise ExanteError(f"reward: column {name!r} has {len(values)} values for {n} completions")
    return list(values)


def _kind(kind: str | None, row: int) -> str | None:
    if kind is not None and kind not in KINDS:
        raise ExanteError(f"reward: column 'kind', row {row}: {kind!r} is not one of {', '.join(KINDS)}")
    return kind
