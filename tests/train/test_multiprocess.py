"""``accelerate launch`` with two CPU processes (gloo) trains as one process does at the same global batch.

Each comparison pairs 2 processes × batch 2 with 1 process × batch 4 (grad_accum 1, the same
seed and data order, fp32). Measured on 2 cores (AMD EPYC 9004), largest relative difference
per step: SFT loss 9.4e-8 over 4 steps (1.0e-6 absolute, losses near 11); DPO loss 1.6e-6 and
per-objective reward margins 2.7e-6 over 3 steps; reference log-probs identical. Summation
order (the gradient all-reduce, batch shapes) is the only difference. Tolerance: 1e-5 relative
(1e-6 absolute near zero), a few times above. A 2-process run stopped at its checkpoint
(max_steps 2) and resumed to max_steps 4 ends on the uninterrupted run's losses and weights
(measured: identical; tolerance 1e-6).

The tests that use the launches are marked slow: four launches of two processes each, about
100 CPU-seconds in all (on two idle cores about a minute; under load several).
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from accelerate.commands.config.config_args import load_config_from_file
from accelerate.commands.launch import launch_command_parser
from safetensors.torch import load_file

from exante.config import save_resolved
from exante.errors import ExanteError
from exante.train.config import DPOConfig, SFTConfig
from exante.train.dpo import run_dpo
from exante.train.sft import run_sft
from exante.train.trainer import use_bf16_autocast

from .conftest import FAST, pair_records, sft_records, write_jsonl

ACCELERATE_CONFIGS = Path(__file__).parents[2] / "configs" / "accelerate"
SHIPPED = sorted(ACCELERATE_CONFIGS.glob("*.yaml"))
REL = 1e-5  # 2 processes against 1 (see the module docstring)
RESUME_ABS = 1e-6  # resumed against uninterrupted, both 2 processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch(command: str, cfg) -> None:
    """``accelerate launch --config_file cpu-2proc.yaml -m exante.cli COMMAND --config <cfg as YAML>``."""
    config = Path(f"{cfg.output_dir}.{cfg.max_steps}.yaml")
    save_resolved(cfg, config)
    accelerate = Path(sys.executable).with_name("accelerate")
    argv = [str(accelerate), "launch", "--config_file", str(ACCELERATE_CONFIGS / "cpu-2proc.yaml"),
            "--main_process_port", str(free_port()), "-m", "exante.cli", command, "--config", str(config)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-4000:]


def step_logs(output_dir) -> dict[int, dict]:
    lines = [json.loads(line) for line in (Path(output_dir) / "log.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in lines if "loss" in r]
    assert len(steps) == len(set(steps)), f"a step logged twice: {steps}"  # one writer, old lines dropped on resume
    return {r["step"]: r for r in lines if "loss" in r}


def losses(output_dir) -> list[float]:
    return [r["loss"] for _, r in sorted(step_logs(output_dir).items())]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """Output directories of every run, launched once for the module's tests."""
    root = tmp_path_factory.mktemp("multiprocess")
    sft = SFTConfig(**{**FAST, "train_file": write_jsonl(root / "sft.jsonl", sft_records(12)), "batch_size": 2,
                       "max_steps": 4, "save_steps": 2, "save_total_limit": 5, "learning_rate": 1e-3,
                       "lr_scheduler": "constant"})  # constant: the stopped run (max_steps 2) has the same schedule
    pairs = pair_records(16)
    for pair in pairs[12:]:  # an even dev split: evaluation under 2 processes then sees no padded duplicates
        pair["split"] = "dev"
    dpo = DPOConfig(**{**FAST, "train_file": write_jsonl(root / "pairs.jsonl", pairs), "batch_size": 2,
                       "eval_batch_size": 2, "reference_batch_size": 2, "max_steps": 3, "learning_rate": 1e-3})

    def with_out(cfg, name: str, **fields):
        return type(cfg)(**{**vars(cfg), "output_dir": str(root / name), **fields})

    run_sft(with_out(sft, "sft-1proc", batch_size=4))
    run_dpo(with_out(dpo, "dpo-1proc", batch_size=4, reference_file=str(root / "ref-1proc.jsonl")))
    launch("sft", with_out(sft, "sft-2proc"))
    launch("dpo", with_out(dpo, "dpo-2proc", reference_file=str(root / "ref-2proc.jsonl")))
    launch("sft", with_out(sft, "sft-2proc-resumed", max_steps=2))  # stops after its checkpoint-2
    launch("sft", with_out(sft, "sft-2proc-resumed", resume=True))
    return root


