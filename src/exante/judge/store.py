"""Where the judges' fitted heads come from: shipped with exante, cached, or fitted now.

Each head is declared once (``HeadSpec``: name, feature version, how to fit it) and identified
by a key made of its feature version and the fingerprints of the training data and the
embedding model, so a change to any of them invalidates it. Lookup order:

1. ``data/heads.jsonl`` in the package — written by ``exante judge train --ship`` from the
   data files in the repository, so a fresh install judges without fitting anything;
2. ``cache_dir()/judge/<name>-<key>.json``;
3. fit now (a few minutes on 2 cores, mostly embedding the training texts) and cache.

Heads are plain JSON — weights, scaler, threshold and how they were chosen — never pickle.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

from exante.io import atomic_write_json, write_jsonl
from exante.judge.head import LinearHead
from exante.judge.trainset import data_fingerprint
from exante.models.embed import model_fingerprint
from exante.paths import cache_dir

log = logging.getLogger(__name__)
SHIPPED = "heads.jsonl"
_SPECS: dict[str, "HeadSpec"] = {}
_loaded: dict[str, LinearHead] = {}


@dataclass(frozen=True)
class HeadSpec:
    name: str
    version: str  # bump when the head's features change
    fit: Callable[[], LinearHead]

    def key(self) -> str:
        return f"{self.version}-{data_fingerprint()}-{model_fingerprint()}"

    def load(self) -> LinearHead:
        """The head for the current key: shipped, else cached, else fitted now and cached."""
        if self.name not in _loaded:
            key = self.key()
            head = _shipped().get((self.name, key)) or _cached(self.name, key)
            if head is None:
                log.info("fitting the %s judge head (first use; cached in %s)", self.name, cache_dir() / "judge")
                head = self.refit()
            _loaded[self.name] = head
        return _loaded[self.name]

    def refit(self) -> LinearHead:
        head = self.fit()
        atomic_write_json(_cache_path(self.name, self.key()), asdict(head))
        _loaded[self.name] = head
        return head


def head_spec(name: str, version: str, fit: Callable[[], LinearHead]) -> HeadSpec:
    """Declare a head; modules call this at import time."""
    _SPECS[name] = HeadSpec(name, version, fit)
    return _SPECS[name]


def _cache_path(name: str, key: str) -> Path:
    return cache_dir() / "judge" / f"{name}-{key}.json"


def _cached(name: str, key: str) -> LinearHead | None:
    path = _cache_path(name, key)
    return LinearHead(**json.loads(path.read_text(encoding="utf-8"))) if path.exists() else None


def _shipped_file():
    return resources.files("exante.judge").joinpath("data", SHIPPED)


def _shipped() -> dict[tuple[str, str], LinearHead]:
    source = _shipped_file()
    if not source.is_file():
        return {}
    records = (json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip())
    return {(r["name"], r["key"]): LinearHead(**r["head"]) for r in records}


def fit_all(ship: bool = False) -> list[dict]:
    """Refit every head in dependency order (caching each); with ``ship``, write data/heads.jsonl."""
    from exante.judge import harm, refusal, stance  # noqa: F401  (declare their heads)

    records = [{"name": spec.name, "key": spec.key(), "head": asdict(spec.refit())} for spec in _SPECS.values()]
    if ship:
        target = Path(str(_shipped_file()))
        write_jsonl(target, records)
        target.chmod(0o644)  # package data, readable by every user
    return records


def shipped_keys() -> dict[str, str]:
    """Head name → key of the shipped heads (tests compare them with the current keys)."""
    return {name: key for name, key in _shipped()}


def current_keys() -> dict[str, str]:
    from exante.judge import harm, refusal, stance  # noqa: F401

    return {name: spec.key() for name, spec in _SPECS.items()}
