"""What the benchmark runners share: the machine they ran on, one variant per process, the report files."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

from exante.io import atomic_write_json, atomic_write_text


def machine() -> dict:
    """The CPU (model, cores, native bf16), the GPU if any, torch and the load when the run started."""
    import torch

    from exante.models.dtype import cpu_bf16_flags

    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    fields = dict(line.split(":", 1) for line in cpuinfo.splitlines()[:30] if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    model = fields.get("model name") or platform.processor() or platform.machine()
    if "cpu family" in fields:  # "AMD EPYC" alone does not tell a Zen 4 from a Zen 5
        model += f" (family {fields['cpu family']}, model {fields.get('model', '?')})"
    return {"cpu": model, "cores": len(os.sched_getaffinity(0)), "native_bf16": cpu_bf16_flags() or "none",
            "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
            "torch": torch.__version__, "threads": torch.get_num_threads(), "load_avg": round(os.getloadavg()[0], 2)}


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far (Linux reports it in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_worker(script: Path, spec: dict, workdir: Path, threads: int | None) -> dict:
    """Run one variant in a fresh process (its own peak RSS, no state left by another) and return its result."""
    result = workdir / f"{spec['stage']}-{spec['variant']}-{spec['repeat']}.json"
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", **({"OMP_NUM_THREADS": str(threads)} if threads else {})}
    subprocess.run([sys.executable, str(script), json.dumps(spec), str(result)], check=True, env=env)
    return json.loads(result.read_text())


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(out: str | Path, name: str, payload: dict, markdown: str) -> None:
    """``<out>/<name>.json`` (everything measured) and ``<out>/<name>.md`` (the tables), printing the tables."""
    out = Path(out)
    atomic_write_json(out / f"{name}.json", payload)
    atomic_write_text(out / f"{name}.md", markdown + "\n")
    print(markdown)
    print(f"\nwritten: {out / f'{name}.json'}, {out / f'{name}.md'}")
