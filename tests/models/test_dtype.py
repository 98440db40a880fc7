"""The dtype policy: explicit choices honoured, bf16 on CPU only with native support and a measured win."""

import json

import pytest
import torch

from exante.errors import ExanteError
from exante.models import dtype as dtype_policy
from exante.models import resolve_dtype


@pytest.mark.parametrize("name, expected", [("bf16", torch.bfloat16), ("float32", torch.float32),
                                            ("FP32", torch.float32), ("fp16", torch.float16)])
def test_explicit_dtypes_are_honoured(name, expected):
    assert resolve_dtype(name) is expected


def test_an_unknown_dtype_names_the_choices():
    with pytest.raises(ExanteError, match="expected auto or one of bf16"):
        resolve_dtype("int3")


def test_cpu_bf16_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16 amx_tile amx_bf16\n")
    assert dtype_policy.cpu_bf16_flags(cpuinfo) == ["amx_bf16", "avx512_bf16"]
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2\n")
    assert dtype_policy.cpu_bf16_flags(cpuinfo) == []
    assert dtype_policy.cpu_bf16_flags(tmp_path / "absent") == []


def test_auto_on_cpu_without_native_bf16_is_fp32_and_measures_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("EXANTE_CACHE", str(tmp_path))
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags\t\t: fpu sse avx2\n")
    assert dtype_policy.cpu_bf16_is_faster(cpuinfo) is False
    assert not (tmp_path / "dtype-verdict.json").exists()


def test_native_bf16_is_measured_once_and_the_verdict_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("EXANTE_CACHE", str(tmp_path))
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags\t\t: fpu avx512_bf16 amx_bf16\n")
    faster = dtype_policy.cpu_bf16_is_faster(cpuinfo)
    verdicts = json.loads((tmp_path / "dtype-verdict.json").read_text())
    (verdict,) = verdicts.values()
    assert verdict["fp32_s"] > 0 and verdict["bf16_s"] > 0
    assert faster is verdict["bf16_faster"] is (verdict["bf16_s"] < verdict["fp32_s"])
    # the second call reads the cache (flipped here) instead of measuring again
    verdict["bf16_faster"] = not faster
    (tmp_path / "dtype-verdict.json").write_text(json.dumps(verdicts))
    assert dtype_policy.cpu_bf16_is_faster(cpuinfo) is (not faster)
