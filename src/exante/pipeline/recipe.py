"""A recipe: a named list of stages (type, config YAML, fields set), read from ``recipes/<name>.yaml``.

```yaml
description: SFT on Ex-Ante traces, then multi-objective DPO
model: smollm2-135m-instruct          # the base model (--model replaces it)
out: runs/erpo                        # the run folder (--out replaces it); stage S writes <out>/S
stages:
  - {name: synth, type: synth, config: configs/synth.yaml}
  - name: sft
    type: sft
    config: configs/sft.yaml
    set: {model: "${model}", train_file: "${synth.out}/sft.jsonl"}
```

A variant names another recipe in ``extends`` and changes fields with ``set: {stage: {field:
value}}`` (the `-quick` recipes); ``exante run --set stage.field=value`` does the same from the
command line. A recipe that extends another and has ``stages`` runs them after the other's (an
experiment that goes on from another one's outputs, in the same run folder). Values may hold links (``${stage.field}``, ``${model}``, ``${out}``; links.py).
Every mistake is named with the recipe file, the stage and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from exante.config import field as cfg_field
from exante.errors import ExanteError
from exante.pipeline.registry import stage_type

RECIPE_KEYS = ("description", "extends", "model", "out", "stages", "set")
STAGE_KEYS = ("name", "type", "config", "set")
NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
RESERVED = ("model", "out")  # link names that are not stages


@dataclass(frozen=True)
class Override:
    value: Any
    origin: str  # where it was set, as the user would edit it


@dataclass
class StageSpec:
    name: str
    type: str
    config: str | None  # the stage's YAML; None: the config class's defaults
    overrides: dict[str, Override] = field(default_factory=dict)

    def output_field(self) -> str:
        return stage_type(self.type).output_field


@dataclass
class Recipe:
    file: Path
    name: str
    description: str
    model: str
    out: str
    stages: list[StageSpec]

    def where(self, stage: str) -> str:
        return f"{self.file}: stage {stage!r}"

    def stage(self, name: str) -> StageSpec:
        return next(s for s in self.stages if s.name == name)

    def names(self) -> list[str]:
        return [s.name for s in self.stages]


def recipe_file(name: str) -> Path:
    """A recipe's file: the path itself, or ``recipes/<name>.yaml`` (from the current directory)."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise ExanteError(f"{path}: recipe file not found")
        return path
    path = Path("recipes") / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.relative_to("recipes").with_suffix("").as_posix() for p in Path("recipes").rglob("*.yaml"))
        raise ExanteError(f"unknown recipe {name!r}: no {path}" + (f" (recipes: {', '.join(known)})" if known else ""))
    return path


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ExanteError(f"{path}{f':{mark.line + 1}' if mark else ''}: not valid YAML "
                          f"({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise ExanteError(f"{path}: expected a mapping with keys {', '.join(RECIPE_KEYS)}")
    unknown = [k for k in data if k not in RECIPE_KEYS]
    if unknown:
        raise ExanteError(f"{path}: unknown key {unknown[0]!r}; expected some of {', '.join(RECIPE_KEYS)}")
    for key in ("description", "extends", "model", "out"):
        if key in data and not isinstance(data[key], str):
            raise ExanteError(f"{path}: field {key!r} expects a string, got {data[key]!r}")
    return data


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ExanteError(f"{where} expects a mapping of field names to values, got {value!r}")
    return value


def _stage(entry: Any, path: Path, index: int) -> StageSpec:
    where = f"{path}: stages[{index}]"
    if not isinstance(entry, dict):
        raise ExanteError(f"{where}: expected a mapping with keys {', '.join(STAGE_KEYS)}, got {entry!r}")
    unknown = [k for k in entry if k not in STAGE_KEYS]
    name = entry.get("name")
    if not isinstance(name, str) or not NAME.match(name) or name in RESERVED:
        raise ExanteError(f"{where}: field 'name' must be a lower-case name (letters, digits, - and _) other than "
                          f"{' and '.join(RESERVED)}, got {name!r}")
    where = f"{path}: stage {name!r}"
    if unknown:
        raise ExanteError(f"{where}: unknown key {unknown[0]!r}; expected some of {', '.join(STAGE_KEYS)}")
    kind = entry.get("type")
    stage_type(kind, f"{where}: field 'type': ")
    config = entry.get("config")
    if config is not None and not isinstance(config, str):
        raise ExanteError(f"{where}: field 'config' expects the path of the stage's YAML, got {config!r}")
    values = _mapping(entry.get("set", {}), f"{where}: field 'set'")
    overrides = {k: Override(v, f"{where}: set.{k}") for k, v in values.items()}
    return StageSpec(name, kind, config, overrides)


Sets = dict[str, dict[str, Override]]  # stage → field → value


def _merge(data: dict, path: Path, seen: tuple[Path, ...]) -> tuple[dict, list[StageSpec], Sets]:
    """(fields, stages, set) of a recipe after its ``extends`` chain: the child's keys replace the parent's,
    its ``stages`` come after the parent's, its ``set`` adds to the parent's."""
    fields, stages, sets = {}, [], {}
    if "extends" in data:
        parent = Path(data["extends"])
        parent = path.parent / (parent if parent.suffix in (".yaml", ".yml") else f"{parent}.yaml")
        if parent.resolve() in seen:
            raise ExanteError(f"{path}: field 'extends': {parent} extends {path} again (a cycle)")
        if not parent.is_file():
            raise ExanteError(f"{path}: field 'extends': recipe {parent} not found")
        fields, stages, sets = _merge(_read(parent), parent, (*seen, parent.resolve()))
    fields |= {k: data[k] for k in ("description", "model", "out") if k in data}
    if "stages" in data:
        if not isinstance(data["stages"], list) or not data["stages"]:
            raise ExanteError(f"{path}: field 'stages' expects a list of stages, got {data['stages']!r}")
        stages = stages + [_stage(entry, path, i) for i, entry in enumerate(data["stages"])]
    for stage, values in _mapping(data.get("set", {}), f"{path}: field 'set'").items():
        for name, value in _mapping(values, f"{path}: set.{stage}").items():
            sets.setdefault(stage, {})[name] = Override(value, f"{path}: set.{stage}.{name}")
    return fields, stages, sets


def parse_set(text: str) -> tuple[str, str, Any]:
    """``stage.field=value`` (value read as YAML: numbers, lists, mappings) → (stage, field, value)."""
    target, sep, value = text.partition("=")
    stage, dot, name = target.partition(".")
    if not sep or not dot or not stage or not name:
        raise ExanteError(f"--set {text!r}: expected stage.field=value, e.g. sft.max_steps=10")
    try:
        return stage, name, yaml.safe_load(value)
    except yaml.YAMLError:
        raise ExanteError(f"--set {text!r}: the value is not valid YAML") from None


def load_recipe(name: str, model: str | None = None, out: str | None = None, sets: list[str] = ()) -> Recipe:
    """The recipe ``name`` with the command line's ``--model``, ``--out`` and ``--set`` applied."""
    from exante.models.builtin import DEFAULT_MODEL

    path = recipe_file(name)
    fields, stages, recipe_sets = _merge(_read(path), path, (path.resolve(),))
    if not stages:
        raise ExanteError(f"{path}: no stages (field 'stages', or a recipe named in 'extends' that has them)")
    names = [s.name for s in stages]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise ExanteError(f"{path}: stage name {doubled[0]!r} is used twice; each stage needs its own name")
    for text in sets:
        stage, key, value = parse_set(text)
        recipe_sets.setdefault(stage, {})[key] = Override(value, f"--set {text}")
    by_name = {s.name: s for s in stages}
    for stage, values in recipe_sets.items():
        if stage not in by_name:
            origin = next(iter(values.values())).origin
            raise ExanteError(f"{origin}: {path} has no stage {stage!r} (stages: {', '.join(names)})")
        by_name[stage].overrides |= values
    return Recipe(path, path.stem, fields.get("description", ""), model or fields.get("model", DEFAULT_MODEL),
                  out or fields.get("out", f"runs/{path.stem}"), stages)


@dataclass
class RunConfig:
    """``exante run RECIPE``: which recipe, on which model, into which folder, which stages."""

    recipe: str = cfg_field("", help="recipe name (recipes/<name>.yaml) or a recipe YAML file")
    model: str | None = cfg_field(None, help="base model (built-in name, checkpoint dir or hub id); null: the recipe's")
    out: str | None = cfg_field(None, help="run folder, stage S writes <out>/S; null: the recipe's (runs/<recipe>)")
    from_stage: str | None = cfg_field(None, flag="--from", help="first stage to run; the stages before it must "
                                       "be finished")
    until: str | None = cfg_field(None, help="last stage to run")
    sets: list[str] = cfg_field([], flag="--set", help="stage.field=value (value as YAML) on top of the recipe, "
                                "e.g. --set sft.max_steps=10 eval.limit=8")

    def __post_init__(self) -> None:
        if not self.recipe:
            raise ExanteError("RunConfig: field 'recipe' is empty: name a recipe, e.g. exante run erpo-quick")
