"""The benchmark registry: which held-out prompts each benchmark draws, and how it scores them.

Generating benchmarks draw from the split their suite names — ``dev`` for choosing
configurations, ``test`` for reporting (held-out prompts; jailbreaks in held-out templates).
Their samples are stratified and deterministic: records are grouped by the benchmark's stratum
(category, attack or type), ordered inside each group by a salted hash of their id, and taken
round-robin over the groups, so a sample of 64 covers every stratum evenly and is the same on
every machine. Derived benchmarks (efficiency, trace, probe) generate nothing of their own: they
score every sample of the run (``probe`` also runs the model on the run's split).
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlparse

from exante.data.records import stable_fraction
from exante.errors import ExanteError
from exante.eval import metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    score: Callable[[list[dict]], dict]
    kinds: tuple[str, ...] = ()  # kinds it draws from the suite's split; empty: derived from the run's samples
    stratum: str = "category"
    judged_harm: bool = False  # its samples go to the harm judge
    needs_model: bool = False  # score(samples, model=ModelUnderTest, config=EvalConfig): it runs the model itself
    sources: tuple[str, ...] = ()  # only prompts of these sources; empty: every source of its kinds …
    exclude_sources: tuple[str, ...] = ()  # … but these

    def draws(self, record: dict) -> bool:
        """Whether a prompt record of the right kind and split belongs to this benchmark."""
        source = record["source"]
        return (not self.sources or source in self.sources) and source not in self.exclude_sources

    @property
    def generates(self) -> bool:
        return bool(self.kinds)


def _probe_score(samples: list[dict], *, model, config) -> dict:
    from exante.probe.run import probe_benchmark  # torch, sklearn: only when the probe runs

    return probe_benchmark(samples, model, config)


BENCHMARKS = {b.name: b for b in (
    Benchmark("harmful", "AdvBench + HarmBench + Do-Not-Answer held-out prompts: ASR, refusal rate, by category",
              metrics.harmful_metrics, kinds=("harmful",), judged_harm=True, exclude_sources=("contrast",)),
    Benchmark("contrast", "unsafe twins of the borderline types (XSTest-style contrasts, eval-only): ASR, refusal rate by type",
              metrics.contrast_metrics, kinds=("harmful",), judged_harm=True, sources=("contrast",),
              stratum="contrast_type"),
    Benchmark("jailbreak", "held-out requests in held-out jailbreak templates and rewordings: ASR per attack",
              metrics.jailbreak_metrics, kinds=("jailbreak",), stratum="attack", judged_harm=True),
    Benchmark("over-refusal", "safe prompts that sound unsafe (borderline test split, XSTest when reachable): refusal rate by type",
              metrics.over_refusal_metrics, kinds=("borderline",)),
    Benchmark("helpfulness", "benign test split: compliance rate and answer quality",
              metrics.helpfulness_metrics, kinds=("benign",)),
    Benchmark("efficiency", "reasoning and answer tokens, latency per answer, tokens/s (all samples of the run)",
              metrics.efficiency_metrics),
    Benchmark("trace", "share of valid Ex-Ante traces, rule-citation accuracy (all samples of the run)",
              metrics.trace_metrics),
    # opt-in (in no suite yet): runs the model on the whole test split, a few minutes per model once
    Benchmark("probe", "can the model tell? a linear probe on its hidden states (unsafe vs safe, the run's whole split) "
              "beside its refusal gap on the run's samples", _probe_score, needs_model=True),
)}


def resolve_benches(names: list[str], suite_benches: tuple[str, ...]) -> list[Benchmark]:
    """The benchmarks to run; derived ones alone pull in the suite's generating benchmarks."""
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise ExanteError(f"unknown benchmark(s) {', '.join(map(repr, unknown))}; known benchmarks: {', '.join(BENCHMARKS)}")
    chosen = list(dict.fromkeys(names))
    if not any(BENCHMARKS[n].generates for n in chosen):
        extra = [n for n in suite_benches if BENCHMARKS[n].generates]
        log.info("%s score the run's samples; adding the suite's %s to produce them", ", ".join(chosen), ", ".join(extra))
        chosen = extra + chosen
    return [BENCHMARKS[n] for n in chosen]


def stratified_sample(records: list[dict], n: int | None, stratum: str, salt: str) -> list[dict]:
    """``n`` records spread evenly over the values of ``stratum``; all when ``n`` is None."""
    groups: dict[str, list[dict]] = {}
    for record in records:
        groups.setdefault(str(record.get(stratum)), []).append(record)
    for name, members in groups.items():
        members.sort(key=lambda r: stable_fraction(salt, name, r["id"]))
    queues = [groups[k] for k in sorted(groups)]
    total = len(records) if n is None else min(n, len(records))
    picked: list[dict] = []
    depth = 0
    while len(picked) < total:
        picked += [q[depth] for q in queues if depth < len(q)][: total - len(picked)]
        depth += 1
    return picked


def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the hub answers at all: checked first so that offline runs skip it at once
    instead of waiting out huggingface_hub's retries (~40 s)."""
    if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("HF_DATASETS_OFFLINE") == "1":
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co").hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError:
        return False
    return True


def xstest_records(spec: str) -> tuple[list[dict], str | None]:
    """XSTest's safe prompts as borderline records, or ([], why they were skipped)."""
    if not spec:
        return [], "XSTest disabled (xstest: '')"
    if spec.startswith("hf:") and not hub_reachable():
        return [], f"XSTest ({spec}) skipped: the Hugging Face hub is not reachable (offline)"
    from exante.data.user import UserSource

    try:
        # XSTest's `type` is the prompt type; its unsafe contrast prompts are typed contrast_*
        rows = UserSource.parse(spec, "prompt=prompt,category=type", "borderline").load()
    except ExanteError as exc:
        return [], f"XSTest skipped: {exc}"
    safe = [r for r in rows if not r["category"].startswith("contrast")]
    for record in safe:
        record["split"] = "test"
    return safe, None
