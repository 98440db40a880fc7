"""A round's preference pairs from its scored samples, in the schema of ``exante pairs``.

Per prompt ``selection.select_pair`` picks (chosen, rejected); where no sample is acceptable and
``fallback`` is on, synth's compose teacher writes the chosen trace (offline; synth's filter must
accept it, and it is scored with the same reward, so it must be acceptable and beat the worst
sample by the margin). The objective follows the rejected side: ``efficiency`` when it is
acceptable too (the pair is about length and trace quality), else ``safety`` for harmful and
jailbreak prompts and ``usefulness`` for borderline and benign ones. Schema: docs/pairs.md, with
the reward figures and the samples' origin in ``meta`` (docs/iterate.md).
"""

from __future__ import annotations

import statistics
from collections import Counter

from exante.iterate.pool import UNSAFE_KINDS
from exante.iterate.sample import chat, score
from exante.iterate.selection import Pick, Skip, is_acceptable, keep_if_apart, select_pair
from exante.pairs.checks import Tokens, diverges_at


class Fallback:
    """Chosen traces from synth's compose teacher, kept when synth's filter accepts them."""

    def __init__(self, rules: str | None, sources: list[str], distill_model: str, answered_areas: list[str]):
        from exante.rules import load_rulebook
        from exante.synth.compose import ComposeTeacher
        from exante.synth.config import SynthConfig

        self.rulebook = load_rulebook(rules)
        synth = SynthConfig(rules=rules, sources=sources, splits=["train"], distill_model=distill_model,
                            answered_areas=answered_areas)
        self.teacher = ComposeTeacher(synth, self.rulebook)

    def compose(self, records: list[dict]) -> dict[str, tuple[str | None, str | None]]:
        """id → (trace, None) or (None, why there is none)."""
        from exante.synth.filters import check

        outputs = []
        self.teacher.run(records, outputs.append)
        result = {}
        for record, out in zip(records, outputs):
            verdict = check(record, out.text, self.rulebook) if out.text is not None else None
            result[record["id"]] = ((verdict.text, None) if verdict and verdict.accepted else
                                    (None, f"compose teacher: {out.error}" if verdict is None
                                     else f"composed trace rejected by synth's filter: {verdict.reason}"))
        return result


def round_pairs(entries: list[dict], t: int, rule: str, accept: dict[str, float], margin: float, tokens: Tokens,
                reward=None, fallback: Fallback | None = None) -> tuple[list[dict], list[dict]]:
    """(pair records, skipped prompts with the reason) of round ``t``, in the entries' order."""
    picks = {e["id"]: select_pair(e["samples"], rule, accept, margin) for e in entries}
    if fallback is not None:
        failed = [e for e in entries if isinstance(picks[e["id"]], Skip) and picks[e["id"]].code == "no_acceptable"]
        picks.update(_fallback_picks(failed, picks, fallback, reward, accept, margin))
    pairs, skipped = [], []
    for entry in entries:
        pick = picks[entry["id"]]
        if isinstance(pick, Pick):
            pairs.append(pair_record(entry, pick, t, rule, accept, tokens))
        else:
            skipped.append({"id": entry["id"], "code": pick.code, "reason": pick.reason, "kind": entry["kind"],
                            "prompt": entry["prompt"], "rewards": [s["reward"] for s in entry["samples"]]})
    return pairs, skipped


def _fallback_picks(failed: list[dict], picks: dict, fallback: Fallback, reward, accept: dict[str, float],
                    margin: float) -> dict[str, Pick | Skip]:
    composed = fallback.compose(failed) if failed else {}
    ready = [e for e in failed if composed[e["id"]][0] is not None]
    scores = score(reward, ready, [composed[e["id"]][0] for e in ready]) if ready else []
    out = {e["id"]: Skip("no_acceptable", f"{picks[e['id']].reason}; fallback: {composed[e['id']][1]}")
           for e in failed if composed[e["id"]][0] is None}
    for entry, scored in zip(ready, scores):
        chosen = {"sample": None, "origin": "composed", "text": composed[entry["id"]][0], "finish_reason": None,
                  **scored}
        if not is_acceptable(chosen, accept):
            reason = f"{picks[entry['id']].reason}; the composed trace is not acceptable either"
            out[entry["id"]] = Skip("no_acceptable", reason)
            continue
        out[entry["id"]] = keep_if_apart(chosen, picks[entry["id"]].rejected, margin)
    return out


