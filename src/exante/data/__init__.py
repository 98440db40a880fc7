"""Prompt sources, jailbreak augmentation and leak-free splits (schema and policy: docs/data.md).

``load_prompts(sources=..., split=...)`` is what synth and eval call. Attributes load lazily so
that ``exante --help`` does not pay for numpy and the package scans.
"""

from exante.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "exante.data.config": ["DataConfig"],
    "exante.data.registry": ["SOURCES", "PromptSet", "build_prompt_set", "load_prompts"],
    "exante.data.user": ["UserSource"],
    "exante.data.attacks": ["decode_payload"],
})
