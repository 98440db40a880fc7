"""The judge interface, its verdict, and the registry of judges by name.

A judge answers one question about a (prompt, response) pair — is it a refusal? is it harmful?
is the Ex-Ante trace sound? — as a ``Verdict``: a label, a score in [0, 1] (how strongly the
judge holds its *positive* label: refusal, harmful, valid) and a rationale a human can check.
A judge that could not decide (an LLM endpoint that keeps failing) returns ``label="error"``
with ``score=None`` instead of guessing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, ClassVar, Sequence

from exante.config import field
from exante.errors import ExanteError

ERROR = "error"


@dataclass(frozen=True)
class Verdict:
    label: str
    score: float | None
    rationale: str

    @property
    def failed(self) -> bool:
        return self.label == ERROR

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


class Judge:
    """Base class: subclasses set ``name``, ``task``, ``positive``, ``negative`` and ``judge``."""

    name: ClassVar[str]
    task: ClassVar[str]  # "refusal" | "harm" | "trace": which human labels it can be measured on
    positive: ClassVar[str]
    negative: ClassVar[str]

    def judge(self, prompt: str, response: str) -> Verdict:
        raise NotImplementedError

    def judge_many(self, prompts: Sequence[str], responses: Sequence[str]) -> list[Verdict]:
        """Batched judging; judges with a batched model (embeddings) override this."""
        if len(prompts) != len(responses):
            raise ValueError(f"{len(prompts)} prompts but {len(responses)} responses")
        return [self.judge(p, r) for p, r in zip(prompts, responses)]

    def judge_records(self, records: Sequence[dict]) -> list[Verdict]:
        """Judge JSONL records ``{prompt, response, ...}``; judges that use more fields override it."""
        return self.judge_many([r["prompt"] for r in records], [r["response"] for r in records])

    def verdict(self, is_positive: bool, score: float, rationale: str) -> Verdict:
        return Verdict(self.positive if is_positive else self.negative, round(float(score), 4), rationale)


class BatchedJudge(Judge):
    """A judge whose model works on batches (embeddings): one pair is a batch of one."""

    def judge(self, prompt: str, response: str) -> Verdict:
        return self.judge_many([prompt], [response])[0]


@dataclass
class JudgeConfig:
    """Options shared by all judges; each judge reads the fields it needs."""

    base_url: str = field("http://127.0.0.1:8000/v1", help="OpenAI-compatible endpoint of the LLM judges")
    model: str = field("gpt-4o-mini", help="model name sent to the LLM judge endpoint")
    api_key_env: str = field("OPENAI_API_KEY", help="name of the environment variable holding the API key (never logged)")
    timeout: float = field(60.0, help="seconds per LLM judge request")
    retries: int = field(3, help="attempts per LLM judge request before a failure verdict")
    retry_backoff: float = field(1.0, help="seconds before the first retry; doubles each retry")
    max_tokens: int = field(512, help="reply length limit for the LLM judges")
    concurrency: int = field(4, help="LLM judge requests in flight at once")
    rulebook: str | None = field(None, help="rulebook YAML for the trace judge (default: the shipped one)")


JudgeFactory = Callable[[JudgeConfig], Judge]
_REGISTRY: dict[str, tuple[str, str, JudgeFactory]] = {}


def register(name: str, task: str, summary: str) -> Callable[[JudgeFactory], JudgeFactory]:
    """Decorator: make a judge factory available as ``exante judge ... --judge NAME``."""

    def add(factory: JudgeFactory) -> JudgeFactory:
        _REGISTRY[name] = (task, summary, factory)
        return factory

    return add


def _load_all() -> None:
    # Judge modules register themselves on import; importing them here keeps the registry whole.
    from exante.judge import baselines, harm, llm, refusal, trace  # noqa: F401


def judge_names(task: str | None = None) -> list[str]:
    _load_all()
    return [n for n, (t, _, _) in _REGISTRY.items() if task is None or t == task]


def judge_summary(name: str) -> tuple[str, str]:
    _load_all()
    task, summary, _ = _REGISTRY[name]
    return task, summary


def make_judge(name: str, config: JudgeConfig | None = None) -> Judge:
    _load_all()
    if name not in _REGISTRY:
        raise ExanteError(f"unknown judge {name!r}; known judges: {', '.join(_REGISTRY)}")
    return _REGISTRY[name][2](config or JudgeConfig())
