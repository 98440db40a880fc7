"""``length_batches``: the one way exante cuts inputs of mixed length into padded batches."""

from __future__ import annotations


def length_batches(lengths: list[int], budget: int, max_batch: int) -> list[list[int]]:
    """Indices sorted by length (ties: input order), cut into batches of at most ``max_batch`` whose
    padded size (rows × longest row) stays within ``budget``: short inputs share full batches, long
    ones (jailbreak templates) go in smaller ones instead of padding a whole batch to their length."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches, current = [], []
    for i in order:
        if current and (len(current) == max_batch or (len(current) + 1) * lengths[i] > budget):
            batches.append(current)
            current = []
        current.append(i)
    return batches + ([current] if current else [])
