"""Train/dev/test splits by group hash: a prompt, its near-duplicates and its variants share a split.

Built-in prompts are grouped among themselves first, so adding your own data never moves a
built-in prompt to another split (training runs and evaluations stay comparable). Your records
then join the built-in group they near-duplicate; one that near-duplicates built-in prompts of
*different* splits is dropped rather than let it leak between them.
"""

from __future__ import annotations

from typing import Sequence

from exante.data.dedup import connected_groups, near_duplicate_pairs
from exante.data.records import SPLITS, normalize, stable_fraction
from exante.errors import ExanteError


def check_fractions(fractions: Sequence[float]) -> tuple[float, ...]:
    if len(fractions) != len(SPLITS) or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-6:
        raise ExanteError(
            f"split_fractions: expected {len(SPLITS)} non-negative numbers for {'/'.join(SPLITS)} "
            f"that sum to 1, got {list(fractions)}"
        )
    return tuple(fractions)


def split_groups(groups: dict[str, str], fractions: Sequence[float], salt: str) -> dict[str, str]:
    """group → split. Within each stratum (the kind of the group's first prompt) groups are ordered
    by hash and cut at the fractions, so every kind gets its share exactly, not just on average;
    adding one group moves at most one neighbour per cut."""
    strata: dict[str, list[str]] = {}
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


def _set_groups(records: list[dict], group_of: dict[str, str], fractions: Sequence[float], salt: str) -> None:
    first = {}
    for record in records:
        first.setdefault(group_of[record["id"]], record["kind"])
    split = split_groups(first, fractions, salt)
    for record in records:
        record["group"] = group_of[record["id"]]
        record["split"] = split[record["group"]]


def assign_splits(builtin: list[dict], user: list[dict], threshold: float,
                  fractions: Sequence[float], salt: str) -> list[dict]:
    """Set ``group`` and ``split`` on every record; returns the user records dropped as ambiguous."""
    pairs = near_duplicate_pairs([r["prompt"] for r in builtin + user], threshold)
    n = len(builtin)
    _set_groups(builtin, connected_groups([r["id"] for r in builtin], [(i, j) for i, j in pairs if j < n]),
                fractions, salt)
    if not user:
        return []
    user_group = connected_groups([r["id"] for r in user], [(i - n, j - n) for i, j in pairs if i >= n])
    touched: dict[str, list[dict]] = {}  # user group → built-in records it near-duplicates
    for i, j in pairs:
        if i < n <= j:
            touched.setdefault(user_group[user[j - n]["id"]], []).append(builtin[i])
    dropped, own = [], []
    for record in user:
        hits = sorted(touched.get(user_group[record["id"]], []), key=lambda r: r["group"])
        splits = {r["split"] for r in hits}
        if len(splits) > 1:
            record["meta"]["dropped"] = f"near-duplicate of built-in prompts in splits {sorted(splits)}"
            dropped.append(record)
        elif hits:
            record["group"], record["split"] = hits[0]["group"], hits[0]["split"]
        else:
            own.append(record)
    _set_groups(own, user_group, fractions, salt)
    return dropped
