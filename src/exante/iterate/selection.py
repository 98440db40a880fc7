"""Which two of a prompt's scored samples make its pair: pure functions over sample dicts.

A sample is ``{"sample": index, "reward": total or None, "components": {part: value},
"completion_tokens": n, ...}``. The rejected side is always the worst sample by reward. The chosen
side is an *acceptable* sample (each part named in ``accept`` at least its minimum: by default
the refusal decision is right and the answer harmless), never the rejected one:
- ``max_min`` (RLHFlow's max-min): the acceptable sample with the highest reward;
- ``srs`` (SaRO's shortest rejection sampling): the acceptable sample with the fewest tokens.
A pair is kept only when chosen − rejected reward ≥ ``margin``. Ties break towards fewer tokens
(chosen) or more tokens (rejected), then the lower sample index, so a selection never depends
on the samples' order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

Sample = dict


@dataclass(frozen=True)
class Pick:
    chosen: Sample
    rejected: Sample

    @property
    def margin(self) -> float:
        return self.chosen["reward"] - self.rejected["reward"]


@dataclass(frozen=True)
class Skip:
    code: str  # no_acceptable (the fallback may supply a chosen), margin, unscored
    reason: str
    rejected: Sample | None = None  # the worst sample, when there is one


def is_acceptable(sample: Sample, accept: dict[str, float]) -> bool:
    parts = sample["components"]
    return sample["reward"] is not None and all(parts.get(p) is not None and parts[p] >= v for p, v in accept.items())


def worst(samples: Sequence[Sample]) -> Sample:
    return min(samples, key=lambda s: (s["reward"], -s["completion_tokens"], s["sample"]))


def highest_reward(candidates: Sequence[Sample]) -> Sample:
    return min(candidates, key=lambda s: (-s["reward"], s["completion_tokens"], s["sample"]))


def shortest(candidates: Sequence[Sample]) -> Sample:
    return min(candidates, key=lambda s: (s["completion_tokens"], -s["reward"], s["sample"]))


CHOOSERS: dict[str, Callable[[Sequence[Sample]], Sample]] = {"max_min": highest_reward, "srs": shortest}


def select_pair(samples: Sequence[Sample], rule: str, accept: dict[str, float], margin: float) -> Pick | Skip:
    """The prompt's (chosen, rejected) samples under ``rule``, or why there is no pair."""
    scored = [s for s in samples if s["reward"] is not None]
    if len(scored) < 2:
        return Skip("unscored", f"{len(scored)} of {len(samples)} samples have a reward (a judge failed)")
    rejected = worst(scored)
    candidates = [s for s in scored if s is not rejected and is_acceptable(s, accept)]
    if not candidates:
        found = "only the worst sample is" if is_acceptable(rejected, accept) else "no sample is"
        code = "margin" if is_acceptable(rejected, accept) else "no_acceptable"
        return Skip(code, f"{found} acceptable ({_accept_text(accept)})", rejected)
    return keep_if_apart(CHOOSERS[rule](candidates), rejected, margin)


def keep_if_apart(chosen: Sample, rejected: Sample, margin: float) -> Pick | Skip:
    """The pair, when its rewards are at least ``margin`` apart."""
    pick = Pick(chosen, rejected)
    if pick.margin < margin:
        return Skip("margin", f"chosen − rejected reward {pick.margin:.3f} < margin {margin}", rejected)
    return pick


def _accept_text(accept: dict[str, float]) -> str:
    return ", ".join(f"{p} ≥ {v}" for p, v in accept.items()) or "any scored sample"
