"""Generation settings, importable without torch: the request a backend takes
(``GenerationParams``), the config fields every generating stage shares (``GenerationFields``)
and the one validator both use."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from exante.config import field
from exante.errors import ExanteError

# setting → (holds for a valid value, what a valid value is)
_LIMITS = {
    "max_new_tokens": (lambda v: v >= 1, "≥ 1"),
    "batch_size": (lambda v: v >= 1, "≥ 1"),
    "temperature": (lambda v: v >= 0, "≥ 0"),
    "top_p": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "repetition_penalty": (lambda v: v > 0, "> 0"),
}


def check_generation(owner: str, settings: Any) -> None:
    """Raise ExanteError naming ``owner`` and the field of the first out-of-range setting (None: unset)."""
    for name, (valid, expected) in _LIMITS.items():
        value = getattr(settings, name)
        if value is not None and not valid(value):
            raise ExanteError(f"{owner}: field {name!r} must be {expected}, got {value!r}")


@dataclass(frozen=True)
class GenerationParams:
    max_new_tokens: int = 256
    temperature: float = 0.0  # 0 → greedy
    top_p: float = 1.0
    repetition_penalty: float = 1.0  # >1 discourages repeats (HF/CTRL-style; prompt tokens count too)
    seed: int = 0
    stop: tuple[str, ...] = ()
    batch_size: int = 16


@dataclass
class GenerationFields:
    """The generation settings of a stage config: YAML keys and ``--flags`` of these names.

    A stage config inherits this class, redeclares a field to give it its own default or help,
    and calls ``super().__post_init__()`` from its own ``__post_init__``.
    """

    FLAG_GROUP: ClassVar[str] = "generation settings (shared fields)"  # their own group in ``--help``

    max_new_tokens: int = field(256, help="token budget of a generated response")
    temperature: float = field(0.0, help="sampling temperature; 0 = greedy")
    top_p: float = field(1.0, help="nucleus sampling mass")
    repetition_penalty: float = field(1.0, help="transformers' repetition penalty; 1 = none")
    seed: int = field(0, help="sampling seed (samples do not depend on batching)")
    batch_size: int = field(16, help="prompts per generation batch")

    def __post_init__(self) -> None:
        check_generation(type(self).__name__, self)

    def generation_params(self, **changes: Any) -> GenerationParams:
        """These settings as a backend request; ``changes`` replace some (e.g. a resolved max_new_tokens)."""
        settings = {f.name: getattr(self, f.name) for f in dataclasses.fields(GenerationFields)}
        return GenerationParams(**{**settings, **changes})
