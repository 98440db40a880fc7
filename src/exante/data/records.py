"""The prompt record every source yields, its stable id, and the text normalisation for de-duplication.

A record is a plain dict (it travels between stages as one JSONL line)::

    {"id": "advbench:1f0c…", "prompt": "...", "kind": "harmful", "category": "weapons",
     "source": "advbench", "attack": null, "meta": {...}}

``build_prompt_set`` adds ``group`` (the de-duplication group) and ``split`` (train/dev/test).
The schema is documented in docs/data.md.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from exante.errors import ExanteError
from exante.reasoning.validate import KINDS
from exante.rules.schema import HAZARD_AREAS

SPLITS = ("train", "dev", "test")
# Harmful and jailbreak prompts fall back to this area when neither the source nor keywords name one.
FALLBACK_AREA = "violent_crime"
_NON_WORD = re.compile(r"[\W_]+")


def record_id(source: str, text: str) -> str:
    """Deterministic id: the source name and a hash of source and text (same input, same id)."""
    digest = hashlib.sha256(f"{source}\n{text}".encode("utf-8")).hexdigest()[:16]
    return f"{source}:{digest}"


def normalize(text: str) -> str:
    """Text for exact de-duplication: lower case, punctuation and runs of whitespace collapsed."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def stable_fraction(*parts: str) -> float:
    """A number in [0, 1) that depends only on ``parts``: the basis of every hash-based choice here."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def make_record(
    source: str,
    prompt: str,
    kind: str,
    category: str,
    *,
    attack: str | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    prompt = prompt.strip()
    if kind not in KINDS:
        raise ExanteError(f"source {source!r}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind in ("harmful", "jailbreak") and category not in HAZARD_AREAS:
        raise ExanteError(f"source {source!r}: category {category!r} is not a hazard area ({', '.join(HAZARD_AREAS)})")
    return {
        "id": record_id(source, prompt),
        "prompt": prompt,
        "kind": kind,
        "category": category,
        "source": source,
        "attack": attack if kind == "jailbreak" else None,
        "meta": dict(meta or {}),
    }
