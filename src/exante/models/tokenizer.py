"""``load_tokenizer(spec)``: a model's tokenizer without its weights, for counting tokens of texts
that were generated elsewhere (a remote server, another stage)."""

from __future__ import annotations

from exante.errors import ExanteError


def load_tokenizer(spec: str, owner: str = "tokenizer"):
    """The tokenizer of a built-in name, ``tiny``, a local checkpoint directory or a cached hub id.

    ``owner`` names the config that asked for it in the error raised when there is none.
    """
    from exante.models.builtin import BUILTIN_MODELS, DEFAULT_MODEL, builtin_tokenizer
    from exante.models.loading import TINY

    if spec in BUILTIN_MODELS or spec == TINY:
        return builtin_tokenizer(DEFAULT_MODEL if spec == TINY else spec)
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(spec)
    except (OSError, ValueError) as exc:
        raise ExanteError(f"{owner}: cannot load tokenizer {spec!r} ({exc})") from None
