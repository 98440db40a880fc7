"""Your own prompts: local JSONL / CSV / Parquet files or a Hugging Face dataset, with a field mapping.

``--map prompt=question,category=type --kind harmful`` reads the ``question`` column as the prompt
and ``type`` as the category. Mappable record fields: prompt (required), category, kind, attack;
a column with the field's own name is read without a mapping.
A harmful/jailbreak category that is not a hazard area is kept in ``meta.source_category`` and
the area inferred from the text, as for the built-in sources.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from exante.data.categories import infer_area
from exante.data.records import make_record
from exante.errors import ExanteError
from exante.io import read_jsonl
from exante.reasoning.validate import KINDS
from exante.rules.schema import HAZARD_AREAS

MAPPABLE = ("prompt", "category", "kind", "attack")
SUFFIXES = (".jsonl", ".csv", ".parquet")
HF_PREFIX = "hf:"


def parse_mapping(text: str | None) -> dict[str, str]:
    """``"prompt=question,category=type"`` → ``{"prompt": "question", "category": "type"}``."""
    mapping = {"prompt": "prompt"}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        field, sep, column = item.partition("=")
        if not sep or not column.strip() or field.strip() not in MAPPABLE:
            raise ExanteError(f"--map: {item!r} should be FIELD=COLUMN with FIELD one of {', '.join(MAPPABLE)}")
        mapping[field.strip()] = column.strip()
    return mapping


def is_user_spec(spec: str) -> bool:
    return spec.startswith(HF_PREFIX) or spec.lower().endswith(SUFFIXES)


@dataclass(frozen=True)
class UserSource:
    spec: str  # a file path or hf:ORG/NAME[:split]
    mapping: tuple[tuple[str, str], ...] = (("prompt", "prompt"),)
    kind: str | None = None

    @classmethod
    def parse(cls, spec: str, mapping: str | None = None, kind: str | None = None) -> "UserSource":
        if kind is not None and kind not in KINDS:
            raise ExanteError(f"--kind: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        return cls(spec, tuple(sorted(parse_mapping(mapping).items())), kind)

    @property
    def name(self) -> str:
        return self.spec if self.spec.startswith(HF_PREFIX) else f"file:{Path(self.spec).stem}"

    def load(self) -> list[dict]:
        return [self._record(row, where) for row, where in self._rows()]

    def _rows(self) -> Iterator[tuple[dict, str]]:
        if self.spec.startswith(HF_PREFIX):
            yield from _hf_rows(self.spec)
            return
        path = Path(self.spec)
        if not path.exists():
            raise ExanteError(f"{path}: file not found")
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            yield from _jsonl_rows(path)
        elif suffix == ".csv":
            yield from _csv_rows(path)
        elif suffix == ".parquet":
            yield from _parquet_rows(path)
        else:
            raise ExanteError(f"{path}: unsupported file type; expected one of {', '.join(SUFFIXES)}")

    def _record(self, row: dict, where: str) -> dict:
        mapping = dict(self.mapping)
        # a column already named like a record field needs no --map
        mapping.update({f: f for f in MAPPABLE if f not in mapping and f in row})
        values = {}
        for field, column in mapping.items():
            if column not in row:
                raise ExanteError(f"{where}: field {column!r} (mapped to {field}) missing; "
                                  f"fields present: {', '.join(map(str, row)) or 'none'}")
            values[field] = row[column]
        prompt = values["prompt"]
        if not isinstance(prompt, str) or not prompt.strip():
            raise ExanteError(f"{where}: field {mapping['prompt']!r} must be a non-empty string, got {prompt!r}")
        kind = values.get("kind", self.kind)
        if kind not in KINDS:
            hint = "pass --kind or map a kind column" if kind is None else f"expected one of {', '.join(KINDS)}"
            raise ExanteError(f"{where}: unknown kind {kind!r}; {hint}")
        meta: dict[str, Any] = {"from": where, "source_category": values.get("category"), "category_from": "source"}
        category = values.get("category") or ""
        if kind in ("harmful", "jailbreak") and category not in HAZARD_AREAS:
            category, meta["category_from"] = infer_area(prompt)
        attack = (values.get("attack") or "user") if kind == "jailbreak" else None
        return make_record(self.name, prompt, kind, str(category or "user"), attack=attack, meta=meta)


def _jsonl_rows(path: Path) -> Iterator[tuple[dict, str]]:
    with open(path, encoding="utf-8") as fh:
        numbered = [n for n, line in enumerate(fh, start=1) if line.strip()]
    for lineno, row in zip(numbered, read_jsonl(path)):  # read_jsonl names file:line on bad JSON
        yield row, f"{path}:{lineno}"


def _csv_rows(path: Path) -> Iterator[tuple[dict, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        try:
            for row in reader:
                if None in row:
                    raise ExanteError(f"{path}:{reader.line_num}: more values than header columns")
                yield row, f"{path}:{reader.line_num}"
        except csv.Error as exc:
            raise ExanteError(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None


def _parquet_rows(path: Path) -> Iterator[tuple[dict, str]]:
    import pyarrow.parquet as pq  # installed with `datasets`

    try:
        rows = pq.read_table(path).to_pylist()
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise ExanteError(f"{path}: not a readable Parquet file ({exc})") from None
    for i, row in enumerate(rows, start=1):
        yield row, f"{path}:row {i}"


def _hf_rows(spec: str) -> Iterator[tuple[dict, str]]:
    name, _, split = spec[len(HF_PREFIX):].partition(":")
    if not name:
        raise ExanteError(f"{spec}: expected hf:ORG/NAME[:split]")
    from datasets import load_dataset

    try:
        dataset = load_dataset(name, split=split or "train")
    except Exception as exc:  # offline, unknown name, gated, bad split: all are the user's to fix
        raise ExanteError(
            f"{spec}: could not load the dataset from the Hugging Face hub ({type(exc).__name__}: {exc}); "
            "offline? export it to a local JSONL/CSV/Parquet file and pass that path instead"
        ) from None
    for i, row in enumerate(dataset, start=1):
        yield row, f"{spec}:row {i}"
