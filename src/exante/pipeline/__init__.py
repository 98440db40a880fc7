"""Chained stages: recipes (``exante run RECIPE``, docs/recipes.md) and the quickstart (docs/pipeline.md).

``run_recipe(RunConfig(recipe="erpo-quick"))`` and ``run_quickstart(QuickstartConfig(...))`` are the
Python entry points; both run each stage through its own entry point (``registry.STAGE_TYPES``).
Names load lazily so that ``exante --help`` does not import torch.
"""

from exante.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "exante.pipeline.config": ["QuickstartConfig", "STAGES"],
    "exante.pipeline.run": ["run_quickstart"],
    "exante.pipeline.recipe": ["RunConfig", "load_recipe"],
    "exante.pipeline.runner": ["run_recipe"],
})
