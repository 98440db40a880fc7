"""Kill `exante sft` mid-run, resume it, and compare with an uninterrupted run of the same seed.

    .venv/bin/python scripts/check_resume.py [--model smollm2-135m-instruct] [--steps 8] [--out runs/resume-check]

Run A trains `--steps` optimizer steps without interruption. Run B is the same command,
killed with SIGKILL as soon as its first checkpoint is on disk, then rerun with
`--resume true`. The script prints the per-step training losses of both runs, the largest
loss difference and the largest weight difference of the final models, and writes them to
`<out>/resume_check.json`. Everything else comes from configs/sft.yaml.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from exante.io import atomic_write_json, read_jsonl

ROOT = Path(__file__).resolve().parent.parent
EXANTE = [sys.executable, "-m", "exante.cli"]


def sft_command(model: str, out: Path, steps: int, resume: bool) -> list[str]:
    return [*EXANTE, "sft", "--config", str(ROOT / "configs/sft.yaml"), "--model", model,
            "--output-dir", str(out), "--max-steps", str(steps), "--save-steps", str(steps // 2),
            "--logging-steps", "1", "--batch-size", "2", "--max-length", "384",
            "--eval-steps", "0", "--resume", str(resume).lower()]


def run_killed_after_first_checkpoint(cmd: list[str], out: Path) -> None:
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        if any((c / "trainer_state.json").exists() for c in out.glob("checkpoint-*")):
            time.sleep(2)  # the checkpoint is complete once trainer_state.json exists; let the next step start
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            print(f"killed run B after {sorted(p.name for p in out.glob('checkpoint-*'))}")
            return
        time.sleep(0.5)
    raise SystemExit(f"run B finished before it could be killed (exit {proc.returncode}); use more --steps")


def step_losses(out: Path) -> dict[int, float]:
    return {r["step"]: r["loss"] for r in read_jsonl(out / "log.jsonl") if "loss" in r}


def max_weight_difference(a: Path, b: Path) -> float:
    from safetensors.torch import load_file

    wa, wb = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    return max((wa[k].float() - wb[k].float()).abs().max().item() for k in wa)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--out", type=Path, default=ROOT / "runs/resume-check")
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    a, b = args.out / "uninterrupted", args.out / "interrupted"
    subprocess.run(sft_command(args.model, a, args.steps, resume=False), cwd=ROOT, check=True)
    run_killed_after_first_checkpoint(sft_command(args.model, b, args.steps, resume=False), b)
    subprocess.run(sft_command(args.model, b, args.steps, resume=True), cwd=ROOT, check=True)
    la, lb = step_losses(a), step_losses(b)
    result = {
        "steps": args.steps, "model": args.model,
        "resumed_from": json.loads((b / "summary.json").read_text()).get("resumed_from"),
        "losses_uninterrupted": la, "losses_resumed": lb,
        "max_loss_difference": max(abs(la[s] - lb[s]) for s in la),
        "max_weight_difference": max_weight_difference(a, b),
    }
    atomic_write_json(args.out / "resume_check.json", result)
    print(json.dumps({k: v for k, v in result.items() if not k.startswith("losses")}, indent=1))


if __name__ == "__main__":
    main()