def objective_of(kind: str, rejected_acceptable: bool) -> str:
    if rejected_acceptable:
        return "efficiency"
    return "safety" if kind in UNSAFE_KINDS else "usefulness"


def pair_record(entry: dict, pick: Pick, t: int, rule: str, accept: dict[str, float], tokens: Tokens) -> dict:
    chosen, rejected = pick.chosen, pick.rejected
    origin = chosen.get("origin", "sampled")
    strategy = "fallback" if origin == "composed" else rule
    objective = objective_of(entry["kind"], is_acceptable(rejected, accept))
    meta = {
        "source": entry["source"], "kind": entry["kind"], "category": entry["category"], "attack": entry["attack"],
        "chosen_tokens": tokens.count(chosen["text"]), "rejected_tokens": tokens.count(rejected["text"]),
        "chosen_reasoning_tokens": tokens.reasoning(chosen["text"]),
        "rejected_reasoning_tokens": tokens.reasoning(rejected["text"]),
        "chosen_origin": origin, "rejected_origin": "sampled", "strategy": strategy,
        "diverges_at": diverges_at(chosen["text"], rejected["text"]), "finish_reason": rejected["finish_reason"],
        "round": t, "seed": rejected["seed"], "samples": len(entry["samples"]),
        "chosen_sample": chosen["sample"], "rejected_sample": rejected["sample"],
        "rewards": {"chosen": chosen["reward"], "rejected": rejected["reward"], "margin": round(pick.margin, 6),
                    "all": [s["reward"] for s in entry["samples"]]},
        "components": {"chosen": chosen["components"], "rejected": rejected["components"]},
    }
    return {"id": f"{objective}/{strategy}/r{t}/{entry['id']}", "prompt": chat(entry),
            "chosen": [{"role": "assistant", "content": chosen["text"]}],
            "rejected": [{"role": "assistant", "content": rejected["text"]}],
            "objective": objective, "split": "train", "meta": meta}


def pair_stats(entries: list[dict], pairs: list[dict], skipped: list[dict], accept: dict[str, float]) -> dict:
    """What a round's samples and pairs look like: counts, rewards, acceptable shares, lengths."""
    samples = [s for e in entries for s in e["samples"]]
    rewards = [s["reward"] for s in samples if s["reward"] is not None]
    by_kind: dict[str, list[bool]] = {}
    for entry in entries:
        by_kind.setdefault(entry["kind"], []).extend(is_acceptable(s, accept) for s in entry["samples"])

    def mean(values: list[float]) -> float | None:
        return round(statistics.fmean(values), 4) if values else None

    return {
        "prompts": len(entries), "samples": len(samples), "pairs": len(pairs),
        "sampled_tokens": sum(s["completion_tokens"] for s in samples),  # the round's sampling budget (grpo's max_sampled_tokens)
        "by_objective": dict(Counter(p["objective"] for p in pairs)),
        "by_kind": dict(Counter(p["meta"]["kind"] for p in pairs)),
        "by_strategy": dict(Counter(p["meta"]["strategy"] for p in pairs)),
        "skipped_by_code": dict(Counter(s["code"] for s in skipped)),
        "sample_reward_mean": mean(rewards),
        "acceptable_share": {k: mean([float(v) for v in vs]) for k, vs in sorted(by_kind.items())},
        "sample_reasoning_tokens_mean": mean([s["components"].get("reasoning_tokens", 0) for s in samples]),
        "chosen_reward_mean": mean([p["meta"]["rewards"]["chosen"] for p in pairs]),
        "rejected_reward_mean": mean([p["meta"]["rewards"]["rejected"] for p in pairs]),
        "chosen_reasoning_tokens_mean": mean([p["meta"]["chosen_reasoning_tokens"] for p in pairs]),
        "rejected_reasoning_tokens_mean": mean([p["meta"]["rejected_reasoning_tokens"] for p in pairs]),
    }
