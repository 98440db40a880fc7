"""``compare.md``, ``compare.json``, ``compare.html`` and the PNG figures of one comparison.

The tables, the eval figures and the HTML page (with its sample browser over every run's
answers) are the eval report's own, applied to the merged report (collect.py); this module adds
the token overhead against the first column, the wall time per recipe and the two plots.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from exante.compare.collect import Column, Run, merged_report, read_run
from exante.compare.config import CompareConfig
from exante.compare.plots import compare_figures
from exante.eval.html import _figure, html_table, render_html
from exante.eval.plots import report_figures
from exante.eval.report import markdown_notes, markdown_table
from exante.eval.tables import dig, headline
from exante.io import atomic_write_bytes, atomic_write_json, atomic_write_text
from exante.pipeline.summary import duration


def token_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    """Mean reasoning, answer and generated tokens per column, and generated tokens against the first column."""
    means = {label: {k: dig(e["metrics"], ("efficiency", k, "mean"))
                     for k in ("reasoning_tokens", "answer_tokens", "completion_tokens")}
             for label, e in report["models"].items()}
    first = next(iter(means.values()), {}).get("completion_tokens")
    rows = []
    for label, m in means.items():
        total = m["completion_tokens"]
        overhead = f"{100 * (total - first) / first:+.0f} %" if total is not None and first else "–"
        rows.append([label, *(f"{v:.0f}" if v is not None else "–" for v in m.values()), overhead])
    names = list(report["models"])
    return ["column", "reasoning tokens", "answer tokens", "generated tokens", f"generated vs {names[0]}"], rows


def wall_rows(runs: list[Run]) -> tuple[list[str], list[list[str]]]:
    rows = [[run.name, run.recipe or "(eval folder)",
             " · ".join(f"{stage} {duration(s) if s is not None else '–'}" for stage, s in run.stage_seconds.items()),
             duration(run.total_seconds())] for run in runs]
    return ["run", "recipe", "stages (wall time, from their manifests)", "total"], rows


def slug(title: str) -> str:
    """A file name for a figure: its title without the parenthesis ("Token lengths" → token_lengths)."""
    return re.sub(r"[^a-z0-9]+", "_", title.partition(" (")[0].lower()).strip("_")


def render_markdown(report: dict, runs: list[Run], figures: list[tuple[str, str]]) -> str:
    parts = [f"# exante compare — {', '.join(report['models'])}", "",
             f"Created {report['created']}; suite {report['suite']}, benchmarks {', '.join(report['benches'])}.", ""]
    parts += [f"- {note}" for note in report["notes"]]
    parts += ["", "## Results", "", markdown_table(*headline(report)), "", *markdown_notes(report),
              "## Tokens", "", markdown_table(*token_rows(report)), "",
              "## Wall time per recipe", "", markdown_table(*wall_rows(runs)), "", "## Figures", ""]
    parts += [f"![{title}]({file})" for file, title in figures]
    parts += ["", "Every answer of every run, filterable: `compare.html` (sample browser).", ""]
    return "\n".join(parts)


def extra_html(report: dict, runs: list[Run], figures: list[tuple[str, bytes]]) -> str:
    return ("<h2>Tokens</h2>" + html_table(*token_rows(report)) +
            "<h2>Wall time per recipe</h2>" + html_table(*wall_rows(runs)) +
            '<h2>Across runs</h2><div class="grid">' + "".join(_figure(t, png) for t, png in figures) + "</div>")


def write_comparison(config: CompareConfig) -> dict[str, Path]:
    """Read the runs, write the report files; returns them by kind (md, json, html, and each PNG)."""
    start = time.perf_counter()
    runs = [read_run(folder) for folder in config.runs]
    report, samples, chosen = merged_report(runs)
    out = Path(config.out)
    own = compare_figures(report)
    shared = [(f"figure_{slug(title)}", title, png) for title, png in report_figures(report, samples)]
    paths = {}
    for stem, _, png in own + shared:
        paths[stem] = out / f"{stem}.png"
        atomic_write_bytes(paths[stem], png)
    figures = [(f"{stem}.png", title) for stem, title, _ in own + shared]
    paths["md"], paths["json"], paths["html"] = out / "compare.md", out / "compare.json", out / "compare.html"
    atomic_write_text(paths["md"], render_markdown(report, runs, figures))
    page = render_html(report, samples)
    # the comparison's own sections go just before the sample browser (the template's heading)
    page = page.replace('<h2 id="samples">', extra_html(report, runs, [(t, p) for _, t, p in own]) +
                        '<h2 id="samples">', 1)
    atomic_write_text(paths["html"], page)
    atomic_write_json(paths["json"], {"runs": [run_entry(run, chosen) for run in runs], "report": report,
                                      "seconds": round(time.perf_counter() - start, 1)})
    return paths


def run_entry(run: Run, chosen: list[Column]) -> dict:
    return {"name": run.name, "folder": str(run.folder), "recipe": run.recipe, "eval": str(run.eval_dir),
            "columns": [c.label for c in chosen if c.run is run], "stage_seconds": run.stage_seconds,
            "total_seconds": round(run.total_seconds(), 1)}
