"""A round's step pairs from its journal entries, and the round's stats (schema: docs/steps.md).

At each decision point the chosen step is the alternative with the highest value, the rejected
one the alternative with the lowest, kept when their values are at least ``margin`` apart (and
the chosen value at least ``min_chosen_value``, STAIR's threshold, when set): the max-min rule of
``exante.iterate.selection`` over the alternatives, valued instead of rewarded. Ties go to the
shorter step (chosen), the longer one (rejected), then the earlier alternative.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Sequence

from exante.iterate.sample import chat
from exante.iterate.selection import Pick, Skip, select_pair
from exante.rewards import UNSAFE_KINDS


def select_step_pair(alternatives: Sequence[dict], margin: float,
                     min_chosen_value: float | None = None) -> tuple[dict, dict] | Skip:
    """(chosen, rejected) of one point's valued alternatives, or why there is no pair."""
    as_samples = [{"sample": a["alternative"], "reward": a["value"], "components": {"value": a["value"]},
                   "completion_tokens": a["tokens"], "alternative": a} for a in alternatives]
    accept = {} if min_chosen_value is None else {"value": min_chosen_value}
    pick = select_pair(as_samples, "max_min", accept, margin)
    return (pick.chosen["alternative"], pick.rejected["alternative"]) if isinstance(pick, Pick) else pick


def origin(alternative: dict) -> str:
    """trace, sampled, or corrupted:<strategy>."""
    return f"corrupted:{alternative['strategy']}" if alternative["origin"] == "corrupted" else alternative["origin"]


def step_pair_record(entry: dict, point: dict, chosen: dict, rejected: dict, rollouts: int) -> dict:
    values = [a["value"] for a in point["alternatives"]]
    meta = {
        "prompt_id": entry["id"], "source": entry["source"], "kind": entry["kind"], "category": entry["category"],
        "attack": entry["attack"], "round": entry["round"], "step": point["step"], "step_index": point["step_index"],
        "values": {"chosen": chosen["value"], "rejected": rejected["value"],
                   "margin": round(chosen["value"] - rejected["value"], 6), "all": values},
        "rollout_rewards": {"chosen": [r["reward"] for r in chosen["rollouts"]],
                            "rejected": [r["reward"] for r in rejected["rollouts"]]},
        "chosen_origin": origin(chosen), "rejected_origin": origin(rejected),
        "chosen_alternative": chosen["alternative"], "rejected_alternative": rejected["alternative"],
        "chosen_tokens": chosen["tokens"], "rejected_tokens": rejected["tokens"],
        "alternatives": len(point["alternatives"]), "rollouts": rollouts, "seeds": entry["seeds"],
    }
    return {"id": f"steps/r{entry['round']}/{point['step']}/{entry['id']}", "prompt": chat(entry),
            "assistant_prefix": point["prefix"],
            "chosen": [{"role": "assistant", "content": chosen["text"]}],
            "rejected": [{"role": "assistant", "content": rejected["text"]}],
            "objective": "safety" if entry["kind"] in UNSAFE_KINDS else "usefulness", "split": "train", "meta": meta}


def round_pairs(entries: Sequence[dict], margin: float, min_chosen_value: float | None,
                rollouts: int) -> tuple[list[dict], list[dict]]:
    """(step pair records, skipped prompts and points with the reason), in the entries' order."""
    pairs, skipped = [], []
    for entry in entries:
        if entry["skipped"]:
            skipped.append({"prompt_id": entry["id"], "step": None, "code": "trace", "reason": entry["skipped"]})
        for point in entry["points"]:
            pick = select_step_pair(point["alternatives"], margin, min_chosen_value)
            if isinstance(pick, Skip):
                skipped.append({"prompt_id": entry["id"], "step": point["step"], "code": pick.code, "reason": pick.reason})
            else:
                pairs.append(step_pair_record(entry, point, *pick, rollouts))
    return pairs, skipped


def round_stats(entries: Sequence[dict], pairs: Sequence[dict], skipped: Sequence[dict], rollouts: int) -> dict:
    """Counts of a round: prompts, points, alternatives by origin, pairs, skips, values, generations."""
    points = [p for e in entries for p in e["points"]]
    alternatives = [a for p in points for a in p["alternatives"]]

    def mean(values: list[float]) -> float | None:
        return round(statistics.fmean(values), 4) if values else None

    sampled_steps = sum(1 for a in alternatives if a["origin"] == "sampled") + sum(
        sum(p["dropped"].values()) for p in points)
    return {
        "prompts": len(entries), "well_formed_traces": sum(1 for e in entries if not e["skipped"]),
        "points": len(points), "pairs": len(pairs),
        "pairs_by_step": dict(Counter(p["meta"]["step"] for p in pairs)),
        "pairs_by_kind": dict(Counter(p["meta"]["kind"] for p in pairs)),
        "pairs_by_origin": dict(Counter(f"{p['meta']['chosen_origin']} > {p['meta']['rejected_origin']}" for p in pairs)),
        "skipped_by_code": dict(Counter(s["code"] for s in skipped)),
        "alternatives_by_origin": dict(Counter(origin(a) for a in alternatives)),
        "dropped_steps": dict(sum((Counter(p["dropped"]) for p in points), Counter())),
        "value_mean": mean([a["value"] for a in alternatives if a["value"] is not None]),
        "chosen_value_mean": mean([p["meta"]["values"]["chosen"] for p in pairs]),
        "rejected_value_mean": mean([p["meta"]["values"]["rejected"] for p in pairs]),
        "generations": {"traces": len(entries), "steps": sampled_steps, "rollouts": len(alternatives) * rollouts},
        "generated_tokens": {"traces": sum(e["trace"]["completion_tokens"] for e in entries),
                             "steps": sum(p["generated_tokens"] for p in points),
                             "rollouts": sum(r["completion_tokens"] for a in alternatives for r in a["rollouts"])},
    }
