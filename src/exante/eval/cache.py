"""On-disk caches: generations (one JSONL file per model fingerprint) and judge verdicts.

A line is ``{"key", "record", "sha256"}``: for a generation, ``key`` hashes (model fingerprint,
request, generation settings), ``record`` holds the ``Generation`` fields, and ``sha256`` covers both,
so a line that was torn by a kill, edited or bit-flipped is detected and regenerated, never
trusted. Lines are appended and fsynced as each batch finishes, so an interrupted run resumes
where it stopped. A file with bad lines is rewritten without them when it is opened.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Callable

from exante.io import append_jsonl, write_jsonl

log = logging.getLogger(__name__)

GENERATION_FIELDS = ("text", "prompt_tokens", "completion_tokens", "finish_reason", "latency_s", "tokens_per_s")
# Settings that change what is generated; batch size does not (up to float noise).
KEY_SETTINGS = ("max_new_tokens", "temperature", "top_p", "repetition_penalty", "seed", "stop")


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def entry_key(model_fingerprint: str, request: Any, params: Any) -> str:
    """The cache key of one generation: same model, same request, same settings → same key."""
    settings = {name: getattr(params, name) for name in KEY_SETTINGS}
    settings["stop"] = list(settings["stop"])
    return _digest({"model": model_fingerprint, "request": request, "settings": settings})


def _checksum(key: str, generation: dict) -> str:
    return _digest({"key": key, "generation": generation})


class ChecksummedJsonl:
    """key → record, one checksummed JSONL line each; bad lines are dropped and the file rewritten."""

    def __init__(self, path: str | Path, required: tuple[str, ...] = ()):
        self.path = Path(path)
        self.required = required
        self.entries: dict[str, dict] = {}
        self.corrupt = 0
        self._load()

    def _valid(self, entry: Any) -> bool:
        return (
            isinstance(entry, dict)
            and isinstance(entry.get("key"), str)
            and isinstance(entry.get("record"), dict)
            and set(self.required) <= set(entry["record"])
            and entry.get("sha256") == _checksum(entry["key"], entry["record"])
        )

    def _load(self) -> None:
        if not self.path.exists():
            return
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                entry = None
            if self._valid(entry):
                self.entries[entry["key"]] = entry["record"]
            else:
                self.corrupt += 1
        if self.corrupt:
            log.warning("%s: %d corrupt cache line(s) dropped; they will be computed again", self.path, self.corrupt)
            write_jsonl(self.path, (self._line(k, r) for k, r in self.entries.items()))

    @staticmethod
    def _line(key: str, record: dict) -> dict:
        return {"key": key, "record": record, "sha256": _checksum(key, record)}

    def get(self, key: str) -> dict | None:
        return self.entries.get(key)

    def put(self, key: str, record: dict) -> dict:
        """Store ``record`` durably (appended and fsynced) and return it."""
        append_jsonl(self.path, self._line(key, record))
        self.entries[key] = record
        return record


class GenerationCache(ChecksummedJsonl):
    """Generations of one model, in ``directory/<fingerprint>.jsonl``."""

    def __init__(self, directory: str | Path, model_fingerprint: str):
        self.fingerprint = model_fingerprint
        super().__init__(Path(directory) / f"{model_fingerprint}.jsonl", GENERATION_FIELDS)

    def key(self, request: Any, params: Any) -> str:
        return entry_key(self.fingerprint, request, params)

    def put(self, key: str, generation: Any) -> dict:
        """Store a ``Generation`` (or its dict)."""
        record = dataclasses.asdict(generation) if dataclasses.is_dataclass(generation) else dict(generation)
        return super().put(key, {name: record[name] for name in GENERATION_FIELDS})


def memoized(store: ChecksummedJsonl | None, items: list[Any], compute: Callable[[list[Any]], list[dict]],
             keep: Callable[[dict], bool] = lambda record: True) -> list[dict]:
    """``compute(items)``, reusing results ``store`` holds (keyed by each item's JSON digest) and
    storing new ones that ``keep`` accepts; without a store, everything is computed."""
    if store is None:
        return compute(items) if items else []
    keys = [_digest(item) for item in items]
    todo = {k: item for k, item in zip(keys, items) if store.get(k) is None}
    fresh = dict(zip(todo, compute(list(todo.values())))) if todo else {}
    for key, record in fresh.items():
        if keep(record):
            store.put(key, record)
    return [store.get(k) or fresh[k] for k in keys]
