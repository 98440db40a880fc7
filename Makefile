# The two commands of the README. Both create (or reuse) .venv and install what they need.
.PHONY: quickstart test setup

setup:
	bash scripts/setup.sh

quickstart: setup
	.venv/bin/exante chat --model smollm2-135m-instruct "Write a haiku about rain."

test: setup
	.venv/bin/python -m pytest -q $(PYTEST_ARGS)
