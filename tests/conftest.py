"""Test-wide settings: never reach a model hub; keep converted checkpoints in the user cache."""

import os

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_model():
    """A tiny random Llama (2 layers) with the default model's tokenizer and chat template.

    Shared by the whole session: do not train or change it in place; take
    ``copy.deepcopy(tiny_model.model)`` or call ``exante.models.build_tiny_model()`` instead.
    """
    from exante.models import build_tiny_model

    return build_tiny_model(seed=0)
