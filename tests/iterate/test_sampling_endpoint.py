"""`exante iterate` sampling each round's policy through one `exante serve --load-on-request` on
loopback makes the same samples (texts, seeds) and pairs as local sampling, round 2's policy
(round 1's DPO output) loaded by the server in place of the first."""

import json
from pathlib import Path

import httpx
import pytest

from exante.errors import ExanteError
from exante.iterate.run import run_iterate
from exante.models import HFBackend, load_model
from exante.serve.background import serve_in_thread
from exante.serve.config import ServeConfig
from exante.serve.server import create_app

from .test_run import tiny_config


def test_rounds_sampled_through_exante_serve_make_the_local_samples_and_pairs(tmp_path, monkeypatch):
    # fp32: the server batches requests as they arrive; bf16 logits of a row then depend on its
    # neighbours on some CPUs (AMX kernels pick their blocking by shape), fp32 noise flips no draw
    monkeypatch.setenv("EXANTE_DTYPE", "fp32")
    run_iterate(tiny_config(tmp_path / "local"), progress=False)
    config = ServeConfig(model="tiny", reasoning_format="none", load_on_request=True, allowed_dirs=[str(tmp_path)])
    with serve_in_thread(create_app(config, HFBackend(load_model("tiny"), progress=False))) as s:
        run_iterate(tiny_config(tmp_path / "served", sampling_endpoint=s.url), progress=False)
        held = [m["id"] for m in httpx.get(f"{s.url}/models").json()["data"]]
    assert held == [str((tmp_path / "served" / "round-1" / "model").resolve())]  # round 2's policy, loaded
    for t in (1, 2):
        for name in ("samples.jsonl", "pairs.jsonl"):
            served, local = (Path(tmp_path, run, f"round-{t}", name).read_bytes() for run in ("served", "local"))
            assert served == local and served, f"round {t}: {name}"
    entries = [json.loads(line) for line in (tmp_path / "served" / "round-2" / "samples.jsonl").read_text().splitlines()]
    assert all([sample["seed"] for sample in e["samples"]] == [2, 2] for e in entries)  # k = 2, seed + round


def test_a_sampling_endpoint_that_is_not_an_http_url_is_a_config_error_naming_the_field(tmp_path):
    from exante.steps.config import StepsConfig

    for make in (lambda: tiny_config(tmp_path, sampling_endpoint="127.0.0.1:8000/v1"),
                 lambda: StepsConfig(model="tiny", sampling_endpoint="127.0.0.1:8000/v1")):
        with pytest.raises(ExanteError, match=r"field 'sampling_endpoint' must be an OpenAI-compatible API base URL"):
            make()
