"""Preference pairs for multi-objective DPO: SFT traces (+ policy samples) → ``pairs.jsonl``.

``run_pairs(PairsConfig(...))`` builds, per objective (safety, usefulness, efficiency), chosen
and rejected traces for the same prompt: constructed (``construct``), composed by the teacher
or sampled from a policy (``inputs``), checked (``checks``) and assembled (``make``).
Schema and policy: docs/pairs.md.
"""

from exante.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "exante.pairs.config": ["PairsConfig"],
    "exante.pairs.run": ["run_pairs"],
})
