"""What identifies a model's generations: a fingerprint of its files, computed without loading it.

A checkpoint or adapter directory is fingerprinted from its files: the contents of the small
ones (config, tokenizer, chat template, adapter config) and the size and modification time of
the weights (hashing gigabytes on every run would cost more than it saves; copying a
checkpoint therefore misses the cache once, which is safe). An adapter adds its base model's
fingerprint. Built-in models use their converted checkpoint; ``tiny`` and hub ids, which have
no local files of their own, are loaded and their weights hashed. The dtype and device type the
model will run in are part of the fingerprint, because they change the generated tokens.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from exante.errors import ExanteError

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth")
FINGERPRINT_VERSION = "f1"


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


def directory_fingerprint(path: Path) -> str:
    """Files of a model directory: contents of small files, size and mtime of weights."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
        stat = file.stat()
        digest.update(file.name.encode())
        if file.suffix in WEIGHT_SUFFIXES:
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
        else:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:20]


def weights_fingerprint(loaded) -> str:
    """Hash of a loaded model's parameters and chat template (for models without files)."""
    import torch

    digest = hashlib.sha256()
    for name, tensor in loaded.model.state_dict().items():
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    digest.update(str(getattr(loaded.tokenizer, "chat_template", "")).encode())
    return digest.hexdigest()[:20]


def spec_files(spec: str) -> Path | None:
    """The local directory behind ``spec`` (built-in models: their converted checkpoint), if any."""
    from exante.models.builtin import BUILTIN_MODELS, builtin_checkpoint

    if spec in BUILTIN_MODELS:
        return builtin_checkpoint(spec)
    path = Path(spec).expanduser()
    if path.is_dir():
        return path
    if path.exists():
        raise ExanteError(f"{path}: expected a model directory, got a file")
    return None


def files_fingerprint(spec: str) -> str | None:
    """Fingerprint of ``spec`` from its files (and its base's, for an adapter); None without files."""
    path = spec_files(spec)
    if path is None:
        return None
    own = directory_fingerprint(path)
    adapter_config = path / "adapter_config.json"
    if not adapter_config.exists():
        return own
    try:
        base = json.loads(adapter_config.read_text(encoding="utf-8"))["base_model_name_or_path"]
    except (ValueError, KeyError, TypeError):
        raise ExanteError(f"{adapter_config}: expected JSON with a 'base_model_name_or_path' field") from None
    return _hash(own, files_fingerprint(base) or f"base:{base}")


def run_context(dtype: str) -> str:
    """Resolved dtype and device type: they change the tokens a model generates."""
    import torch

    from exante.models import resolve_dtype

    device = "cuda" if torch.cuda.is_available() else "cpu"
    return f"{resolve_dtype(dtype, device)}|{device}"
