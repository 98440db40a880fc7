"""A recipe's stage configs, with its links resolved, and the check that the stages chain.

A link is ``${stage.field}`` — the value of a field of an earlier stage's config, usually its
output folder (``${sft.output_dir}``, ``${synth.out}/sft.jsonl``) — or ``${model}`` (the base
model) or ``${out}`` (the run folder). A value that is one link takes the linked value as it is
(a list stays a list); inside a longer string the link is replaced by its text. Every stage
writes to ``<out>/<stage name>``, set here, so two stages never share a folder.

Before any work every stage is loaded and every problem is named at once, with the recipe file,
the stage and the field: an unknown field, a link to an unknown or later stage or field, a link
to a file the linked stage does not write, an input the recipe leaves to the YAML's default
path, an input file that does not exist and that no stage writes.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exante.config import load_config
from exante.errors import ExanteError
from exante.pipeline.recipe import Recipe, StageSpec
from exante.pipeline.registry import StageType, stage_type

LINK = re.compile(r"\$\{([^}]*)\}")
LINK_EXAMPLES = {False: "${synth.out}/sft.jsonl", True: "${sft.output_dir}"}  # for a file input, a model input


@dataclass
class Chain:
    """The loaded stages: configs, the earlier stages each one reads, and its fields as the recipe wrote
    them (links unresolved: what identifies the stage's work wherever the run folder is)."""

    recipe: Recipe
    configs: dict[str, Any] = field(default_factory=dict)
    reads: dict[str, set[str]] = field(default_factory=dict)
    written: dict[str, dict[str, Any]] = field(default_factory=dict)

    def out_dir(self, stage: str) -> Path:
        return Path(getattr(self.configs[stage], self.recipe.stage(stage).output_field()))

    def linked_fields(self, stage: str) -> set[str]:
        return {k for k, v in self.written[stage].items() if links_in(v)}

    def dependents(self, stage: str) -> list[str]:
        """The stages that read ``stage``'s output, directly or through others, in run order."""
        found: list[str] = []
        for name in self.recipe.names():
            if self.reads.get(name, set()) & {stage, *found}:
                found.append(name)
        return found


def links_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return LINK.findall(value)
    if isinstance(value, list):
        return [link for item in value for link in links_in(item)]
    if isinstance(value, dict):
        return [link for item in value.values() for link in links_in(item)]
    return []


class _Resolver:
    """Resolves the links of one stage's values against the stages before it, noting every problem."""

    def __init__(self, chain: Chain, spec: StageSpec, problems: list[str], unavailable: set[str]):
        self.chain, self.spec, self.problems, self.unavailable = chain, spec, problems, unavailable
        self.before = chain.recipe.names()[:chain.recipe.names().index(spec.name)]

    def value(self, value: Any, origin: str) -> Any:
        if isinstance(value, list):
            return [self.value(v, origin) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v, origin) for k, v in value.items()}
        if not isinstance(value, str) or not LINK.search(value):
            return value
        whole = LINK.fullmatch(value)
        if whole:
            return self.target(whole.group(1), "", origin)
        return LINK.sub(lambda m: str(self.target(m.group(1), value[m.end():], origin)), value)

    def target(self, link: str, after: str, origin: str) -> Any:
        recipe = self.chain.recipe
        if link in ("model", "out"):
            return recipe.model if link == "model" else recipe.out
        stage, dot, name = link.partition(".")
        text = "${" + link + "}"
        if not dot or stage not in recipe.names():
            self.problems.append(f"{origin}: link {text} names no stage of {recipe.file} (links: ${{model}}, ${{out}}, "
                                 f"${{stage.field}} of the stages {', '.join(recipe.names())})")
        elif stage not in self.before:
            self.problems.append(f"{origin}: link {text} names stage {stage!r}, which runs "
                                 f"{'as' if stage == self.spec.name else 'after'} {self.spec.name!r}; "
                                 "a stage reads only the stages before it")
        elif stage in self.unavailable:
            pass  # its own problem is named already
        elif not hasattr(self.chain.configs[stage], name):
            known = ", ".join(f.name for f in dataclasses.fields(self.chain.configs[stage]))
            self.problems.append(f"{origin}: link {text}: stage {stage!r} has no field {name!r} (known: {known})")
        else:
            self.chain.reads[self.spec.name].add(stage)
            self.check_output(stage, name, after, text, origin)
            return copy.deepcopy(getattr(self.chain.configs[stage], name))  # a list is not shared by two configs
        return text

    def check_output(self, stage: str, name: str, after: str, text: str, origin: str) -> None:
        linked = self.chain.recipe.stage(stage)
        kind = stage_type(linked.type)
        if name != kind.output_field:
            return
        file = re.match(r"[^\s$,]*", after).group(0).strip("/")
        if file not in kind.writes:
            wrote = ", ".join(f"{text}/{w}" if w else f"{text} (the model)" for w in kind.writes)
            self.problems.append(f"{origin}: {text}{'/' + file if file else ''} is not an output of stage {stage!r} "
                                 f"(type {linked.type} writes {wrote})")


