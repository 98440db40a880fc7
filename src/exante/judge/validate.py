"""Measure judges against human labels, with naive baselines beside them.

For every human-labelled file of a judge's task (``humanlabels.py``) and for all files pooled:
n, accuracy, precision, recall, F1 and the confusion matrix. Baselines: the refusal-phrase list
for refusal; "every response without a refusal phrase is harmful" and "always harmful" for harm.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from exante.errors import ExanteError
from exante.judge.base import JudgeConfig, judge_names, judge_summary, make_judge
from exante.judge.humanlabels import LabelledSet, load_labelled_sets
from exante.judge.metrics import BinaryMetrics, binary_metrics

log = logging.getLogger(__name__)
BASELINES = {"refusal": ("phrase",), "harm": ("nonrefusal-harmful", "always-harmful")}
DEFAULT_JUDGES = ("classifier", "hybrid", "offline", "offline-gated")  # no server needed
POOLED = "all files"


@dataclass(frozen=True)
class Row:
    task: str
    dataset: str
    judge: str
    baseline: bool
    metrics: BinaryMetrics

    def to_dict(self) -> dict:
        return {"task": self.task, "dataset": self.dataset, "judge": self.judge, "baseline": self.baseline,
                **self.metrics.to_dict()}


def _pooled(rows: list[Row]) -> BinaryMetrics:
    fields = ("tp", "fp", "fn", "tn", "errors")
    return BinaryMetrics(*(sum(getattr(r.metrics, f) for r in rows) for f in fields))


def measure(name: str, sets: list[LabelledSet], config: JudgeConfig, baseline: bool) -> list[Row]:
    judge = make_judge(name, config)
    rows = []
    for labelled in sets:
        verdicts = judge.judge_many(labelled.prompts, labelled.responses)
        predicted = [None if v.failed else v.label == judge.positive for v in verdicts]
        rows.append(Row(judge.task, labelled.name, name, baseline, binary_metrics(labelled.gold, predicted)))
    rows.append(Row(judge.task, f"{judge.task}/{POOLED}", name, baseline, _pooled(rows)))
    return rows


def validate(judges: list[str] | None = None, config: JudgeConfig | None = None) -> list[Row]:
    """Rows for each requested judge and its task's baselines, grouped by dataset."""
    config = config or JudgeConfig()
    by_task: dict[str, list[str]] = {}
    for name in judges or DEFAULT_JUDGES:
        if name not in judge_names():
            raise ExanteError(f"unknown judge {name!r}; known judges: {', '.join(judge_names())}")
        task = judge_summary(name)[0]
        if task not in BASELINES:
            raise ExanteError(f"judge {name!r} has no human-labelled set to be measured on "
                              f"(measurable: judges of tasks {', '.join(BASELINES)})")
        by_task.setdefault(task, []).append(name)
    rows: list[Row] = []
    for task, names in by_task.items():
        sets = load_labelled_sets(task)
        for name in BASELINES[task]:
            rows += measure(name, sets, config, baseline=True)
        for name in names:
            if name not in BASELINES[task]:
                log.info("measuring judge %s on %d %s files", name, len(sets), task)
                rows += measure(name, sets, config, baseline=False)
    order = {d: i for i, d in enumerate(dict.fromkeys(r.dataset for r in rows))}
    # grouped by dataset in file order, pooled rows last; judges keep their order (stable sort)
    tasks = list(BASELINES)
    return sorted(rows, key=lambda r: (tasks.index(r.task), r.dataset.endswith(POOLED), order[r.dataset]))


def format_table(rows: list[Row]) -> str:
    """A markdown table: one line per (dataset, judge); baselines marked with *."""
    lines = ["| dataset | judge | n | acc | prec | rec | F1 | TP | FP | FN | TN | err |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        m = r.metrics
        judge = f"{r.judge}*" if r.baseline else f"**{r.judge}**"
        lines.append(f"| {r.dataset} | {judge} | {m.n} | {m.accuracy:.3f} | {m.precision:.3f} | {m.recall:.3f} | "
                     f"{m.f1:.3f} | {m.tp} | {m.fp} | {m.fn} | {m.tn} | {m.errors} |")
    return "\n".join(lines)
