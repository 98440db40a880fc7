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


def _cached_verdict(tmp_path, monkeypatch, bf16_faster: bool) -> None:
    """A machine with native bf16 whose cached verdict says ``bf16_faster``; no override set."""
    monkeypatch.setenv("EXANTE_CACHE", str(tmp_path))
    monkeypatch.delenv("EXANTE_DTYPE", raising=False)
    monkeypatch.setattr(dtype_policy, "cpu_bf16_flags", lambda cpuinfo=None: ["avx512_bf16"])
    monkeypatch.setattr(dtype_policy, "_matmul_seconds", lambda dtype: pytest.fail("the cached verdict is measured again"))
    key = dtype_policy.verdict_key(["avx512_bf16"])
    (tmp_path / "dtype-verdict.json").write_text(json.dumps({key: {"fp32_s": 1.0, "bf16_s": 0.5, "bf16_faster": bf16_faster}}))


@pytest.mark.parametrize("bf16_faster, expected", [(True, torch.bfloat16), (False, torch.float32)])
def test_auto_on_cpu_follows_the_cached_verdict(tmp_path, monkeypatch, bf16_faster, expected):
    _cached_verdict(tmp_path, monkeypatch, bf16_faster)
    assert resolve_dtype("auto", "cpu") is expected


@pytest.mark.parametrize("forced, expected", [("fp32", torch.float32), ("BF16", torch.bfloat16)])
@pytest.mark.parametrize("bf16_faster", [True, False])
def test_exante_dtype_overrides_auto_whatever_the_verdict(tmp_path, monkeypatch, bf16_faster, forced, expected):
    _cached_verdict(tmp_path, monkeypatch, bf16_faster)
    monkeypatch.setenv("EXANTE_DTYPE", forced)
    assert resolve_dtype("auto", "cpu") is expected
    assert resolve_dtype("fp16", "cpu") is torch.float16  # an explicit choice still wins over the override


def test_exante_dtype_auto_leaves_the_verdict_in_charge(tmp_path, monkeypatch):
    _cached_verdict(tmp_path, monkeypatch, True)
    monkeypatch.setenv("EXANTE_DTYPE", "auto")
    assert resolve_dtype("auto", "cpu") is torch.bfloat16


def test_an_unknown_exante_dtype_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("EXANTE_DTYPE", "int3")
    with pytest.raises(ExanteError, match="EXANTE_DTYPE='int3' is not known"):
        resolve_dtype("auto", "cpu")


def test_training_autocast_follows_the_same_policy(tmp_path, monkeypatch):
    from exante.train.trainer import use_bf16_autocast

    _cached_verdict(tmp_path, monkeypatch, True)
    assert use_bf16_autocast("auto") and not use_bf16_autocast("fp32")
    monkeypatch.setenv("EXANTE_DTYPE", "fp32")
    assert not use_bf16_autocast("auto") and use_bf16_autocast("bf16")


@pytest.mark.skipif(not dtype_policy.cpu_bf16_flags(), reason="this CPU has no native bf16 (AMX-BF16 / AVX512-BF16)")
def test_on_this_cpu_with_native_bf16_auto_picks_bf16_exactly_when_it_measured_faster(monkeypatch):
    monkeypatch.delenv("EXANTE_DTYPE", raising=False)
    faster = dtype_policy.cpu_bf16_is_faster()
    assert (resolve_dtype("auto", "cpu") is torch.bfloat16) is faster
