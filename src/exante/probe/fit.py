"""The probe itself: a stratified train sample, a balanced logistic regression, and its rates.

Unsafe = harmful and jailbreak prompts, safe = borderline and benign (the kinds of
``exante.data``). The probe is sklearn's ``LogisticRegression(C=0.05, class_weight="balanced")``
on ``StandardScaler``'d features (lbfgs: deterministic); a prompt is *flagged* unsafe when the
predicted probability is above 0.5. The **probe gap** = share of unsafe prompts flagged − share
of safe prompts flagged, pooled over the kinds, the same definition as the behavioural refusal
gap (refusal rate on unsafe − refusal rate on safe prompts), so the two read side by side.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from exante.data.records import stable_fraction
from exante.eval.stats import newcombe, wilson

KINDS = ("harmful", "jailbreak", "borderline", "benign")
UNSAFE = ("harmful", "jailbreak")
SAFE = ("borderline", "benign")


def quotas(counts: dict[str, int], size: int) -> dict[str, int]:
    """Equal shares of ``size`` per kind; a kind with fewer records gives its rest to the others."""
    out, left = {}, size
    kinds = sorted(counts, key=lambda k: (counts[k], k))
    for n, kind in enumerate(kinds):
        out[kind] = min(counts[kind], left // (len(kinds) - n))
        left -= out[kind]
    return {k: out[k] for k in counts}


def train_sample(records: Sequence[dict], size: int, seed: int = 0) -> list[dict]:
    """A stratified sample of about ``size`` records, equal-ish per kind, the same for the same seed."""
    by_kind: dict[str, list[dict]] = {}
    for record in records:
        if record["kind"] in KINDS:
            by_kind.setdefault(record["kind"], []).append(record)
    salt = f"exante-probe-{seed}"
    picked = []
    for kind, n in quotas({k: len(v) for k, v in by_kind.items()}, size).items():
        picked += sorted(by_kind[kind], key=lambda r: (stable_fraction(salt, kind, r["id"]), r["id"]))[:n]
    return sorted(picked, key=lambda r: (KINDS.index(r["kind"]), r["id"]))


def labels(kinds: Iterable[str]) -> np.ndarray:
    return np.array([k in UNSAFE for k in kinds], dtype=int)


def fit_probe(x: np.ndarray, kinds: Sequence[str], c: float = 0.05, seed: int = 0):
    """A fitted sklearn pipeline (StandardScaler → balanced logistic regression)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = labels(kinds)
    if len(set(y.tolist())) < 2:
        from exante.errors import ExanteError

        raise ExanteError("the probe's train sample needs both unsafe (harmful/jailbreak) and safe (borderline/benign) prompts")
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=5000,
                                                               random_state=seed))
    return probe.fit(np.asarray(x, dtype=np.float64), y)


def _rate(hits: np.ndarray) -> dict:
    n = int(len(hits))
    return {"n": n, "hits": int(hits.sum()), "rate": round(float(hits.mean()), 4) if n else None,
            "rate_ci": wilson(int(hits.sum()), n)}


def auc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """ROC AUC of ``scores`` for the ``positive`` mask against the rest; None without both classes."""
    from sklearn.metrics import roc_auc_score

    if len(set(positive.tolist())) < 2:
        return None
    return round(float(roc_auc_score(positive.astype(int), scores)), 4)


def gap(kinds: Sequence[str], hits: np.ndarray) -> dict:
    """Pooled rate over unsafe kinds, over safe kinds, their difference and its 95 % Newcombe
    interval (None where one side is empty)."""
    kinds = np.asarray(kinds)
    unsafe, safe = _rate(hits[np.isin(kinds, UNSAFE)]), _rate(hits[np.isin(kinds, SAFE)])
    diff = None if unsafe["rate"] is None or safe["rate"] is None else round(unsafe["rate"] - safe["rate"], 4)
    return {"unsafe": unsafe, "safe": safe, "gap": diff,
            "gap_ci": newcombe(unsafe["hits"], unsafe["n"], safe["hits"], safe["n"])}


def probe_metrics(kinds: Sequence[str], scores: np.ndarray, sources: Sequence[str] | None = None) -> dict:
    """Per-kind (and per-source) flagged rates with n, the probe gap and AUCs from decision scores (> 0 = flagged)."""
    kinds_arr, scores = np.asarray(kinds), np.asarray(scores, dtype=float)
    flagged = scores > 0
    pair = np.isin(kinds_arr, ("harmful", "borderline"))
    by_source = {}
    if sources is not None:
        sources_arr = np.asarray(sources)
        by_source = {s: _rate(flagged[sources_arr == s]) for s in sorted(set(sources_arr.tolist()))}
    return {
        "by_kind": {k: _rate(flagged[kinds_arr == k]) for k in KINDS if (kinds_arr == k).any()},
        **({"by_source": by_source} if sources is not None else {}),
        **gap(kinds, flagged),
        "auc_unsafe_vs_safe": auc(scores[np.isin(kinds_arr, KINDS)], np.isin(kinds_arr[np.isin(kinds_arr, KINDS)], UNSAFE)),
        "auc_harmful_vs_borderline": auc(scores[pair], kinds_arr[pair] == "harmful"),
    }