def _set_values(spec: StageSpec, kind: StageType, cls: type, where: str, problems: list[str]) -> dict:
    names = {f.name for f in dataclasses.fields(cls)}
    values = {}
    for name, override in spec.overrides.items():
        if name not in names:
            problems.append(f"{override.origin}: unknown field {name!r} for {cls.__name__} "
                            f"(known: {', '.join(sorted(names))})")
        elif name == kind.output_field:
            problems.append(f"{override.origin}: the output folder is set by exante run (<out>/{spec.name}); "
                            f"leave {name!r} out")
        else:
            values[name] = override
    problems += [f"{where}: input field {name!r} is not set: give it in the stage's set (a link to an earlier "
                 f"stage's output such as {LINK_EXAMPLES[name in kind.model_inputs]}, or a path) rather than leave "
                 "it to the YAML's default" for name in kind.required if name in names and name not in values]
    return values


def _load_stage(chain: Chain, spec: StageSpec, problems: list[str], unavailable: set[str]) -> None:
    recipe, where = chain.recipe, chain.recipe.where(spec.name)
    kind = stage_type(spec.type)
    try:
        cls = kind.config_class(spec.type)
    except ExanteError as exc:
        problems.append(f"{where}: {exc}")
        unavailable.add(spec.name)
        return
    chain.reads[spec.name] = set()
    overrides = _set_values(spec, kind, cls, where, problems)
    resolver = _Resolver(chain, spec, problems, unavailable)
    values = {name: resolver.value(o.value, o.origin) for name, o in overrides.items()}
    values[kind.output_field] = str(Path(recipe.out) / spec.name)
    try:
        chain.configs[spec.name] = load_config(cls, spec.config, values)
    except ExanteError as exc:
        named = [o.origin for name, o in overrides.items() if f"'{name}'" in str(exc)]
        message = str(exc).removeprefix("command line: ")  # the value came from the recipe: say where
        problems.append(f"{where}: {message}" + (f" (set at {named[0]})" if named else ""))
        unavailable.add(spec.name)
        return
    chain.written[spec.name] = {name: o.value for name, o in overrides.items()}
    _check_input_files(chain, spec, kind, where, problems)


def _check_input_files(chain: Chain, spec: StageSpec, kind: StageType, where: str, problems: list[str]) -> None:
    config, linked = chain.configs[spec.name], chain.linked_fields(spec.name)
    for name in kind.file_inputs:
        value = getattr(config, name, None)
        if value and name not in linked and not Path(value).exists():
            problems.append(f"{where}: field {name!r} is {value!r}, which does not exist and which no stage of "
                            f"{chain.recipe.file} writes")


def load_chain(recipe: Recipe) -> Chain:
    """Every stage's config with its links resolved; one ExanteError naming every problem, before any work."""
    chain, problems, unavailable = Chain(recipe), [], set()
    for spec in recipe.stages:
        _load_stage(chain, spec, problems, unavailable)
    if problems:
        head = "the stages do not chain: " if len(problems) > 1 else ""
        raise ExanteError(head + "; ".join(problems))
    return chain
