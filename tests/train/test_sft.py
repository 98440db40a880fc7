"""exante sft on the tiny model: it trains, resumes exactly, and is invariant to gradient accumulation."""

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from exante.errors import ExanteError
from exante.models import build_tiny_model, load_model
from exante.train.sft import run_sft


def log_lines(output_dir) -> list[dict]:
    return [json.loads(line) for line in (Path(output_dir) / "log.jsonl").read_text().splitlines()]


def train_losses(output_dir) -> dict[int, dict]:
    return {r["step"]: r for r in log_lines(output_dir) if "loss" in r}


def changed_tensors(output_dir) -> list[str]:
    initial = build_tiny_model().model.state_dict()
    trained = load_file(str(Path(output_dir) / "model.safetensors"))
    return [name for name, value in trained.items() if not torch.equal(value, initial[name])]


def test_sft_changes_the_weights_and_writes_model_config_log_and_summary(sft_config):
    cfg = sft_config()
    summary = run_sft(cfg)
    out = Path(cfg.output_dir)
    assert {"model.safetensors", "config.yaml", "log.jsonl", "summary.json", "tokenizer.json"} <= {p.name for p in out.iterdir()}
    assert "model.embed_tokens.weight" in changed_tensors(out)
    assert summary["global_step"] == 2 and summary["train_examples"] == 8
    assert load_model(out, dtype="fp32").model.config.num_hidden_layers == 2  # the runtime loads the result


def test_dev_split_is_evaluated(sft_config):
    from .conftest import sft_records

    records = sft_records(8)
    records[0]["split"] = records[1]["split"] = "dev"
    summary = run_sft(sft_config(records))
    assert summary["dev_examples"] == 2 and summary["eval"]["eval_loss"] > 0


def test_eval_steps_zero_skips_the_dev_pass(sft_config):
    from .conftest import sft_records

    records = sft_records(8)
    records[0]["split"] = "dev"
    summary = run_sft(sft_config(records, eval_steps=0))
    assert summary["dev_examples"] == 1 and "eval" not in summary


def test_resumed_run_ends_with_the_uninterrupted_runs_loss_and_weights(sft_config, tmp_path):
    """Tolerance: 1e-6 absolute on the loss (measured: identical on CPU)."""
    common = dict(max_steps=4, save_steps=2, batch_size=2, group_by_length=True, save_total_limit=5)
    whole = run_sft(sft_config(output_dir=str(tmp_path / "whole"), **common))
    interrupted = sft_config(output_dir=str(tmp_path / "interrupted"), **common)
    run_sft(interrupted)
    # what a run killed after step 3 leaves behind: checkpoint-2 and log lines up to step 3
    shutil.rmtree(tmp_path / "interrupted" / "checkpoint-4")
    (tmp_path / "interrupted" / "model.safetensors").unlink()
    log = (tmp_path / "interrupted" / "log.jsonl").read_text().splitlines()
    (tmp_path / "interrupted" / "log.jsonl").write_text("".join(l + "\n" for l in log if json.loads(l)["step"] <= 3))

    resumed = run_sft(sft_config(output_dir=str(tmp_path / "interrupted"), resume=True, **common))
    assert resumed["resumed_from"].endswith("checkpoint-2") and resumed["global_step"] == whole["global_step"] == 4
    assert train_losses(tmp_path / "interrupted")[4]["loss"] == pytest.approx(train_losses(tmp_path / "whole")[4]["loss"], abs=1e-6)
    assert [r["step"] for r in log_lines(tmp_path / "interrupted") if "loss" in r] == [1, 2, 3, 4]
    whole_weights = load_file(str(tmp_path / "whole" / "model.safetensors"))
    resumed_weights = load_file(str(tmp_path / "interrupted" / "model.safetensors"))
    assert max((whole_weights[k] - resumed_weights[k]).abs().max().item() for k in whole_weights) < 1e-6


def test_gradient_accumulation_1x8_gives_the_loss_and_gradient_of_8x1(sft_config, tmp_path):
    """Token-weighted: the loss is total NLL over total assistant tokens in both layouts (tolerance 1e-5 relative)."""
    one_by_eight = run_sft(sft_config(output_dir=str(tmp_path / "a"), max_steps=1, batch_size=8, grad_accum=1))
    eight_by_one = run_sft(sft_config(output_dir=str(tmp_path / "b"), max_steps=1, batch_size=1, grad_accum=8))
    a, b = train_losses(tmp_path / "a")[1], train_losses(tmp_path / "b")[1]
    assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
    assert a["grad_norm"] == pytest.approx(b["grad_norm"], rel=1e-5)
    assert one_by_eight["train"]["num_input_tokens_seen"] == eight_by_one["train"]["num_input_tokens_seen"]


def test_checkpoints_of_an_earlier_run_are_not_overwritten_without_resume(sft_config):
    cfg = sft_config(max_steps=1, save_steps=1)
    run_sft(cfg)
    with pytest.raises(ExanteError, match="checkpoint-1.*--resume true"):
        run_sft(cfg)


def test_lora_sft_saves_an_adapter_that_the_runtime_loads_on_its_base(sft_config):
    cfg = sft_config(lora=True, lora_target_modules=["q_proj", "v_proj"])
    run_sft(cfg)
    assert (Path(cfg.output_dir) / "adapter_config.json").exists()
    adapted = load_model(cfg.output_dir, dtype="fp32").model
    ids = torch.tensor([[1, 520, 9531, 198]])
    with torch.no_grad():
        assert not torch.allclose(adapted(ids).logits, build_tiny_model().model(ids).logits)


def test_under_bf16_autocast_gradient_accumulation_still_matches_within_bf16_rounding(sft_config, tmp_path):
    """bf16 autocast over fp32 master weights: 1x8 and 8x1 differ only by bf16 rounding of differently
    shaped matmuls. Measured (AMD EPYC 9004, AVX512-BF16): loss 5.5e-6 and grad norm 6.4e-5 relative."""
    run_sft(sft_config(output_dir=str(tmp_path / "a"), max_steps=1, batch_size=8, grad_accum=1, precision="bf16"))
    run_sft(sft_config(output_dir=str(tmp_path / "b"), max_steps=1, batch_size=1, grad_accum=8, precision="bf16"))
    a, b = train_losses(tmp_path / "a")[1], train_losses(tmp_path / "b")[1]
    assert a["loss"] == pytest.approx(b["loss"], rel=1e-3)
    assert a["grad_norm"] == pytest.approx(b["grad_norm"], rel=1e-3)


def test_lora_training_from_an_adapter_continues_that_adapter_on_the_original_base(sft_config, tmp_path):
    first = sft_config(lora=True, lora_target_modules=["q_proj", "v_proj"], learning_rate=1e-2)
    run_sft(first)
    # learning rate 0: the second run's adapter must be the first one, not a fresh one on the merged model
    second = sft_config(model=first.output_dir, output_dir=str(tmp_path / "second"), lora=True,
                        lora_target_modules=["q_proj", "v_proj"], learning_rate=0.0)
    run_sft(second)
    assert json.loads(Path(second.output_dir, "adapter_config.json").read_text())["base_model_name_or_path"] == "tiny"
    ids = torch.tensor([[1, 520, 9531, 198]])
    with torch.no_grad():
        once, twice = (load_model(out, dtype="fp32").model(ids).logits for out in (first.output_dir, second.output_dir))
    assert torch.allclose(once, twice, atol=1e-6) and not torch.allclose(once, build_tiny_model().model(ids).logits)
