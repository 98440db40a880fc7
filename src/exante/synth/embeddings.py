"""MiniLM embeddings (``exante.models.embed``) with a disk cache, so a rerun or resume never re-encodes.

Encoding the ~3k prompts and rule texts of a default run takes minutes on a busy 2-core machine;
the cache file (one per embedding model) is rewritten atomically after each batch of new texts.
"""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from exante.io import atomic_write_bytes
from exante.paths import cache_dir


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@lru_cache(maxsize=1)
def _store() -> tuple[Path, dict[str, np.ndarray]]:
    from exante.models.embed import model_fingerprint

    path = cache_dir() / "synth" / f"embeddings-{model_fingerprint()}.npz"
    vectors: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path) as data:
            vectors = dict(zip(data["keys"].tolist(), data["vectors"]))
    return path, vectors


def embed_cached(texts: Sequence[str]) -> np.ndarray:
    """Unit-length embeddings, shape (len(texts), 384), from the cache where possible."""
    from exante.models.embed import EMBED_DIM, embed

    path, vectors = _store()
    keys = [text_key(t) for t in texts]
    todo = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in vectors))
    if todo:
        vectors.update(zip((text_key(t) for t in todo), embed(todo, progress=len(todo) > 256)))
        buffer = io.BytesIO()
        np.savez(buffer, keys=np.array(list(vectors)), vectors=np.stack(list(vectors.values())))
        atomic_write_bytes(path, buffer.getvalue())
    if not texts:
        return np.zeros((0, EMBED_DIM), dtype=np.float32)
    return np.stack([vectors[k] for k in keys])
