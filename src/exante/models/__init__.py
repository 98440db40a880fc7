"""Model loading, dtype policy, generation and (``exante.models.embed``) sentence embeddings.

``load_model(spec)`` loads a built-in model, a local checkpoint or adapter, or a hub id;
``HFBackend(loaded).generate(requests, GenerationParams(...))`` generates. Names are
imported lazily so that importing exante (and ``exante --help``) does not import torch.
"""

from exante.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "exante.models.loading": ["load_model", "LoadedModel", "build_tiny_model", "builtin_names"],
    "exante.models.builtin": ["DEFAULT_MODEL"],
    "exante.models.dtype": ["resolve_dtype"],
    "exante.models.generation": ["GenerationBackend", "Generation", "HFBackend"],
    "exante.models.params": ["GenerationParams", "GenerationFields"],
    "exante.models.remote": ["OpenAIBackend", "RemoteSpec", "backend_for"],
    "exante.models.tokenizer": ["load_tokenizer"],
})
