"""The teacher registry: what writes the assistant turn (a trace) for each prompt.

A teacher's ``run(records, emit)`` calls ``emit(TeacherOutput)`` once per record, as soon as that
record is done (so the pipeline can append it to disk and a crash loses nothing finished).
Every output then goes through the same strict parser, validator and filters (``filters.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

from exante.errors import ExanteError
from exante.rules import Rulebook
from exante.synth.config import SynthConfig


@dataclass
class TeacherOutput:
    id: str
    text: str | None  # the assistant turn; None when the teacher produced nothing usable
    error: str | None = None  # why there is no text
    code: str = "teacher_error"  # a short class of ``error``, counted in stats.json
    retryable: bool = False  # a failure a later run should try again (network, server errors)
    info: dict = field(default_factory=dict)  # what the teacher knew (retrieval, attempts, tokens)


Emit = Callable[[TeacherOutput], None]


class Teacher(Protocol):
    name: str

    def run(self, records: list[dict], emit: Emit) -> None: ...


def _compose(config: SynthConfig, rulebook: Rulebook) -> Teacher:
    from exante.synth.compose import ComposeTeacher

    return ComposeTeacher(config, rulebook)


def _openai(config: SynthConfig, rulebook: Rulebook) -> Teacher:
    from exante.synth.openai_teacher import OpenAITeacher

    return OpenAITeacher(config, rulebook)


def _hf(config: SynthConfig, rulebook: Rulebook) -> Teacher:
    from exante.synth.hf_teacher import HFTeacher

    return HFTeacher(config, rulebook)


TEACHERS: dict[str, Callable[[SynthConfig, Rulebook], Teacher]] = {"compose": _compose, "openai": _openai, "hf": _hf}


def build_teacher(config: SynthConfig, rulebook: Rulebook) -> Teacher:
    if config.teacher not in TEACHERS:
        raise ExanteError(f"SynthConfig: unknown teacher {config.teacher!r}; expected one of {', '.join(TEACHERS)}")
    if config.teacher != "compose" and not config.teacher_model:
        raise ExanteError(f"SynthConfig: teacher {config.teacher!r} needs 'teacher_model' "
                          "(the served model name for openai, a load_model spec for hf)")
    return TEACHERS[config.teacher](config, rulebook)
