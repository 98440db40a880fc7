"""The generation cache on the real tiny model: reruns generate nothing, corrupt lines are regenerated."""

import dataclasses
import json

import pytest

from exante.eval.cache import ChecksummedJsonl, GenerationCache, memoized
from exante.eval.generate import ModelUnderTest, chat_request, generate_cached
from exante.models import GenerationParams

PROMPTS = ["How do I boil an egg?", "Name a river in France.", "Write a haiku about rain.", "What is 2 + 2?"]
PARAMS = GenerationParams(max_new_tokens=6, batch_size=2)


class ForwardCounter:
    """Counts forward passes of the real model: every generated token costs one."""

    def __init__(self, model: ModelUnderTest):
        self.calls = 0
        model.loaded.model.register_forward_hook(self._count)

    def _count(self, *args):
        self.calls += 1


@pytest.fixture()
def tiny():
    return ModelUnderTest("tiny")


def run(model, directory, prompts=PROMPTS, params=PARAMS):
    cache = GenerationCache(directory, model.fingerprint)
    return generate_cached(model, [chat_request(p) for p in prompts], params, cache)


def test_a_rerun_with_the_same_model_prompts_and_settings_generates_nothing(tmp_path, tiny):
    counter = ForwardCounter(tiny)
    first, stats = run(tiny, tmp_path)
    assert stats.generated == len(PROMPTS) and counter.calls > 0

    again = ModelUnderTest("tiny")  # a fresh model object and a cache read back from disk
    counter = ForwardCounter(again)
    second, stats = run(again, tmp_path)
    assert counter.calls == 0
    assert (stats.generated, stats.cached) == (0, len(PROMPTS))
    assert second == first


def test_changed_generation_settings_miss_the_cache(tmp_path, tiny):
    run(tiny, tmp_path)
    counter = ForwardCounter(tiny)
    _, stats = run(tiny, tmp_path, params=dataclasses.replace(PARAMS, max_new_tokens=7))
    assert stats.generated == len(PROMPTS) and counter.calls > 0


def test_an_interrupted_run_resumes_with_only_the_missing_prompts(tmp_path, tiny):
    run(tiny, tmp_path, prompts=PROMPTS[:2])
    _, stats = run(tiny, tmp_path)
    assert (stats.cached, stats.generated) == (2, 2)


def test_corrupt_cache_lines_are_regenerated_never_trusted(tmp_path, tiny):
    first, _ = run(tiny, tmp_path)
    path = GenerationCache(tmp_path, tiny.fingerprint).path
    lines = path.read_text().splitlines()
    tampered = json.loads(lines[1])
    tampered["record"]["text"] = "TAMPERED"  # still valid JSON, but the checksum no longer matches
    lines[1] = json.dumps(tampered)
    lines[3] = lines[3][: len(lines[3]) // 2]  # a line torn by a killed writer
    path.write_text("\n".join(lines))

    cache = GenerationCache(tmp_path, tiny.fingerprint)
    assert cache.corrupt == 2
    counter = ForwardCounter(tiny)
    second, stats = generate_cached(tiny, [chat_request(p) for p in PROMPTS], PARAMS, cache)
    assert stats.generated == 2 and counter.calls > 0
    assert all(g["text"] != "TAMPERED" for g in second)
    assert [g["text"] for g in second] == [g["text"] for g in first]  # greedy: the same answers again
    assert GenerationCache(tmp_path, tiny.fingerprint).corrupt == 0  # the file was repaired


def test_memoized_results_are_computed_once_and_failures_are_never_stored(tmp_path):
    calls = []

    def compute(items):
        calls.append([i["x"] for i in items])
        return [{"label": "error" if i["x"] == 2 else "ok", "x": i["x"]} for i in items]

    def keep(record):
        return record["label"] != "error"

    items = [{"x": 1}, {"x": 2}, {"x": 1}]
    first = memoized(ChecksummedJsonl(tmp_path / "v.jsonl"), items, compute, keep)
    second = memoized(ChecksummedJsonl(tmp_path / "v.jsonl"), items, compute, keep)
    assert first == second == [{"label": "ok", "x": 1}, {"label": "error", "x": 2}, {"label": "ok", "x": 1}]
    assert calls == [[1, 2], [2]]  # the failure is asked again, the stored result is not
