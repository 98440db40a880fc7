"""The prompt pool of on-policy rounds: train-split prompts only, a configurable mix of kinds,
fresh prompts every round.

Each kind's train prompts are put in one seeded order (round-robin over hazard areas, or over
attacks for jailbreaks, hash order within each: synth's ``spread``); round t takes the t-th slice
of that order, so rounds never share a prompt, a round's prompts do not depend on how many rounds
the run has, and the same seed gives the same rounds. ``exante steps`` draws its prompts here too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from exante.errors import ExanteError
from exante.reasoning import KINDS

UNSAFE_KINDS = ("harmful", "jailbreak")
SALT = "exante-iterate-pool"


def kind_counts(mix: dict[str, float], total: int) -> dict[str, int]:
    """Prompts per kind for ``total`` prompts in the shares of ``mix`` (largest remainder: they add up)."""
    unknown = [k for k in mix if k not in KINDS]
    if unknown:
        raise ExanteError(f"mix: unknown kind {unknown[0]!r}; expected some of {', '.join(KINDS)}")
    if any(not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0 for v in mix.values()) or not sum(mix.values()):
        raise ExanteError(f"mix: expected shares ≥ 0 with a positive sum per kind, got {mix}")
    scale = sum(mix.values())
    exact = {k: total * v / scale for k, v in mix.items()}
    counts = {k: math.floor(x) for k, x in exact.items()}
    for k in sorted(exact, key=lambda k: (counts[k] - exact[k], KINDS.index(k)))[: total - sum(counts.values())]:
        counts[k] += 1
    return {k: counts[k] for k in KINDS if counts.get(k)}


def pool_key(record: dict) -> str:
    """What the order spreads over: the attack of a jailbreak, the category of any other prompt."""
    return (record.get("attack") if record["kind"] == "jailbreak" else record.get("category")) or ""


@dataclass
class PromptPool:
    """Train prompts by kind, each in its seeded order; ``round(t)`` is round t's prompts."""

    ordered: dict[str, list[dict]]
    counts: dict[str, int]  # prompts per kind per round

    @classmethod
    def build(cls, mix: dict[str, float], per_round: int, seed: int, sources: list[str] | None = None,
              answered_areas: tuple[str, ...] = ()) -> "PromptPool":
        """The pool of ``sources`` (None or []: every built-in source), train split only.

        Harmful and jailbreak prompts of ``answered_areas`` are left out, as synth leaves them out:
        their rules answer with care, so rewarding a refusal would teach over-refusal.
        """
        from exante.data import load_prompts
        from exante.synth.mix import spread

        counts = kind_counts(mix, per_round)
        records = load_prompts(sources or None, split="train", kinds=list(counts))
        ordered = {}
        for kind in counts:
            mine = [r for r in records if r["kind"] == kind
                    and not (kind in UNSAFE_KINDS and r["category"] in answered_areas)]
            ordered[kind] = spread(mine, pool_key, len(mine), f"{SALT}/{seed}")
        return cls(ordered, counts)

    def check_rounds(self, rounds: int) -> None:
        """Fail before any work when ``rounds`` fresh rounds would run out of some kind's prompts."""
        for kind, n in self.counts.items():
            if n * rounds > len(self.ordered[kind]):
                raise ExanteError(
                    f"prompt pool: {rounds} rounds × {n} {kind} prompts need {n * rounds}, but the train split "
                    f"has {len(self.ordered[kind])}; lower prompts_per_round or rounds, or change mix")

    def round(self, t: int) -> list[dict]:
        """Round t's prompts (t ≥ 1), the kinds interleaved so that any prefix keeps the mix."""
        from exante.synth.mix import interleave

        return interleave([self.ordered[k][(t - 1) * n: t * n] for k, n in self.counts.items()])