@pytest.mark.slow
def test_two_processes_follow_the_sft_loss_trajectory_of_one_at_the_same_global_batch(runs):
    one, two = losses(runs / "sft-1proc"), losses(runs / "sft-2proc")
    assert len(one) == len(two) == 4
    assert two == pytest.approx(one, rel=REL)
    assert json.loads((runs / "sft-2proc" / "summary.json").read_text())["train_examples"] == 12


@pytest.mark.slow
def test_two_processes_follow_the_dpo_loss_trajectory_and_objective_metrics_of_one(runs):
    one, two = step_logs(runs / "dpo-1proc"), step_logs(runs / "dpo-2proc")
    assert sorted(one) == sorted(two) == [1, 2, 3]
    metrics = ["loss", *(f"rewards/margins/{name}" for name in ("safety", "usefulness", "efficiency"))]
    for step in one:
        assert [two[step][m] for m in metrics] == pytest.approx([one[step][m] for m in metrics], rel=REL, abs=1e-6)
    evals = [json.loads((runs / name / "summary.json").read_text())["eval"] for name in ("dpo-1proc", "dpo-2proc")]
    metrics = [f"eval_{m}" for m in metrics]
    assert [evals[1][m] for m in metrics] == pytest.approx([evals[0][m] for m in metrics], rel=REL, abs=1e-6)


@pytest.mark.slow
def test_two_processes_score_each_reference_pair_once_and_as_one_process_does(runs):
    one = {r["id"]: r for r in map(json.loads, (runs / "ref-1proc.jsonl").read_text().splitlines())}
    two = [json.loads(line) for line in (runs / "ref-2proc.jsonl").read_text().splitlines()]
    assert sorted(r["id"] for r in two) == sorted(one)  # each pair written once: by the main process only
    for record in two:
        assert record["chosen"] == pytest.approx(one[record["id"]]["chosen"], rel=REL)
        assert record["rejected"] == pytest.approx(one[record["id"]]["rejected"], rel=REL)


@pytest.mark.slow
def test_a_two_process_run_resumed_from_its_checkpoint_ends_as_the_uninterrupted_run(runs):
    resumed, whole = runs / "sft-2proc-resumed", runs / "sft-2proc"
    summary = json.loads((resumed / "summary.json").read_text())
    assert summary["resumed_from"].endswith("checkpoint-2") and summary["global_step"] == 4
    assert sorted(step_logs(resumed)) == [1, 2, 3, 4]
    assert losses(resumed) == pytest.approx(losses(whole), abs=RESUME_ABS)
    resumed_weights, whole_weights = (load_file(str(out / "model.safetensors")) for out in (resumed, whole))
    assert max((resumed_weights[k] - whole_weights[k]).abs().max().item() for k in whole_weights) < RESUME_ABS


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_a_shipped_accelerate_config_loads_with_accelerates_loader_and_names_only_launch_options(path):
    config = load_config_from_file(str(path))  # raises on a field accelerate does not know
    assert config.mixed_precision == "no", "exante's --precision decides; accelerate's would override fp32"
    assert path.read_text().startswith(f"# accelerate launch --config_file configs/accelerate/{path.name} ")
    options = {action.dest for action in launch_command_parser()._actions}
    nested = {**(config.deepspeed_config or {}), **(config.fsdp_config or {})}
    assert set(nested) <= options, f"not options of accelerate launch: {sorted(set(nested) - options)}"
    # left out, DeepSpeed takes them from --grad-accum and --max-grad-norm
    assert not {"gradient_accumulation_steps", "gradient_clipping"} & set(nested)


def test_the_configs_for_each_way_of_scaling_out_are_shipped():
    kinds = {p.stem: load_config_from_file(str(p)) for p in SHIPPED}
    assert {"cpu-2proc", "multi-gpu-ddp", "deepspeed-zero2", "deepspeed-zero3", "fsdp", "multi-node"} <= set(kinds)
    assert [kinds[f"deepspeed-zero{stage}"].deepspeed_config["zero_stage"] for stage in (2, 3)] == [2, 3]
    assert kinds["multi-node"].num_machines > 1 and kinds["cpu-2proc"].num_processes == 2
    assert kinds["cpu-2proc"].use_cpu


def test_a_launch_whose_mixed_precision_disagrees_with_precision_is_refused(monkeypatch):
    monkeypatch.setenv("ACCELERATE_MIXED_PRECISION", "bf16")  # what accelerate launch passes on from its config
    assert use_bf16_autocast("bf16")
    with pytest.raises(ExanteError, match="mixed_precision 'bf16'.*--precision"):
        use_bf16_autocast("fp32")
    monkeypatch.setenv("ACCELERATE_MIXED_PRECISION", "no")
    assert not use_bf16_autocast("fp32")
