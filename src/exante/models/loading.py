"""``load_model(spec)``: one entry point for every model exante runs.

A spec is one of
- a built-in name (``smollm2-135m-instruct``, the default; see ``builtin.py``);
- ``tiny``: a tiny random Llama with the default model's tokenizer, for fast tests;
- a local directory: a full checkpoint (``config.json``) or a PEFT adapter
  (``adapter_config.json``, whose ``base_model_name_or_path`` is itself a spec);
- a Hugging Face hub id (needs the network or a populated HF cache).
Weights load from safetensors only; remote code runs only when asked.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from exante.errors import ExanteError
from exante.models.builtin import BUILTIN_MODELS, DEFAULT_MODEL, builtin_checkpoint, builtin_tokenizer
from exante.models.dtype import resolve_dtype

log = logging.getLogger(__name__)

TINY = "tiny"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


@dataclass
class LoadedModel:
    model: Any  # a transformers PreTrainedModel, or a peft PeftModel around one
    tokenizer: Any
    spec: str
    dtype: torch.dtype
    device: torch.device


def builtin_names() -> list[str]:
    return [*BUILTIN_MODELS, TINY]


def load_model(
    spec: str | os.PathLike = DEFAULT_MODEL,
    *,
    dtype: str | torch.dtype = "auto",
    adapter: str | os.PathLike | None = None,
    trust_remote_code: bool = False,
) -> LoadedModel:
    """Load ``spec`` (see module doc) in eval mode, optionally with a LoRA ``adapter`` on top."""
    start = time.perf_counter()
    use_available_cores()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch_dtype = resolve_dtype(dtype, device)
    loaded = _load_spec(str(spec), torch_dtype, device, trust_remote_code)
    if adapter is not None:
        loaded = _attach_adapter(loaded, _existing_dir(adapter))
    loaded.model.eval()
    log.debug("loaded %s (%s, %s) in %.1f s", loaded.spec, loaded.dtype, loaded.device, time.perf_counter() - start)
    return loaded


def build_tiny_model(seed: int = 0) -> LoadedModel:
    """A random 2-layer Llama with the default model's tokenizer and chat template (fp32, CPU)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = builtin_tokenizer(DEFAULT_MODEL)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        # wider than the usual 0.02 so that logits are spread out: greedy choices are then
        # clear-cut and tests of batch invariance do not hinge on float noise
        initializer_range=0.2,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    model.config._name_or_path = TINY  # adapters trained on it name "tiny" as their base
    model.eval()
    return LoadedModel(model, tokenizer, TINY, torch.float32, torch.device("cpu"))


def use_available_cores() -> None:
    """Run torch on every core this process may use, unless OMP_NUM_THREADS says otherwise."""
    if "OMP_NUM_THREADS" not in os.environ and hasattr(os, "sched_getaffinity"):
        torch.set_num_threads(len(os.sched_getaffinity(0)))


def _load_spec(spec: str, dtype: torch.dtype, device: torch.device, trust_remote_code: bool) -> LoadedModel:
    if spec in builtin_names():
        return _load_builtin(spec, dtype, device)
    path = Path(spec).expanduser()
    if path.exists() or not _HUB_ID.match(spec):
        path = _existing_dir(path)
        if (path / "adapter_config.json").exists():
            return _load_adapter_dir(path, dtype, device, trust_remote_code)
        if not (path / "config.json").exists():
            raise ExanteError(f"{path}: not a model directory (expected config.json or adapter_config.json)")
        return _load_checkpoint(path, spec, dtype, device, trust_remote_code)
    return _load_checkpoint(spec, spec, dtype, device, trust_remote_code)


def _load_builtin(name: str, dtype: torch.dtype, device: torch.device) -> LoadedModel:
    if name != TINY:
        loaded = _load_checkpoint(builtin_checkpoint(name), name, dtype, device, trust_remote_code=False)
        # adapters trained on this model then name it as their base, not a cache path
        loaded.model.config._name_or_path = name
        return loaded
    tiny = build_tiny_model()
    return LoadedModel(tiny.model.to(device=device, dtype=dtype), tiny.tokenizer, TINY, dtype, device)


def _existing_dir(path: str | os.PathLike) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        raise ExanteError(f"{path}: model path not found (built-in models: {', '.join(builtin_names())})")
    if not path.is_dir():
        raise ExanteError(f"{path}: expected a model directory, got a file")
    return path


def _load_checkpoint(source: str | Path, spec: str, dtype: torch.dtype, device: torch.device,
                     trust_remote_code: bool) -> LoadedModel:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(
            source, dtype=dtype, use_safetensors=True, trust_remote_code=trust_remote_code
        )
    except (OSError, ValueError) as exc:
        cause = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        if isinstance(source, Path):
            raise ExanteError(f"{source}: cannot load a causal language model from it ({cause})") from None
        raise ExanteError(
            f"model {spec!r} is not available offline: it is neither a local directory nor in the Hugging "
            f"Face cache, and the hub could not provide it ({cause}). Built-in models: {', '.join(builtin_names())}"
        ) from None
    return LoadedModel(model.to(device), tokenizer, spec, dtype, device)


def _load_adapter_dir(path: Path, dtype: torch.dtype, device: torch.device, trust_remote_code: bool) -> LoadedModel:
    config_file = path / "adapter_config.json"
    try:
        base = json.loads(config_file.read_text(encoding="utf-8"))["base_model_name_or_path"]
    except (ValueError, KeyError, TypeError):
        raise ExanteError(f"{config_file}: expected JSON with a 'base_model_name_or_path' field") from None
    if not isinstance(base, str) or not base:
        raise ExanteError(f"{config_file}: field 'base_model_name_or_path' must name the base model")
    return _attach_adapter(_load_spec(base, dtype, device, trust_remote_code), path)


def _attach_adapter(base: LoadedModel, adapter_dir: Path) -> LoadedModel:
    from peft import PeftModel
    from transformers import AutoTokenizer

    model = PeftModel.from_pretrained(base.model, adapter_dir)
    # an adapter trained with a changed chat template or added tokens saves its own tokenizer
    tokenizer = AutoTokenizer.from_pretrained(adapter_dir) if (adapter_dir / "tokenizer_config.json").exists() else base.tokenizer
    return LoadedModel(model, tokenizer, str(adapter_dir), base.dtype, base.device)
