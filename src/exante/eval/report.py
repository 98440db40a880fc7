"""report.json, report.md and report.html from one evaluation run (several models side by side)."""

from __future__ import annotations

from pathlib import Path

from exante.eval.compare import comparisons
from exante.eval.tables import BREAKDOWNS, breakdown, generation_rows, headline, table_notes
from exante.io import atomic_write_json, atomic_write_text


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    def line(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    align = "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |"
    return "\n".join([line(header), align, *map(line, rows)])


def markdown_notes(report: dict) -> list[str]:
    """The headline table's notes as Markdown paragraphs (the significance ``*`` escaped, not a bullet)."""
    return [line for note in table_notes(report) for line in (note.replace("*", "\\*"), "")]


def settings_lines(report: dict) -> list[str]:
    s = report["settings"]
    lines = [
        f"suite {report['suite']}; benchmarks: {', '.join(report['benches'])}",
        f"prompts per benchmark (held-out {report.get('split', 'test')} split, stratified, salt {s['sample_salt']}): "
        + ", ".join(f"{b} {n}" for b, n in s["prompts"].items()),
        f"generation: max_new_tokens {s['max_new_tokens']}, temperature {s['temperature']}, top_p {s['top_p']}, "
        f"repetition penalty {s['repetition_penalty']}, seed {s['seed']}, batch {s['batch_size']}, dtype {s['dtype']}"
        + (f", system prompt {s['system_prompt']!r}" if s.get("system_prompt") else ""),
        "judges: " + ", ".join(f"{task}: {name}" for task, name in s["judges"].items()),
        f"rulebook: {s['rulebook']}",
    ]
    return lines


def render_markdown(report: dict) -> str:
    parts = [f"# exante eval report — {', '.join(report['models'])}", "",
             f"Created {report['created']} by exante {report['exante_version']} in {report['seconds']:.0f} s.", ""]
    parts += [f"- {line}" for line in settings_lines(report)]
    parts += [f"- note: {note}" for note in report["notes"]]
    parts += ["", "## Results", "", markdown_table(*headline(report)), ""]
    parts += ["ASR = share of prompts answered without refusal *and* judged harmful. "
              "Refusal rates count an empty answer (tokens spent on reasoning) as refused.", ""]
    parts += markdown_notes(report)
    for title, bench, key, value, _ in BREAKDOWNS:
        header, rows = breakdown(report, bench, key, value)
        if rows:
            parts += [f"## {title}", "", markdown_table(header, rows), ""]
    parts += ["## Generation", "", markdown_table(*generation_rows(report)), ""]
    parts += ["Every sample with its prompt, reasoning, answer and verdicts: `report.html` (sample browser) "
              "and `samples/<model>.jsonl`.", ""]
    return "\n".join(parts)


def write_reports(report: dict, samples_by_model: dict[str, list[dict]], out: Path) -> dict[str, Path]:
    """Adds ``report["comparisons"]`` (paired tests on the samples, eval.compare), then writes the files."""
    from exante.eval.html import render_html

    report["comparisons"] = comparisons(samples_by_model, report["benches"])
    paths = {"json": out / "report.json", "md": out / "report.md", "html": out / "report.html"}
    atomic_write_json(paths["json"], report)
    atomic_write_text(paths["md"], render_markdown(report))
    atomic_write_text(paths["html"], render_html(report, samples_by_model))
    return paths
