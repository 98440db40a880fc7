"""`exante steps` exploring through `exante serve --load-on-request` on loopback (traces, steps that
continue the policy's own prefix, roll-outs) makes the local journal and step pairs, byte for byte."""

from dataclasses import replace
from pathlib import Path

import httpx

from exante.models import HFBackend, load_model
from exante.serve.background import serve_in_thread
from exante.serve.config import ServeConfig
from exante.serve.server import create_app
from exante.steps.config import StepsConfig
from exante.steps.run import explore_round

from .steps_data import FAST


def test_exploring_through_exante_serve_makes_the_local_journal_and_step_pairs(trace_model, round_one, tmp_path,
                                                                               monkeypatch):
    monkeypatch.setenv("EXANTE_DTYPE", "fp32")  # as in tests/iterate/test_sampling_endpoint.py: bf16 is shape-dependent
    local = StepsConfig(**{**FAST, "model": trace_model, "output_dir": str(tmp_path / "local")})
    explore_round(local, 1, trace_model, round_one, progress=False)
    config = ServeConfig(model="tiny", reasoning_format="none", load_on_request=True,
                         allowed_dirs=[str(Path(trace_model).parent)])
    with serve_in_thread(create_app(config, HFBackend(load_model("tiny"), progress=False))) as s:
        served = replace(local, output_dir=str(tmp_path / "served"), sampling_endpoint=s.url)
        explore_round(served, 1, trace_model, round_one, progress=False)
        assert [m["id"] for m in httpx.get(f"{s.url}/models").json()["data"]] == [str(Path(trace_model).resolve())]
    for name in ("journal.jsonl", "step_pairs.jsonl"):
        made = [(tmp_path / run / "round-1" / name).read_bytes() for run in ("served", "local")]
        assert made[0] == made[1] and made[0], name
