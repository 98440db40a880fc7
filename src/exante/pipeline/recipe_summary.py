"""``<out>/run.md`` and ``<out>/run.json``: what a recipe run made, what it took, how to run it again.

run.md shows each eval stage's headline table (summary.py, shared with ``exante compare``), the
stages with what this run did and their wall time (from their manifests), and the command.
run.json is what ``exante compare`` reads to find a run's eval report and its wall times.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from exante.eval.report import markdown_table
from exante.io import atomic_write_json, atomic_write_text
from exante.pipeline.links import Chain
from exante.pipeline.manifest import now, read_manifest
from exante.pipeline.summary import duration, report_section


def model_roles(chain: Chain) -> dict[str, str]:
    """model spec → the stage that wrote it, or ``base`` for the recipe's model."""
    roles = {str(chain.out_dir(s)): s for s in chain.recipe.names()}
    return {chain.recipe.model: "base", **roles}


def stage_rows(chain: Chain, done: dict[str, str]) -> list[dict]:
    rows = []
    for stage in chain.recipe.names():
        manifest = read_manifest(chain.out_dir(stage)) or {}
        rows.append({"name": stage, "type": chain.recipe.stage(stage).type, "folder": str(chain.out_dir(stage)),
                     "last_run": done.get(stage, "not selected"), "seconds": manifest.get("seconds"),
                     "finished": manifest.get("finished")})
    return rows


def command(chain: Chain) -> str:
    recipe = chain.recipe
    sets = [o.origin.removeprefix("--set ") for s in recipe.stages for o in s.overrides.values()
            if o.origin.startswith("--set ")]
    words = ["exante", "run", str(recipe.file), "--model", recipe.model, "--out", recipe.out]
    return shlex.join(words + (["--set", *sets] if sets else []))


def write_summary(chain: Chain, done: dict[str, str]) -> str:
    recipe, rows = chain.recipe, stage_rows(chain, done)
    out = Path(recipe.out)
    parts = [f"# exante run {recipe.name}" + (f": {recipe.description}" if recipe.description else ""), "",
             f"Base model `{recipe.model}`, recipe `{recipe.file}`, run folder `{out}`.", ""]
    for stage in (s.name for s in recipe.stages if s.type == "eval"):
        parts += [f"## {stage}", "", *report_section(chain.out_dir(stage) / "report.json", model_roles(chain))]
    table = [[r["name"], r["type"], r["last_run"], duration(r["seconds"]) if r["finished"] else "–",
              f"`{r['folder']}`"] for r in rows]
    total = sum(r["seconds"] or 0 for r in rows if r["finished"])
    parts += ["## Stages", "", markdown_table(["stage", "type", "this run", "wall time", "output"], table), "",
              f"Wall time of the finished stages: {duration(total)} (each stage's `manifest.json`).", "",
              "## Reproduce", "", "```bash", command(chain), "```", "",
              "Rerunning skips every stage whose config and inputs are unchanged and resumes an interrupted one.", ""]
    text = "\n".join(parts)
    atomic_write_text(out / "run.md", text)
    atomic_write_json(out / "run.json", {"recipe": str(recipe.file), "name": recipe.name,
                                         "description": recipe.description, "model": recipe.model,
                                         "out": recipe.out, "updated": now(), "stages": rows})
    return text
