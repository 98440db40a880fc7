# The two commands of the README. Both create (or reuse) .venv and install what they need.
.PHONY: quickstart test setup

setup:
	bash scripts/setup.sh

# synth → sft → pairs → dpo → eval of the default model; summary in runs/quickstart.md (docs/pipeline.md).
# Rerun it to continue an interrupted run: finished stages are skipped.
quickstart: setup
	.venv/bin/exante quickstart --config configs/quickstart.yaml

test: setup
	.venv/bin/python -m pytest -q $(PYTEST_ARGS)
