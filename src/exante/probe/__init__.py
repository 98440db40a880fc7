"""The "can it tell?" probe: a linear probe on a model's own hidden states (METHODS.md §10).

``run_probe(ProbeConfig(...))`` fits, per model, a logistic regression on hidden states of
train-split prompts and reports how well it tells unsafe (harmful, jailbreak) from safe
(borderline, benign) prompts of the evaluated split, at two positions: the last token of the
user's instruction and the generation point. Beside the model's behavioural refusal gap it
shows whether a model *can tell* and does not *act* on it. Docs: docs/eval.md.
"""

from exante.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "exante.probe.config": ["ProbeConfig"],
    "exante.probe.features": ["POSITIONS", "FeatureCache", "FeatureExtractor", "render_prompt"],
    "exante.probe.fit": ["fit_probe", "probe_metrics", "train_sample"],
    "exante.probe.run": ["run_probe", "probe_model", "behavioural_gap"],
})
