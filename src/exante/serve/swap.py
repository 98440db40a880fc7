"""Which model a request may name, and loading one in place of the held one (``load_on_request``).

Without ``load_on_request`` a request must name the served model. With it, a request may also
name a built-in model or a checkpoint directory under one of ``allowed_dirs`` (symlinks and
``..`` resolved first), and the worker loads it in place of the held one (``batching.py``). The
client chooses what is loaded, so this is for a trusted client on loopback: ``exante iterate``
and ``exante steps`` naming each round's policy (their ``sampling_endpoint``).
"""

from __future__ import annotations

from pathlib import Path

from exante.serve.config import ServeConfig


def load_backend(spec: str, dtype: str):
    from exante.models import HFBackend, load_model

    return HFBackend(load_model(spec, dtype=dtype), progress=False)


def loader(config: ServeConfig):
    """The worker's loader: a requested name → its backend (the served name loads the served model)."""
    return lambda name: load_backend(config.model if name == config.model_name else name, config.dtype)


def refusal(name: str, config: ServeConfig) -> tuple[int, str] | None:
    """(status, message) when a request naming model ``name`` is refused; None when it is served."""
    from exante.models.builtin import BUILTIN_MODELS
    from exante.models.loading import TINY

    if name == config.model_name or (config.load_on_request and (name in BUILTIN_MODELS or name == TINY)):
        return None
    if not config.load_on_request:
        return 404, (f"model {name!r} is not served here; this server serves {config.model_name!r} (a server "
                     "started with --load-on-request true loads the checkpoints requests name)")
    path = Path(name).resolve()
    if not any(path.is_relative_to(Path(d).resolve()) for d in config.allowed_dirs):
        return 403, (f"model {name!r} is not a built-in model nor under one of this server's allowed_dirs; "
                     "it is not loaded")
    if not (path / "config.json").exists() and not (path / "adapter_config.json").exists():
        return 404, f"model {name!r}: no checkpoint there (config.json or adapter_config.json)"
    return None
