"""``PairsConfig.include``: pairs of earlier runs written after a run's own, so one DPO trains on
several runs' pairs (round 1's pairs with round 2's safety pairs; constructed with sampled ones).

Each entry names a ``pairs.jsonl`` and what to take of it: ``objectives`` (unset: all), ``origins``
(``meta.rejected_origin``: sampled, constructed; unset: both), ``new_prompts`` (only pairs on prompts
that no pair before them has, this run's own or an earlier entry's). Files are read and checked
before any pair is made; the merged file keeps every id once.
"""

from __future__ import annotations

from pathlib import Path

from exante.errors import ExanteError
from exante.io import read_jsonl_numbered
from exante.train.records import OBJECTIVES, check_pair

KEYS = ("file", "objectives", "origins", "new_prompts")
ORIGINS = ("sampled", "constructed")


def check_includes(includes: list) -> None:
    for i, entry in enumerate(includes):
        where = f"PairsConfig: field 'include'[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) or not entry["file"]:
            raise ExanteError(f"{where}: expected a mapping with 'file' (a pairs.jsonl) and optionally "
                              f"{', '.join(KEYS[1:])}, got {entry!r}")
        unknown = [k for k in entry if k not in KEYS]
        if unknown:
            raise ExanteError(f"{where}: unknown key {unknown[0]!r}; expected some of {', '.join(KEYS)}")
        for key, allowed in (("objectives", OBJECTIVES), ("origins", ORIGINS)):
            values = entry.get(key, list(allowed))
            if not isinstance(values, list) or any(v not in allowed for v in values):
                raise ExanteError(f"{where}: {key!r} expects a list of {', '.join(allowed)}, got {values!r}")
        if not isinstance(entry.get("new_prompts", False), bool):
            raise ExanteError(f"{where}: 'new_prompts' expects true or false, got {entry['new_prompts']!r}")


def prompt_of(pair: dict, where: str) -> str:
    """The prompt id of an exante pair: ids are ``<objective>/<strategy>/<variant>/<prompt id>``."""
    parts = pair["id"].split("/", 3)
    if len(parts) < 4:
        raise ExanteError(f"{where}: id {pair['id']!r} is not <objective>/<strategy>/<variant>/<prompt id> "
                          "(a pair of exante pairs)")
    return parts[3]


def read_included(includes: list[dict]) -> list[list[tuple[str, dict]]]:
    """Per entry, its (file:line, pair) that pass its objective and origin filters, checked as DPO checks them."""
    taken = []
    for entry in includes:
        path = Path(entry["file"])
        if not path.is_file():
            raise ExanteError(f"{path}: file not found (PairsConfig field 'include')")
        objectives, origins = entry.get("objectives", OBJECTIVES), entry.get("origins", ORIGINS)
        pairs = []
        for lineno, pair in read_jsonl_numbered(path):
            where = f"{path}:{lineno}"
            check_pair(pair, where)
            prompt_of(pair, where)
            origin = (pair.get("meta") or {}).get("rejected_origin")
            if origin not in ORIGINS:
                raise ExanteError(f"{where}: field 'meta.rejected_origin' is {origin!r}; expected one of "
                                  f"{', '.join(ORIGINS)} (a pair of exante pairs)")
            if pair["objective"] in objectives and origin in origins:
                pairs.append((where, pair))
        taken.append(pairs)
    return taken


def merge(own: list[dict], includes: list[dict], included: list[list[tuple[str, dict]]]) -> tuple[list[dict], list[dict]]:
    """(this run's pairs followed by the included ones, the count taken per entry)."""
    pairs, ids = list(own), {p["id"] for p in own}
    prompts = {prompt_of(p, "this run") for p in own}
    counts = []
    for entry, candidates in zip(includes, included):
        kept = [(w, p) for w, p in candidates if not (entry.get("new_prompts") and prompt_of(p, w) in prompts)]
        for where, pair in kept:
            if pair["id"] in ids:
                raise ExanteError(f"{where}: pair {pair['id']!r} is already among the pairs before it (this run's "
                                  "or an earlier include); a DPO data set holds each id once")
            ids.add(pair["id"])
        pairs += [p for _, p in kept]
        prompts |= {prompt_of(p, w) for w, p in kept}
        counts.append({"file": entry["file"], "pairs": len(kept)})
    return pairs, counts
