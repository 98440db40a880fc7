"""Train/dev/test splits by group hash: a prompt, its near-duplicates and its variants share a split.

Built-in prompts are grouped among themselves first, so adding your own data never moves a
built-in prompt to another split (training runs and evaluations stay comparable). The eval-only
prompts come next, split only between dev and test (``EVAL_FRACTIONS``): one that
near-duplicates a train prompt, or a prompt people train on (``reference``), is dropped. Your
records come last and join the earlier group they near-duplicate; one that near-duplicates
earlier prompts of *different* splits is dropped rather than let it leak between them.
"""

from __future__ import annotations

from typing import Callable, Hashable, Sequence

from exante.data.dedup import connected_groups, near_duplicate_pairs
from exante.data.records import SPLITS, normalize, stable_fraction
from exante.errors import ExanteError

# train/dev/test shares of the eval-only prompts' groups: never train.
EVAL_FRACTIONS = (0.0, 0.4, 0.6)


def check_fractions(fractions: Sequence[float]) -> tuple[float, ...]:
    if len(fractions) != len(SPLITS) or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-6:
        raise ExanteError(
            f"split_fractions: expected {len(SPLITS)} non-negative numbers for {'/'.join(SPLITS)} "
            f"that sum to 1, got {list(fractions)}"
        )
    return tuple(fractions)


def split_groups(groups: dict[str, Hashable], fractions: Sequence[float], salt: str) -> dict[str, str]:
    """group → split. Within each stratum (the kind of the group's first prompt; for eval-only prompts,
    kind and type) groups are ordered by hash and cut at the fractions, so every stratum gets its share
    exactly, not just on average; adding one group moves at most one neighbour per cut."""
    strata: dict[Hashable, list[str]] = {}
    for group, stratum in groups.items():
        strata.setdefault(stratum, []).append(group)
    out = {}
    for members in strata.values():
        members.sort(key=lambda g: stable_fraction(salt, "split", g))
        edges = [round(sum(fractions[: i + 1]) * len(members)) for i in range(len(SPLITS))]
        for rank, group in enumerate(members):
            out[group] = next(name for name, edge in zip(SPLITS, edges) if rank < edge or name == SPLITS[-1])
    return out


def drop_exact_duplicates(records: list[dict]) -> tuple[list[dict], list[dict]]:
    """(kept, dropped): the first record of each normalised text is kept; the others name it."""
    first: dict[str, str] = {}
    kept, dropped = [], []
    for record in records:
        key = normalize(record["prompt"])
        if key in first:
            record["meta"]["duplicate_of"] = first[key]
            dropped.append(record)
        else:
            first[key] = record["id"]
            kept.append(record)
    return kept, dropped


def _kind(record: dict) -> str:
    return record["kind"]


def _eval_type(record: dict) -> tuple[str, str]:
    # Eval-only prompts are stratified by type too, so every type gets its dev/test share exactly.
    return record["kind"], record["meta"].get("contrast_type", record["category"])


def _set_groups(records: list[dict], group_of: dict[str, str], fractions: Sequence[float], salt: str,
                stratum: Callable[[dict], Hashable] = _kind) -> None:
    first = {}
    for record in records:
        first.setdefault(group_of[record["id"]], stratum(record))
    split = split_groups(first, fractions, salt)
    for record in records:
        record["group"] = group_of[record["id"]]
        record["split"] = split[record["group"]]


def assign_splits(builtin: list[dict], user: list[dict], threshold: float, fractions: Sequence[float],
                  salt: str, eval_only: Sequence[dict] = (), reference: Sequence[str] = ()) -> list[dict]:
    """Set ``group`` and ``split`` on every record, stage by stage (built-in, eval-only, yours), each
    after the ones before so that a later stage never moves an earlier record; returns the eval-only
    and user records dropped."""
    records = [*builtin, *eval_only, *user]
    pairs = near_duplicate_pairs([r["prompt"] for r in records] + list(reference), threshold)
    links: dict[int, list[int]] = {}  # position → positions of its near-duplicates (reference: ≥ len(records))
    for i, j in pairs:
        links.setdefault(i, []).append(j)
        links.setdefault(j, []).append(i)
    position = {r["id"]: k for k, r in enumerate(records)}
    placed: dict[int, dict] = {}
    _place(builtin, position, links, placed, fractions, salt)
    # Held out by construction: an eval-only prompt that near-duplicates a train prompt (or a reference
    # prompt) is dropped, not let into the train prompt's group.
    train = {k for k, r in placed.items() if r["split"] == "train"}
    dropped = [r for r in eval_only if any(k >= len(records) or k in train for k in links.get(position[r["id"]], ()))]
    for record in dropped:
        record["meta"]["dropped"] = "near-duplicate of a training prompt"
    gone = {r["id"] for r in dropped}
    dropped += _place([r for r in eval_only if r["id"] not in gone], position, links, placed, EVAL_FRACTIONS, salt,
                      _eval_type)
    return dropped + _place(user, position, links, placed, fractions, salt)


def _place(stage: list[dict], position: dict[str, int], links: dict[int, list[int]], placed: dict[int, dict],
           fractions: Sequence[float], salt: str, stratum: Callable[[dict], Hashable] = _kind) -> list[dict]:
    """Group and split one stage's records; returns those dropped as ambiguous.

    A stage's groups are the connected components of its own records; a group that near-duplicates
    ``placed`` records joins their group, or is dropped when they lie in different splits.
    """
    index = {position[r["id"]]: n for n, r in enumerate(stage)}
    group = connected_groups([r["id"] for r in stage],
                             [(index[i], index[j]) for i in index for j in links.get(i, ()) if index.get(j, -1) > index[i]])
    touched: dict[str, list[dict]] = {}  # group → earlier records it near-duplicates
    for i, n in index.items():
        touched.setdefault(group[stage[n]["id"]], []).extend(placed[j] for j in links.get(i, ()) if j in placed)
    dropped, own = [], []
    for record in stage:
        hits = sorted(touched[group[record["id"]]], key=lambda r: r["group"])
        splits = {r["split"] for r in hits}
        if len(splits) > 1:
            record["meta"]["dropped"] = f"near-duplicate of built-in prompts in splits {sorted(splits)}"
            dropped.append(record)
        elif hits:
            record["group"], record["split"] = hits[0]["group"], hits[0]["split"]
        else:
            own.append(record)
    _set_groups(own, group, fractions, salt, stratum)
    placed.update((position[r["id"]], r) for r in stage if "split" in r)
    return dropped
