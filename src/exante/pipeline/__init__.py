"""Chained stages: recipes (``exante run RECIPE``, docs/recipes.md); ``exante quickstart`` is ``exante run erpo-quick``.

``run_recipe(RunConfig(recipe="erpo-quick"))`` is the Python entry point; it runs each stage through
its own entry point (``registry.STAGE_TYPES``). Names load lazily so that ``exante --help`` does not
import torch.
"""

from exante.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "exante.pipeline.recipe": ["RunConfig", "load_recipe"],
    "exante.pipeline.runner": ["run_recipe"],
})
