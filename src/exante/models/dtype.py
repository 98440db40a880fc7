"""Which floating-point type to run a model in.

``auto`` picks bf16 only where it is both supported and faster: on CUDA when the GPU
supports it; on CPU when the cores have native bf16 instructions (AMX-BF16 or AVX512-BF16)
*and* a one-off matmul measurement confirms bf16 beats fp32 on this machine. Without those
instructions PyTorch emulates bf16 on CPU, which is tens of times slower than fp32. The
measured verdict is cached in ``cache_dir()/dtype-verdict.json``, so each machine pays once.

``EXANTE_DTYPE`` (auto, bf16 or fp32) overrides what ``auto`` resolves to, everywhere ``auto``
is used (model loading, training autocast, evaluation): ``EXANTE_DTYPE=fp32`` makes a run
reproducible across machines whatever their CPUs; explicit choices in a config still win.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import time
from pathlib import Path

import torch

from exante.errors import ExanteError
from exante.io import atomic_write_json
from exante.paths import cache_dir

log = logging.getLogger(__name__)

DTYPES = {
    "bf16": torch.bfloat16,
    "bfloat16": torch.bfloat16,
    "fp16": torch.float16,
    "float16": torch.float16,
    "fp32": torch.float32,
    "float32": torch.float32,
}
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")
_VERDICT_FILE = "dtype-verdict.json"
ENV_OVERRIDE = "EXANTE_DTYPE"


def resolve_dtype(choice: str | torch.dtype = "auto", device: str | torch.device | None = None) -> torch.dtype:
    """The torch dtype for ``choice`` ("auto", "bf16", "fp32", "fp16" or a torch.dtype)."""
    if isinstance(choice, torch.dtype):
        return choice
    name = str(choice).strip().lower()
    if name in DTYPES:
        return DTYPES[name]
    if name != "auto":
        raise ExanteError(f"dtype {choice!r} is not known; expected auto or one of {', '.join(DTYPES)}")
    forced = os.environ.get(ENV_OVERRIDE, "").strip().lower()
    if forced and forced != "auto":
        if forced not in DTYPES:
            raise ExanteError(f"{ENV_OVERRIDE}={forced!r} is not known; expected auto or one of {', '.join(DTYPES)}")
        return DTYPES[forced]
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    return torch.bfloat16 if cpu_bf16_is_faster() else torch.float32


def cpu_bf16_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> list[str]:
    """The native bf16 instruction sets this CPU advertises (empty where there are none)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return []
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return [f for f in BF16_CPU_FLAGS if f in flags]


def cpu_bf16_is_faster(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """True when this CPU has native bf16 and a measured bf16 matmul beats fp32 (cached verdict)."""
    flags = cpu_bf16_flags(cpuinfo)
    if not flags:
        return False
    key = verdict_key(flags)
    path = cache_dir() / _VERDICT_FILE
    verdicts = _read_verdicts(path)
    if key not in verdicts:
        fp32_s, bf16_s = _matmul_seconds(torch.float32), _matmul_seconds(torch.bfloat16)
        verdicts[key] = {"fp32_s": fp32_s, "bf16_s": bf16_s, "bf16_faster": bf16_s < fp32_s}
        atomic_write_json(path, verdicts)
        log.info("measured CPU matmul: fp32 %.4f s, bf16 %.4f s (%s); verdict cached in %s", fp32_s, bf16_s, ", ".join(flags), path)
    return bool(verdicts[key]["bf16_faster"])


def verdict_key(flags: list[str]) -> str:
    """What a verdict holds for: the CPU, its bf16 flags, the torch build and the thread count."""
    return f"{platform.processor() or platform.machine()}|{','.join(flags)}|torch {torch.__version__}|{torch.get_num_threads()} threads"


def _read_verdicts(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def matmul_peak_flops(dtype: torch.dtype, device: str | torch.device = "cpu") -> float:
    """FLOP/s of the best size³ matmul in ``dtype`` on ``device``: the peak MFU is measured against.

    512³ saturates a few CPU cores; a GPU needs a larger product to reach its peak.
    """
    size = 4096 if torch.device(device).type == "cuda" else 512
    return 2 * size**3 / _matmul_seconds(dtype, size, repeats=5, device=device)


def _matmul_seconds(dtype: torch.dtype, size: int = 512, repeats: int = 3, device: str | torch.device = "cpu") -> float:
    """Best-of-``repeats`` time of one size³ matmul: the operation that dominates a forward pass."""
    a, b = (torch.randn(size, size, dtype=dtype, device=device) for _ in range(2))
    synchronize = torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)
    a @ b  # warm-up: first calls pay for kernel selection
    best = float("inf")
    for _ in range(repeats):
        synchronize()
        start = time.perf_counter()
        a @ b
        synchronize()
        best = min(best, time.perf_counter() - start)
    return best
