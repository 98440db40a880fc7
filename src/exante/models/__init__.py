"""Model loading, dtype policy and generation.

``load_model(spec)`` loads a built-in model, a local checkpoint or adapter, or a hub id;
``HFBackend(loaded).generate(requests, GenerationParams(...))`` generates. Names are
imported lazily so that importing exante (and ``exante --help``) does not import torch.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "load_model": "loading",
    "LoadedModel": "loading",
    "build_tiny_model": "loading",
    "builtin_names": "loading",
    "DEFAULT_MODEL": "builtin",
    "resolve_dtype": "dtype",
    "GenerationBackend": "generation",
    "GenerationParams": "generation",
    "Generation": "generation",
    "HFBackend": "generation",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'exante.models' has no attribute {name!r}")
    return getattr(importlib.import_module(f"exante.models.{_EXPORTS[name]}"), name)
