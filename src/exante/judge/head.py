"""A logistic-regression head over judge features, fitted on the project's own data (and, for
the harm substance head, on decontaminated public labels: ``trainset.objective_rows``).

The regularisation strength and the decision threshold are chosen on the held-out dev part of
the training set (``trainset.py``) — or, for small data, by grouped cross-validation
(``fit_head_cv``); the head is then refitted on all rows with that choice. Where heads are stored
and found: ``store.py``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from exante.judge.metrics import binary_metrics

log = logging.getLogger(__name__)
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)


@dataclass
class LinearHead:
    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]
    threshold: float
    info: dict = field(default_factory=dict)  # how it was chosen: C, dev metrics, sizes

    def prob(self, features: np.ndarray) -> np.ndarray:
        z = (features - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.weights) + self.bias)))


def balanced_weights(groups: list[str], y: np.ndarray) -> np.ndarray:
    """Weights giving every (group, label) the same total. With one group per prompt, each prompt
    counts once on each side of the label, so a head cannot learn "this topic is usually refused";
    with a single group it is plain class balancing."""
    keys = [(g, bool(label)) for g, label in zip(groups, y)]
    counts: dict = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    weights = np.array([1.0 / counts[key] for key in keys])
    return weights * len(weights) / weights.sum()


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=3000).fit(scaler.transform(x), y, sample_weight=w)
    return scaler, model


def _best_threshold(prob: np.ndarray, gold: np.ndarray, min_recall: float | None = None,
                    slack: float = 0.01) -> tuple[float, float]:
    """(threshold, F1) on dev. By default the threshold nearest 0.5 whose F1 is within ``slack``
    of the best, so that a flat dev curve does not pull it to an arbitrary edge; with
    ``min_recall``, the highest threshold that keeps dev recall at least that high."""
    candidates = [float(t) for t in np.round(np.arange(0.05, 0.96, 0.05), 2)]
    metrics = {t: binary_metrics(list(gold), list(prob >= t)) for t in candidates}
    if min_recall is not None:
        threshold = max((t for t in candidates if metrics[t].recall >= min_recall), default=candidates[0])
        return threshold, metrics[threshold].f1
    best = max(m.f1 for m in metrics.values())
    threshold = min((t for t in candidates if metrics[t].f1 >= best - slack), key=lambda t: abs(t - 0.5))
    return threshold, metrics[threshold].f1


def _finish(x: np.ndarray, y: np.ndarray, w: np.ndarray, f1: float, c: float, threshold: float, info: dict) -> LinearHead:
    scaler, model = _fit(x, y, w, c)
    info = {"C": c, "dev_f1": round(f1, 4), **info, "n_positive": int(y.sum())}
    log.info("judge head: C=%s threshold=%s dev F1=%.3f", c, threshold, f1)
    return LinearHead(model.coef_[0].tolist(), float(model.intercept_[0]), scaler.mean_.tolist(),
                      np.where(scaler.scale_ > 0, scaler.scale_, 1.0).tolist(), threshold, info)


def fit_head(x: np.ndarray, y: np.ndarray, dev: np.ndarray, groups: list[str],
             min_recall: float | None = None) -> LinearHead:
    """Choose C and the threshold on the dev rows, then refit on all rows."""
    y, dev = np.asarray(y, dtype=bool), np.asarray(dev, dtype=bool)
    w = balanced_weights(groups, y)
    trials = []
    for c in C_GRID:
        scaler, model = _fit(x[~dev], y[~dev], w[~dev], c)
        prob = model.predict_proba(scaler.transform(x[dev]))[:, 1]
        threshold, f1 = _best_threshold(prob, y[dev], min_recall)
        trials.append((f1, -c, c, threshold))  # prefer the stronger regularisation on ties
    f1, _, c, threshold = max(trials)
    return _finish(x, y, w, f1, c, threshold, {"min_recall": min_recall, "n_train": int((~dev).sum()),
                                               "n_dev": int(dev.sum())})


def fit_head_cv(x: np.ndarray, y: np.ndarray, weights: np.ndarray, groups: list[str], select: np.ndarray,
                folds: int = 5) -> LinearHead:
    """Choose C and the threshold by grouped cross-validation, scored on the rows in ``select``
    only (rows outside it are always trained on), then refit on all rows. For data too small
    for a fixed dev split; ``groups`` keep every prompt inside one fold."""
    from sklearn.model_selection import GroupKFold

    y, select = np.asarray(y, dtype=bool), np.asarray(select, dtype=bool)
    chosen = np.flatnonzero(select)
    splits = list(GroupKFold(folds).split(chosen, y[chosen], [groups[i] for i in chosen]))
    trials = []
    for c in C_GRID:
        prob = np.zeros(len(chosen))
        for _, held in splits:
            train = np.ones(len(y), dtype=bool)
            train[chosen[held]] = False
            scaler, model = _fit(x[train], y[train], weights[train], c)
            prob[held] = model.predict_proba(scaler.transform(x[chosen[held]]))[:, 1]
        threshold, f1 = _best_threshold(prob, y[chosen])
        trials.append((f1, -c, c, threshold))
    f1, _, c, threshold = max(trials)
    return _finish(x, y, weights, f1, c, threshold, {"folds": folds, "n_selected": int(select.sum()),
                                                     "n_train": len(y)})
