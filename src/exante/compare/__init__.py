"""``exante compare RUN_DIR... --out DIR``: one report across recipe runs (docs/recipes.md).

Each run's eval report and samples are merged into one report shaped like an eval report, so
that the eval report's own tables, figures, paired tests and HTML sample browser show every run
side by side; two plots and the wall times per recipe are added.
"""
