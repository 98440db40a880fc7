"""The run journal: one JSONL line per finished prompt, appended as it finishes, so runs resume.

``<out>/work/journal.jsonl`` holds the outcome of every prompt processed so far (the last line
for an id wins); ``<out>/work/run.json`` the config fingerprint it was made with. A resumed run
skips ids whose outcome is final and retries retryable failures (network errors). A run whose
config would make different records refuses to resume unless told to start over.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

from exante.errors import ExanteError
from exante.io import append_jsonl, atomic_write_json, drop_torn_tail, read_jsonl
from exante.synth.config import SynthConfig


class Journal:
    def __init__(self, out: Path, config: SynthConfig):
        self.dir = out / "work"
        self.path = self.dir / "journal.jsonl"
        self._check_run(config)
        self.entries: dict[str, dict] = {}
        if self.path.exists():
            for entry in read_jsonl(self.path, tolerate_torn_tail=True):
                self.entries[entry["id"]] = entry
            drop_torn_tail(self.path)

    def _check_run(self, config: SynthConfig) -> None:
        run_file = self.dir / "run.json"
        current = {"fingerprint": config.fingerprint(), "config": dataclasses.asdict(config)}
        if run_file.exists():
            earlier = json.loads(run_file.read_text(encoding="utf-8"))
            if earlier.get("fingerprint") != current["fingerprint"]:
                if not config.overwrite:
                    changed = sorted(k for k, v in current["config"].items() if earlier.get("config", {}).get(k) != v)
                    raise ExanteError(
                        f"{self.dir.parent}: holds a synth run made with a different config (changed: "
                        f"{', '.join(changed) or 'unknown'}); pass --overwrite true to start over, "
                        "or choose another --out")
                shutil.rmtree(self.dir)
        atomic_write_json(run_file, current)

    def done(self, record_id: str) -> bool:
        entry = self.entries.get(record_id)
        return entry is not None and not entry.get("retryable", False)

    def append(self, entry: dict) -> None:
        append_jsonl(self.path, entry)
        self.entries[entry["id"]] = entry
