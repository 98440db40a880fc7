# The two commands of the README. Both create (or reuse) .venv and install what they need.
.PHONY: quickstart test setup

setup:
	bash scripts/setup.sh

# recipes/erpo-quick.yaml on the default model (= exante quickstart); summary in runs/erpo-quick/run.md
# (docs/recipes.md). Rerun it to continue an interrupted run: finished stages are skipped.
quickstart: setup
	.venv/bin/exante run erpo-quick

test: setup
	.venv/bin/python -m pytest -q $(PYTEST_ARGS)
