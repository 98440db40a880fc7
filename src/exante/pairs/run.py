"""``run_pairs(config)``: SFT traces (+ policy samples) → preference pairs for multi-objective DPO.

Writes ``<out>/pairs.jsonl`` (TRL's conversational preference format plus ``objective``,
``split`` and ``meta``), ``rejected.jsonl`` (candidates dropped, with the reason), ``stats.json``
and the resolved ``config.yaml``. Prompts of each objective are taken in a fixed order — hash
order within (split, kind), interleaved so that any prefix keeps their proportions — until the
objective's cap is met. Every finished prompt is appended to the journal at once (synth's
``Journal``), so an interrupted run resumes; the final files are rebuilt from the journal in
plan order and written atomically, so the same config always writes the same files.
Schema and policy: docs/pairs.md.
"""

from __future__ import annotations

import logging
import math
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

from tqdm.auto import tqdm

from exante.config import save_resolved
from exante.data.records import stable_fraction
from exante.io import atomic_write_json, write_jsonl
from exante.rules import load_rulebook
from exante.synth.journal import Journal
from exante.synth.mix import interleave
from exante.pairs.checks import ELIGIBLE_KINDS, Judging, Tokens
from exante.pairs.config import PairsConfig
from exante.pairs.include import merge, read_included
from exante.pairs.inputs import Composer, Item, PolicySampler, extra_items, load_tokenizer, read_sft
from exante.pairs.make import PairMaker, entry_id

log = logging.getLogger(__name__)
CHUNK = 32  # prompts per step: sampling and judging are batched within a chunk


def run_pairs(config: PairsConfig, *, progress: bool = True, policy=None) -> dict:
    """Run (or resume) pair building; ``policy`` (a LoadedModel) replaces loading ``config.sample_from``."""
    start = time.perf_counter()
    included = read_included(config.include)  # a missing or broken file fails before any pair is made
    rulebook = load_rulebook(config.rules)
    items = read_sft(config.sft, config.splits)
    long_traces = {i.id: i.chosen for i in read_sft(config.long)} if config.long else {}
    extras = extra_items(config, items) if config.sources is not None and "safety" in config.objectives else []
    out = Path(config.out)
    journal = Journal(out, config)
    save_resolved(config, out / "config.yaml")
    sampler = PolicySampler(config, policy) if config.sample_from else None
    maker = PairMaker(config, rulebook, Judging(config), Tokens(load_tokenizer(config.tokenizer)),
                      long_traces, sampler, Composer(config, rulebook))
    plans = {o: plan(o, items + extras if o == "safety" else items, config) for o in config.objectives}
    log.info("pairs: prompts per objective %s; rejected from %s", {o: len(p) for o, p in plans.items()},
             f"constructions and samples of {config.sample_from}" if config.sample_from else "constructions only")
    for objective, planned in plans.items():
        _run_objective(objective, planned, journal, maker, config, progress)
    pairs, dropped, used = assemble(plans, journal, config)
    pairs, taken = merge(pairs, config.include, included)
    write_jsonl(out / "pairs.jsonl", pairs)
    write_jsonl(out / "rejected.jsonl", dropped)
    stats = build_stats(plans, used, pairs, dropped, config)
    stats["included"] = taken
    stats["seconds"] = round(time.perf_counter() - start, 1)
    stats["samples_generated_this_run"] = sampler.generated if sampler else 0
    atomic_write_json(out / "stats.json", stats)
    return stats


def plan(objective: str, items: list[Item], config: PairsConfig) -> list[Item]:
    """The objective's prompts in processing order: hash order per (split, kind), interleaved."""
    groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        if item.kind in ELIGIBLE_KINDS[objective]:
            groups[(item.split, item.kind)].append(item)
    ordered = [sorted(g, key=lambda i: stable_fraction(config.salt, "plan", objective, i.id)) for _, g in sorted(groups.items())]
    return interleave(ordered)


def _run_objective(objective: str, planned: list[Item], journal: Journal, maker: PairMaker, config: PairsConfig,
                   progress: bool) -> None:
    cap, quota = config.max_pairs.get(objective), config.pairs_per_prompt[objective]
    pending = [i for i in planned if not journal.done(entry_id(objective, i.id))]
    made = sum(len(journal.entries[entry_id(objective, i.id)]["pairs"]) for i in planned
               if journal.done(entry_id(objective, i.id)))
    with tqdm(total=len(planned), initial=len(planned) - len(pending), unit="prompt", desc=f"pairs ({objective})",
              disable=not progress) as bar:
        while pending and (cap is None or made < cap):
            # near the cap, take only as many prompts as could fill it: sampling is the slow part
            size = CHUNK if cap is None else max(1, min(CHUNK, math.ceil((cap - made) / quota)))
            chunk, pending = pending[:size], pending[size:]
            for entry in maker.entries(objective, chunk):
                journal.append(entry)
                made += len(entry["pairs"])
            bar.update(len(chunk))


def assemble(plans: dict[str, list[Item]], journal: Journal, config: PairsConfig) -> tuple[list[dict], list[dict], dict]:
    """(pairs, dropped candidates, prompts used per objective), in plan order up to each cap."""
    pairs, dropped, used = [], [], {}
    for objective, planned in plans.items():
        cap, count, used[objective] = config.max_pairs.get(objective), 0, 0
        for item in planned:
            entry = journal.entries.get(entry_id(objective, item.id))
            if entry is None or (cap is not None and count >= cap):
                break
            taken = entry["pairs"][: None if cap is None else cap - count]
            pairs += taken
            dropped += entry["dropped"]
            count += len(taken)
            used[objective] += 1
    return pairs, dropped, used


def build_stats(plans: dict[str, list[Item]], used: dict[str, int], pairs: list[dict], dropped: list[dict],
                config: PairsConfig) -> dict:
    by: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    tokens: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for p in pairs:
        o, m = p["objective"], p["meta"]
        for key, value in (("split", p["split"]), ("kind", m["kind"]), ("strategy", m["strategy"]),
                           ("origin", m["rejected_origin"])):
            by[key][o][value] += 1
        for field in ("chosen_tokens", "rejected_tokens", "chosen_reasoning_tokens", "rejected_reasoning_tokens"):
            tokens[o][field].append(m[field])
    for d in dropped:
        by["dropped_code"][d["objective"]][d["code"]] += 1

    def table(key: str) -> dict:
        return {o: dict(sorted(c.items())) for o, c in by[key].items()}

    return {
        "pairs": len(pairs),
        "by_objective": dict(Counter(p["objective"] for p in pairs)),
        "by_split": table("split"), "by_kind": table("kind"), "by_strategy": table("strategy"), "by_origin": table("origin"),
        "dropped": len(dropped),
        "dropped_by_code": table("dropped_code"),
        "prompts": {o: {"eligible": len(plans[o]), "used": used.get(o, 0)} for o in plans},
        "tokens_mean": {o: {f: round(statistics.mean(v), 1) for f, v in fields.items()} for o, fields in tokens.items()},
        "judges": {"refusal": config.refusal_judge, "harm": config.harm_judge},
        "sample_from": config.sample_from,
    }
