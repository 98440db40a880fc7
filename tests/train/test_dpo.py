"""exante dpo on the tiny model: every loss trains, the reference is handled without a second model,
objective weights take effect and metrics are logged per objective."""

import json
import math
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from exante.errors import ExanteError
from exante.models import build_tiny_model
from exante.train.dpo import run_dpo
from exante.train.encode import Encoder, PairCollator
from exante.train.losses import LOSSES
from exante.train.records import check_pair, load_records
from exante.train.reference import attach_reference

from .conftest import pair_records


def first_step(output_dir) -> dict:
    return next(json.loads(l) for l in (Path(output_dir) / "log.jsonl").read_text().splitlines() if '"loss"' in l)


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_loss_changes_the_parameters(dpo_config, loss):
    cfg = dpo_config(loss=loss, nll_weight=0.1)
    summary = run_dpo(cfg)
    trained = load_file(str(Path(cfg.output_dir) / "model.safetensors"))
    initial = build_tiny_model().model.state_dict()
    assert any(not torch.equal(trained[k], initial[k]) for k in trained)
    assert math.isfinite(first_step(cfg.output_dir)["loss"])
    assert summary["reference"] == ("none" if loss == "simpo" else "precomputed")


def test_precomputed_reference_equals_the_initial_policy_so_the_first_dpo_loss_is_log2(dpo_config):
    cfg = dpo_config()
    summary = run_dpo(cfg)
    assert first_step(cfg.output_dir)["loss"] == pytest.approx(math.log(2), abs=1e-5)
    stored = [json.loads(l) for l in Path(summary["reference_file"]).read_text().splitlines()]
    assert sorted(r["id"] for r in stored) == [f"p{i}" for i in range(6)]


def test_lora_uses_the_base_without_adapters_as_reference(dpo_config):
    cfg = dpo_config(lora=True, lora_target_modules=["q_proj", "v_proj"])
    summary = run_dpo(cfg)
    assert summary["reference"] == "adapter" and "reference_file" not in summary
    # fresh adapters leave the policy equal to the base: log 2 at the first step
    assert first_step(cfg.output_dir)["loss"] == pytest.approx(math.log(2), abs=1e-5)
    assert (Path(cfg.output_dir) / "adapter_config.json").exists()


def test_stored_reference_log_probs_are_reused_by_pair_id_and_redone_when_a_pair_changes(tmp_path, tiny_model):
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in pair_records(4)))
    encoder = Encoder(tiny_model.tokenizer, 128)
    examples = [encoder.pair_example(r) for r in load_records(str(path), None, check_pair)[0]]
    collator = PairCollator(tiny_model.tokenizer.pad_token_id, {})
    store = tmp_path / "ref.jsonl"
    assert attach_reference(examples, tiny_model.model, collator, store, 2) == 4
    first = examples[0]["ref_chosen"]
    assert attach_reference([dict(e) for e in examples], tiny_model.model, collator, store, 2) == 0
    examples[1]["rejected_ids"] = examples[1]["rejected_ids"][:-3]
    assert attach_reference(examples, tiny_model.model, collator, store, 2) == 1
    assert examples[0]["ref_chosen"] == first and examples[1]["ref_rejected_shared"] <= 0


def test_objective_weights_scale_each_pairs_loss_and_metrics_are_logged_per_objective(dpo_config):
    pairs = pair_records(6, objectives=("safety", "usefulness"))
    cfg = dpo_config(pairs, batch_size=6, objective_weights={"safety": 0.0, "usefulness": 3.0, "efficiency": 1.0})
    run_dpo(cfg)
    step = first_step(cfg.output_dir)
    # every pair starts at log 2; half weigh 0, half weigh 3: mean 1.5·log 2
    assert step["loss"] == pytest.approx(1.5 * math.log(2), abs=1e-5)
    assert {"rewards/margins/safety", "rewards/accuracies/usefulness"} <= set(step)
    assert "rewards/margins/efficiency" not in step  # no efficiency pair in the batch


def test_zero_weight_on_every_objective_leaves_the_weights_unchanged(dpo_config):
    cfg = dpo_config(objective_weights={"safety": 0.0, "usefulness": 0.0, "efficiency": 0.0})
    run_dpo(cfg)
    trained = load_file(str(Path(cfg.output_dir) / "model.safetensors"))
    initial = build_tiny_model().model.state_dict()
    assert all(torch.equal(trained[k], initial[k]) for k in trained)


@pytest.mark.parametrize("overrides, message", [
    (dict(objective_weights={"speed": 1.0}), "unknown objective"),
    (dict(loss="kto"), "unknown loss 'kto'"),
    (dict(ld_alpha=1.5), "ld_alpha is 1.5"),
    (dict(max_length=20, overlong="error"), r"pairs\.jsonl:1: field '(chosen|rejected)'.*exceed max_length 20"),
])
def test_bad_settings_and_overlong_pairs_are_clear_errors(dpo_config, overrides, message):
    with pytest.raises(ExanteError, match=message):
        run_dpo(dpo_config(**overrides))


def test_under_bf16_autocast_the_reference_is_scored_in_bf16_so_the_first_loss_is_still_log2(dpo_config):
    """The reference precomputation runs under the training's autocast: same tokens, same dtype.

    Measured (AMD EPYC 9004, AVX512-BF16): |loss − log 2| = 2e-9 with the reference under autocast;
    a reference scored in fp32 under bf16 training gave 0.6974 (|Δ| 4.3e-3), which this test catches.
    The tolerance leaves room for batch-shape rounding on other bf16 kernels (AMX).
    """
    cfg = dpo_config(precision="bf16")
    summary = run_dpo(cfg)
    assert summary["reference_file"].endswith("-bf16.jsonl")
    assert first_step(cfg.output_dir)["loss"] == pytest.approx(math.log(2), abs=1e-4)


def test_lora_from_an_adapter_scores_the_adapter_as_reference_not_the_bare_base(dpo_config, sft_config, tmp_path):
    from exante.train.sft import run_sft

    # dropout 0 (the adapter keeps its own): on a trained adapter it moves training's forward pass off the reference's
    adapter = sft_config(lora=True, lora_target_modules=["q_proj", "v_proj"], learning_rate=1e-2, lora_dropout=0.0)
    run_sft(adapter)
    cfg = dpo_config(model=adapter.output_dir, output_dir=str(tmp_path / "dpo-on-adapter"), lora=True,
                     lora_target_modules=["q_proj", "v_proj"], lora_dropout=0.0)
    summary = run_dpo(cfg)
    # the starting policy is base + adapter: as its own reference the first loss is log 2
    assert summary["reference"] == "precomputed"
    assert first_step(cfg.output_dir)["loss"] == pytest.approx(math.log(2), abs=1e-5)
