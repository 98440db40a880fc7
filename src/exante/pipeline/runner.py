"""``run_recipe(RunConfig(...))``: a recipe's stages in order, each skipped, resumed or redone by its manifest.

Before any work: the recipe is loaded, every stage config built and every link checked
(links.py), the range ``--from``/``--until`` chosen, and the plan made. A stage whose config and
inputs are those of its manifest is skipped when finished and resumed when not; one where
anything changed starts over in an emptied folder (its folder is the run's own: ``<out>/<stage>``);
a stage reading one that will be rewritten waits for it and decides then, by the new inputs'
hashes. Afterwards ``<out>/run.md`` (also returned) and ``<out>/run.json`` sum the run up.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import time

from exante.errors import ExanteError
from exante.pipeline.links import Chain, load_chain
from exante.pipeline.manifest import State, new_manifest, now, read_manifest, stage_state, write_manifest
from exante.pipeline.recipe import Recipe, RunConfig, load_recipe
from exante.pipeline.registry import stage_type

log = logging.getLogger(__name__)


def selected_stages(recipe: Recipe, first: str | None, last: str | None) -> list[str]:
    names = recipe.names()
    for flag, name in (("--from", first), ("--until", last)):
        if name is not None and name not in names:
            raise ExanteError(f"{flag} {name}: {recipe.file} has no stage {name!r} (stages: {', '.join(names)})")
    start = names.index(first) if first else 0
    end = names.index(last) + 1 if last else len(names)
    if start >= end:
        raise ExanteError(f"--from {first} --until {last}: {first} runs after {last} in {recipe.file}")
    return names[start:end]


def is_finished(chain: Chain, stage: str) -> bool:
    folder = chain.out_dir(stage)
    manifest = read_manifest(folder) or {}
    return bool(manifest.get("finished")) and (folder / stage_type(chain.recipe.stage(stage).type).done_file).exists()


def check_outside(chain: Chain, selected: list[str]) -> None:
    """The stages before the range that a selected stage reads must be finished (they are not run)."""
    for stage in selected:
        for read in sorted(chain.reads[stage] - set(selected), key=chain.recipe.names().index):
            if not is_finished(chain, read):
                raise ExanteError(f"{stage} reads the output of {read} ({chain.out_dir(read)}), which is not "
                                  f"finished: run from {read} (--from {read})")
            state = stage_state(chain, read)
            if state.action != "skip":
                log.warning("%s: kept as it is although it is out of date (%s): it is outside --from/--until",
                            read, state.why)


def plan(chain: Chain, selected: list[str]) -> dict[str, State]:
    """stage → what will happen to it, as far as it can be known before any work."""
    pending: list[str] = []
    steps = {}
    for stage in selected:
        rebuilt = [s for s in pending if s in chain.reads[stage]]
        steps[stage] = State("after", f"decided after {', '.join(rebuilt)}") if rebuilt else stage_state(chain, stage)
        if steps[stage].action != "skip":
            pending.append(stage)
    return steps


def run_stage(chain: Chain, stage: str, resume: bool) -> None:
    """The stage's own entry point with its config, as its command runs it."""
    spec, config = chain.recipe.stage(stage), chain.configs[stage]
    if resume and any(f.name == "resume" for f in dataclasses.fields(config)):
        config = dataclasses.replace(config, resume=True)  # continue from its last checkpoint
    stage_type(spec.type).run_function(spec.type)(config)


def timed_stage(chain: Chain, stage: str, state: State) -> None:
    """Run one stage between two writes of its manifest; the time of an interrupted session is kept."""
    folder = chain.out_dir(stage)
    if state.action == "redo":
        log.warning("%s: removing %s, made from another config or other inputs", stage, folder)
        shutil.rmtree(folder)
    resume = state.action == "resume"
    manifest = new_manifest(chain, stage, read_manifest(folder), resume)
    write_manifest(folder, manifest)
    start = time.perf_counter()
    try:
        run_stage(chain, stage, resume)
        manifest["finished"] = now()
    finally:
        manifest["seconds"] = round(manifest["seconds"] + time.perf_counter() - start, 1)
        write_manifest(folder, manifest)


def run_recipe(config: RunConfig) -> str:
    """Run (or continue) a recipe; returns the text of ``<out>/run.md``."""
    from exante.pipeline.recipe_summary import write_summary

    recipe = load_recipe(config.recipe, config.model, config.out, config.sets)
    chain = load_chain(recipe)
    selected = selected_stages(recipe, config.from_stage, config.until)
    check_outside(chain, selected)
    steps = plan(chain, selected)
    log.info("%s plan: %s", recipe.name, ", ".join(f"{s} {state.action}" for s, state in steps.items()))
    done: dict[str, str] = {}
    for stage in selected:
        state = stage_state(chain, stage)
        if state.action == "skip":
            log.info("%s: skipped, %s", stage, state.why)
        else:
            log.info("%s: %s", stage, state.why)
            timed_stage(chain, stage, state)
        done[stage] = {"skip": "skipped", "resume": "resumed", "redo": "redone"}.get(state.action, "ran")
    return write_summary(chain, done)

