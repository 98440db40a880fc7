"""Fixtures of the server tests: the real tiny model's backend, and that backend behind a gate."""

import pytest
from serve.backends import GatedBackend

from exante.models import HFBackend


@pytest.fixture()
def tiny_backend(tiny_model):
    return HFBackend(tiny_model, progress=False)


@pytest.fixture()
def gated(tiny_backend):
    backend = GatedBackend(tiny_backend)
    yield backend
    backend.gate.set()  # never leave a worker waiting
