"""``<stage folder>/manifest.json``: what a recipe stage was made from, and whether it is current.

The manifest holds the hash of the stage's config (as the recipe wrote it, links unresolved, the
fields that do not change the output left out), the hash of each input (a file's content; a
model folder's ``summary.json``, else its files' fingerprint; a model name or hub id as given),
the versions of exante, torch, transformers and trl, and the wall time. It is written when the
stage starts and again when it finishes, so a rerun can tell three cases apart: the same config
and inputs, finished (skip); the same, not finished (resume); anything else (start over).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from exante.errors import ExanteError
from exante.io import atomic_write_json
from exante.pipeline.links import Chain
from exante.pipeline.registry import stage_type

PACKAGES = ("exante", "torch", "transformers", "trl")
MANIFEST = "manifest.json"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def config_view(chain: Chain, stage: str) -> dict[str, Any]:
    """The fields that decide the stage's output, links as written in the recipe."""
    spec = chain.recipe.stage(stage)
    skip = stage_type(spec.type).run_only_fields(spec.type)
    values = dataclasses.asdict(chain.configs[stage]) | chain.written[stage]
    return {k: v for k, v in values.items() if k not in skip}


def config_hash(view: dict[str, Any]) -> str:
    return digest(_canonical(view).encode())


def input_hash(value: str) -> str:
    """A file's content; a folder's summary.json (a finished model's), else its files' fingerprint; else the name."""
    from exante.eval.fingerprint import directory_fingerprint

    path = Path(value).expanduser()
    if path.is_file():
        return digest(path.read_bytes())
    if path.is_dir():
        summary = path / "summary.json"
        return digest(summary.read_bytes()) if summary.is_file() else directory_fingerprint(path)
    return f"name:{value}"


def input_hashes(chain: Chain, stage: str) -> dict[str, Any]:
    """field → hash (a list for a list of models, nested like the value) of every file or model the stage reads."""
    spec = chain.recipe.stage(stage)
    kind = stage_type(spec.type)
    config = chain.configs[stage]
    names = [*kind.file_inputs, *kind.model_inputs, *sorted(chain.linked_fields(stage))]
    hashes = {}
    for name in dict.fromkeys(names):
        value = getattr(config, name, None)
        if isinstance(value, (str, list, dict)) and value:
            hashes[name] = _hashed(value)
    return hashes


def _hashed(value: Any) -> Any:
    """Every string of a value hashed as an input (a list of models, pairs' ``include`` entries); the rest as is."""
    if isinstance(value, str):
        return input_hash(value) if value else value
    if isinstance(value, list):
        return [_hashed(v) for v in value]
    if isinstance(value, dict):
        return {k: _hashed(v) for k, v in value.items()}
    return value


def versions() -> dict[str, str | None]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def read_manifest(folder: Path) -> dict | None:
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ExanteError(f"{path}: not valid JSON ({exc.msg}); delete {folder} to run the stage again") from None


def new_manifest(chain: Chain, stage: str, earlier: dict | None, resume: bool) -> dict:
    spec, view = chain.recipe.stage(stage), config_view(chain, stage)
    return {"stage": stage, "type": spec.type, "recipe": str(chain.recipe.file), "config_hash": config_hash(view),
            "inputs": input_hashes(chain, stage), "config": view, "versions": versions(),
            "started": now(), "finished": None,
            "seconds": (earlier or {}).get("seconds", 0.0) if resume else 0.0,  # a resumed run adds its sessions
            "sessions": (earlier or {}).get("sessions", 0) + 1 if resume else 1}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_manifest(folder: Path, manifest: dict) -> None:
    atomic_write_json(folder / MANIFEST, manifest)


@dataclass(frozen=True)
class State:
    action: str  # skip | resume | run | redo; in a plan also "after" (decided when its inputs are written)
    why: str


def _defaults(cls: type) -> dict[str, Any]:
    return {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
            for f in dataclasses.fields(cls)
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def changes(earlier: dict, chain: Chain, stage: str) -> list[str]:
    """What differs from the manifest: config fields by name, inputs as ``input <field>``."""
    view, inputs = config_view(chain, stage), input_hashes(chain, stage)
    made = earlier.get("config", {})
    # a field the config class gained since (a newer exante) is no change while it keeps its default
    made = {**_defaults(type(chain.configs[stage])), **made}
    changed = sorted(k for k in view if _canonical(view[k]) != _canonical(made.get(k)))
    made_inputs = earlier.get("inputs", {})
    changed += [f"input {k}" for k in sorted(inputs.keys() | made_inputs.keys()) if inputs.get(k) != made_inputs.get(k)]
    return changed


def stage_state(chain: Chain, stage: str) -> State:
    folder = chain.out_dir(stage)
    earlier = read_manifest(folder)
    if earlier is None:
        if folder.exists() and any(folder.iterdir()):
            raise ExanteError(f"{folder}: holds files that exante run did not make (no {MANIFEST}); delete it or "
                              f"choose another --out")
        return State("run", f"starting, output to {folder}")
    kind = stage_type(chain.recipe.stage(stage).type)
    changed = changes(earlier, chain, stage)
    if set(changed) - kind.continues:
        return State("redo", f"starting over in {folder}: changed since its last run: {', '.join(changed)}")
    if changed:
        return State("resume", f"continuing in {folder}: changed {', '.join(changed)}")
    if earlier.get("finished") and (folder / kind.done_file).exists():
        return State("skip", f"finished {earlier['finished']}, nothing changed")
    return State("resume", f"resuming in {folder} (same config and inputs, not finished)")
