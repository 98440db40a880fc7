"""Model FLOPs utilisation (MFU): the FLOP/s a run achieves over the matmul peak of the same machine.

FLOPs follow the dense-transformer estimate used for MFU since Kaplan et al. (2020) and PaLM:
a token costs 2·N FLOPs forward and 6·N forward + backward, N the non-embedding parameters
(the input embedding is a lookup; the LM head, here applied only at scored tokens, and the
attention score products, which grow with the context, are left out, so MFU is a slight
underestimate). The peak is ``matmul_peak_flops``: the best square matmul of the dtype the
matmuls run in (bf16 under autocast, else fp32), timed on this device with this thread count.

    MFU = k·N·tokens / seconds / peak,   k = 6 (training) or 2 (inference)
"""

from __future__ import annotations

import functools
import logging
import time

import torch
from transformers import TrainerCallback

from exante.models.dtype import matmul_peak_flops

log = logging.getLogger(__name__)

TRAINING_FLOPS_PER_PARAM = 6
INFERENCE_FLOPS_PER_PARAM = 2


def non_embedding_parameters(model) -> int:
    """Parameters outside the input and output embedding matrices (a tied matrix counted once)."""
    embeddings = {id(p) for m in (model.get_input_embeddings(), model.get_output_embeddings()) if m is not None
                  for p in m.parameters()}
    return sum(p.numel() for p in model.parameters() if id(p) not in embeddings)


@functools.lru_cache(maxsize=None)
def peak_flops(dtype: torch.dtype, device: str) -> float:
    """``matmul_peak_flops`` measured once per process for each dtype and device."""
    return matmul_peak_flops(dtype, device)


def mfu(flops_per_param: int, params: int, tokens: float, seconds: float, dtype: torch.dtype, device: str) -> float:
    """Achieved FLOP/s of ``tokens`` in ``seconds`` as a fraction of the peak (0 when nothing was timed)."""
    return flops_per_param * params * tokens / seconds / peak_flops(dtype, device) if seconds > 0 else 0.0


class MFULog(TrainerCallback):
    """Adds ``mfu`` to every training log line (tokens and wall time since the previous line).

    Wall time covers everything between two lines (checkpoints, evaluation), as a user waits for it.
    """

    def __init__(self, model):
        self.params = non_embedding_parameters(model)
        self.device = str(model.device.type)

    def on_train_begin(self, args, state, control, **kwargs):
        self.dtype = torch.bfloat16 if args.bf16 else torch.float32
        self.start = self.last = (time.perf_counter(), state.num_input_tokens_seen)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs is None or "loss" not in logs:  # evaluation and end-of-training lines
            return
        now = (time.perf_counter(), state.num_input_tokens_seen)
        logs["mfu"] = round(self.fraction(self.last, now), 5)
        self.last = now

    def overall(self, state) -> float:
        """MFU of the whole session so far."""
        return self.fraction(self.start, (time.perf_counter(), state.num_input_tokens_seen))

    def fraction(self, since: tuple[float, int], now: tuple[float, int]) -> float:
        return mfu(TRAINING_FLOPS_PER_PARAM, self.params, now[1] - since[1], now[0] - since[0], self.dtype, self.device)
