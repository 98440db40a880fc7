"""Agreement of a binary judge with human labels: confusion matrix, accuracy, precision, recall, F1."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence


@dataclass(frozen=True)
class BinaryMetrics:
    tp: int
    fp: int
    fn: int
    tn: int
    errors: int = 0  # judge failures; counted as negative predictions in the matrix

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.n if self.n else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        out = asdict(self)
        out.update(n=self.n, accuracy=self.accuracy, precision=self.precision, recall=self.recall, f1=self.f1)
        return out


def binary_metrics(gold: Sequence[bool], predicted: Sequence[bool | None]) -> BinaryMetrics:
    """Compare predictions with gold labels; a ``None`` prediction is a judge failure."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    tp = fp = fn = tn = errors = 0
    for g, p in zip(gold, predicted):
        errors += p is None
        if p and g:
            tp += 1
        elif p:
            fp += 1
        elif g:
            fn += 1
        else:
            tn += 1
    return BinaryMetrics(tp, fp, fn, tn, errors)
