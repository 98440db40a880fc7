"""MFU: the parameter count and formula by hand, and the figure ``sft`` logs."""

import json
from pathlib import Path

import pytest
import torch

from exante.train import mfu as mfu_module
from exante.train.mfu import mfu, non_embedding_parameters
from exante.train.sft import run_sft


def test_non_embedding_parameters_of_the_tiny_model_leave_out_the_tied_embedding(tiny_model):
    # per layer: q, o 64·64; k, v 64·32 (2 KV heads of 16); gate, up, down 64·128; two norms of 64
    layer = 2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 128 + 2 * 64
    assert non_embedding_parameters(tiny_model.model) == 2 * layer + 64  # and the final norm


def test_mfu_is_k_times_params_times_tokens_per_second_over_the_peak(monkeypatch):
    monkeypatch.setattr(mfu_module, "peak_flops", lambda dtype, device: 1e9)
    # 6 FLOPs per parameter and token, 10 parameters, 100 tokens in 2 s: 3000 FLOP/s of 1e9
    assert mfu(6, 10, 100, 2.0, torch.float32, "cpu") == pytest.approx(3e-6)
    assert mfu(2, 10, 100, 0.0, torch.float32, "cpu") == 0.0


def test_the_matmul_peak_is_measured_for_the_dtype_in_use():
    assert mfu_module.peak_flops(torch.float32, "cpu") > 1e8  # any CPU this runs on does 0.1 GFLOP/s


def test_sft_logs_mfu_on_every_training_line_and_in_its_summary(sft_config):
    cfg = sft_config(max_steps=2)
    summary = run_sft(cfg)
    lines = [json.loads(line) for line in (Path(cfg.output_dir) / "log.jsonl").read_text().splitlines()]
    steps = [line for line in lines if "loss" in line]
    assert len(steps) == 2 and all(0 < line["mfu"] < 1 for line in steps)
    assert 0 < summary["mfu"] < 1
