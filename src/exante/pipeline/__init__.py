"""The main job: synth → sft → pairs → dpo → eval on the default model, and a before/after summary.

``run_quickstart(QuickstartConfig(...))`` is the Python entry point; ``exante quickstart`` the
command (docs/pipeline.md). Names load lazily so that ``exante --help`` does not import torch.
"""

from exante.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "exante.pipeline.config": ["QuickstartConfig", "STAGES"],
    "exante.pipeline.run": ["run_quickstart"],
})
