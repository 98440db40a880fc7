"""Which prompts get a trace: every safe prompt, a capped, varied share of unsafe ones.

A first SFT probe (METHODS.md §8) learned "unfamiliar → refuse". So each split keeps *all* its
benign and borderline prompts, adds jailbreak-style framings of them that stay safe (a role-play
wrapper around "write a haiku" is still answered; the idea of WildJailbreak's adversarial-benign
prompts), and caps harmful + jailbreak prompts at ``max_unsafe_share`` of the split. Unsafe prompts
are chosen round-robin over hazard areas (plain) and attacks (jailbreak), so rare areas and every
attack are represented. All choices hash the prompt id with the salt: same config, same mix.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from exante.data import load_prompts
from exante.data.attacks import FRAMINGS, render
from exante.data.records import normalize, stable_fraction
from exante.synth.config import SynthConfig

SAFE_KINDS = ("benign", "borderline")
UNSAFE_KINDS = ("harmful", "jailbreak")
# Readable framings only: an encoded safe request teaches nothing a small model can use.
SAFE_FRAMINGS = ("role_play", "hypothetical", "prefix_injection")


@dataclass
class Mix:
    records: list[dict]  # in synthesis (and output) order
    rejected: list[dict] = field(default_factory=list)  # {"record", "reason", "stage": "mix"}
    unused: Counter = field(default_factory=Counter)  # "split/kind[/why]" → prompts left out (cap, answered areas)


def build_mix(config: SynthConfig) -> Mix:
    mix = Mix([])
    seen: dict[str, str] = {}
    for split in config.splits:
        records = load_prompts(config.sources or None, split=split, mapping=config.source_map, kind=config.source_kind)
        chosen = mix_split(records, config, split, mix.unused)
        for record in chosen:
            key = normalize(record["prompt"])
            if key in seen:
                mix.rejected.append(_reject(record, f"duplicate prompt (same text as {seen[key]})"))
            else:
                seen[key] = record["id"]
                mix.records.append(record)
    return mix


def _reject(record: dict, reason: str) -> dict:
    return {"record": record, "reason": reason, "stage": "mix"}


def mix_split(records: list[dict], config: SynthConfig, split: str, unused: Counter) -> list[dict]:
    by_kind = {kind: [r for r in records if r["kind"] == kind] for kind in SAFE_KINDS + UNSAFE_KINDS}
    for kind in UNSAFE_KINDS:  # areas answered with care are never turned into refusals
        kept = [r for r in by_kind[kind] if r["category"] not in config.answered_areas]
        unused[f"{split}/{kind}/answered_area"] += len(by_kind[kind]) - len(kept)
        by_kind[kind] = kept
    safe = by_kind["benign"] + by_kind["borderline"]
    framed = [v for r in safe for v in framed_variants(r, config.framed_safe_per_prompt, config.salt)]
    unsafe = len(by_kind["harmful"]) + len(by_kind["jailbreak"])
    share = config.max_unsafe_share
    budget = unsafe if share >= 1 else int(len(safe + framed) * share / (1 - share))
    n_jail = min(round(budget * config.jailbreak_share), len(by_kind["jailbreak"]))
    n_harm = min(budget - n_jail, len(by_kind["harmful"]))
    n_jail = min(budget - n_harm, len(by_kind["jailbreak"]))  # one kind short: the other fills its place
    picked = {
        "benign": _ordered(by_kind["benign"], config.salt),
        "borderline": _ordered(by_kind["borderline"], config.salt),
        "framed": _ordered(framed, config.salt),
        "harmful": spread(by_kind["harmful"], lambda r: r["category"], n_harm, config.salt),
        "jailbreak": spread(by_kind["jailbreak"], lambda r: r["attack"] or "", n_jail, config.salt),
    }
    for kind in UNSAFE_KINDS:
        unused[f"{split}/{kind}/cap"] += len(by_kind[kind]) - len(picked[kind])
    mixed = interleave(list(picked.values()))
    return mixed[: config.limit] if config.limit else mixed


def _ordered(records: list[dict], salt: str) -> list[dict]:
    return sorted(records, key=lambda r: stable_fraction(salt, "mix", r["id"]))


def spread(records: list[dict], key: Callable[[dict], str], n: int, salt: str) -> list[dict]:
    """``n`` records taken round-robin over the values of ``key`` (each group in hash order)."""
    groups: dict[str, list[dict]] = {}
    for record in _ordered(records, salt):
        groups.setdefault(key(record), []).append(record)
    return interleave([groups[k] for k in sorted(groups)])[:n]


def interleave(lists: list[list[dict]]) -> list[dict]:
    """Round-robin over the lists, in proportion to their lengths, so any prefix is balanced."""
    # each item gets a position (i + 0.5) / len in [0, 1); merging by position spreads every list evenly
    keyed = [((i + 0.5) / len(items), j, item) for j, items in enumerate(lists) for i, item in enumerate(items)]
    keyed.sort(key=lambda t: (t[0], t[1]))
    return [item for _, _, item in keyed]


def framed_variants(record: dict, count: int, salt: str) -> list[dict]:
    """``count`` copies of a safe prompt wrapped in jailbreak-style framings; they stay safe."""
    wordings = [(attack, wording) for attack in SAFE_FRAMINGS for wording in FRAMINGS[attack]]
    start = int(stable_fraction(salt, "framing", record["id"]) * len(wordings))
    out = []
    for k in range(min(count, len(wordings))):
        attack, wording = wordings[(start + k * 7) % len(wordings)]  # stride 7 visits other attacks first
        meta = {**record["meta"], "framing": attack, "template": f"exante/{attack}/{wording}",
                "base_id": record["id"], "base_prompt": record["prompt"]}
        wrapped = render(attack, wording, record["prompt"])
        out.append({**record, "id": f"{record['id']}~{attack}/{wording}", "prompt": wrapped, "meta": meta})
    return out
