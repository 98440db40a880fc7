"""The built-in prompt set, built once per test session (a few seconds; cached in-process)."""

import pytest


@pytest.fixture(scope="session")
def prompt_set():
    from exante.data import build_prompt_set

    return build_prompt_set()
