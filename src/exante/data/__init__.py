"""Prompt sources, jailbreak augmentation and leak-free splits (schema and policy: docs/data.md).

``load_prompts(sources=..., split=...)`` is what synth and eval call. Attributes load lazily so
that ``exante --help`` does not pay for numpy and the package scans.
"""

from importlib import import_module

_EXPORTS = {
    "DataConfig": "exante.data.config",
    "SOURCES": "exante.data.registry",
    "PromptSet": "exante.data.registry",
    "build_prompt_set": "exante.data.registry",
    "load_prompts": "exante.data.registry",
    "UserSource": "exante.data.user",
    "decode_payload": "exante.data.attacks",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'exante.data' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
