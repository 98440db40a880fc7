"""Stage 3, length-controlled iterative preference optimisation: ``exante iterate`` (docs/iterate.md).

``run_iterate(IterateConfig(...))`` runs rounds of on-policy sampling from a fresh train-prompt
pool (``pool``), a reward per sample (``sample``, with ``exante.rewards.SafetyReward``),
best-versus-worst pair selection (``selection``, pure functions), pair records in the schema of
``exante pairs`` (``pairs``) and DPO, each round resumable stage by stage (``stages``).
"""

from exante.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "exante.iterate.config": ["IterateConfig"],
    "exante.iterate.run": ["run_iterate"],
    "exante.iterate.pool": ["PromptPool", "kind_counts"],
    "exante.iterate.sample": ["sample_and_score", "sample_k", "score", "reward_columns", "SampleJournal"],
    "exante.iterate.selection": ["select_pair", "is_acceptable", "Pick", "Skip"],
})
