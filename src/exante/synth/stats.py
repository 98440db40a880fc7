"""stats.json: what a synthesis made, what it dropped and why, how well it found the rules, how long traces are."""

from __future__ import annotations

import logging
import statistics
from collections import Counter, defaultdict

from exante.errors import ExanteError
from exante.reasoning import strip_reasoning
from exante.synth.config import SynthConfig
from exante.synth.journal import Journal
from exante.synth.mix import UNSAFE_KINDS, Mix

log = logging.getLogger(__name__)


def build_stats(mix: Mix, journal: Journal, accepted: list[dict], rejected: list[dict], config: SynthConfig) -> dict:
    metas = [r["meta"] for r in accepted]
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for r in accepted:
        by_kind[r["meta"]["kind"]]["accepted"] += 1
    for r in rejected:
        by_kind[r["kind"]]["rejected"] += 1
    categories: dict[str, Counter] = defaultdict(Counter)
    for m in metas:
        categories[m["kind"]][m["category"]] += 1
    return {
        "teacher": config.teacher,
        "style": config.style,
        "accepted": len(accepted),
        "rejected": len(rejected),
        "by_split": dict(Counter(r["split"] for r in accepted)),
        "unsafe_share": _unsafe_share(accepted),
        "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
        "by_path": dict(Counter(m["path"] for m in metas)),
        "by_category": {k: dict(sorted(v.items())) for k, v in sorted(categories.items())},
        "by_attack": dict(Counter(m["attack"] for m in metas if m["attack"])),
        "rejected_by_code": dict(Counter(r["code"] for r in rejected).most_common()),
        "left_out": dict(mix.unused),
        "retrieval": retrieval_accuracy(mix.records, journal),
        "tokens": token_lengths(accepted),
    }


def _unsafe_share(accepted: list[dict]) -> dict[str, float]:
    totals, unsafe = Counter(), Counter()
    for r in accepted:
        totals[r["split"]] += 1
        unsafe[r["split"]] += r["meta"]["kind"] in UNSAFE_KINDS
    return {s: round(unsafe[s] / totals[s], 3) for s in totals}


def retrieval_accuracy(records: list[dict], journal: Journal) -> dict:
    """Share of harmful/jailbreak prompts whose retrieved hazard area is the data set's category.

    Counted over every prompt the compose teacher saw (before the filters), per split.
    ``jailbreak`` retrieves from the known wrapped request; ``jailbreak_text_only`` from the
    wrapped prompt's text alone (encodings decoded), the harder case a deployed model faces.
    """
    tallies: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for record in records:
        info = journal.entries.get(record["id"], {}).get("info", {})
        if record["kind"] not in UNSAFE_KINDS or "retrieved_areas" not in info:
            continue
        split, category = record["split"], record["category"]
        groups = [record["kind"]]
        if record["kind"] == "harmful":
            groups.append(f"harmful_category_from_{record['meta'].get('category_from', 'unknown')}")
        for group in groups:
            _tally(tallies[split][group], info["retrieved_areas"], category)
        if "text_only_areas" in info:
            _tally(tallies[split]["jailbreak_text_only"], info["text_only_areas"], category)
    return {split: {group: _rates(c) for group, c in sorted(groups.items())}
            for split, groups in sorted(tallies.items())}


def _tally(counter: Counter, areas: list[str], category: str) -> None:
    counter["n"] += 1
    counter["top1"] += bool(areas) and areas[0] == category
    counter["top3"] += category in areas[:3]


def _rates(counter: Counter) -> dict:
    n = counter["n"]
    return {"n": n, "top1": round(counter["top1"] / n, 3), "top3": round(counter["top3"] / n, 3)}


def token_lengths(accepted: list[dict]) -> dict:
    """Mean / median reasoning and answer tokens (default model's tokenizer) by prompt kind."""
    try:
        from exante.models.builtin import builtin_tokenizer

        tokenizer = builtin_tokenizer()
    except (ExanteError, OSError, ImportError) as exc:  # stats without token counts beat no stats
        log.warning("token lengths skipped: %s", exc)
        return {}
    lengths: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for r in accepted:
        reasoning, answer = strip_reasoning(r["messages"][1]["content"])
        for part, text in (("reasoning", reasoning or ""), ("answer", answer)):
            lengths[r["meta"]["kind"]][part].append(len(tokenizer(text, add_special_tokens=False)["input_ids"]))
    return {kind: {part: {"mean": round(statistics.mean(v), 1), "median": statistics.median(v), "max": max(v)}
                   for part, v in parts.items()} for kind, parts in sorted(lengths.items())}
