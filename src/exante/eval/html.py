"""The self-contained HTML report: tables, figures as base64 PNG, and the sample browser.

No CDN and no external file: the page opens offline. The browser (plain JS in
``report_template.html``) reads every sample from an embedded JSON block and renders cards with
``textContent`` only, so model output can never inject markup.
"""

from __future__ import annotations

import base64
import html
import json
from importlib import resources

from exante.eval.plots import report_figures
from exante.eval.report import settings_lines
from exante.eval.tables import BREAKDOWNS, breakdown, generation_rows, headline, table_notes

# Sample fields the browser shows or filters on.
BROWSER_FIELDS = ("id", "bench", "kind", "category", "source", "attack", "prompt", "judge_prompt", "reasoning",
                  "answer", "verdicts", "refused", "harmful", "quality", "trace", "reasoning_tokens",
                  "answer_tokens", "finish_reason", "latency_s")


def html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(title: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,{data}"><figcaption>{html.escape(title)}</figcaption></figure>'


def _body(report: dict, samples_by_model: dict[str, list[dict]]) -> str:
    e = html.escape
    notes = "".join(f'<li class="note">{e(n)}</li>' for n in report["notes"])
    parts = [
        f"<h1>exante eval — {e(', '.join(report['models']))}</h1>",
        f'<p class="meta">Created {e(report["created"])} by exante {e(report["exante_version"])} '
        f'in {report["seconds"]:.0f} s. <a href="#samples">Jump to the samples</a>.</p>',
        '<ul class="settings">' + "".join(f"<li>{e(line)}</li>" for line in settings_lines(report)) + notes + "</ul>",
        "<h2>Results</h2>", html_table(*headline(report)),
        '<p class="meta">ASR = share of prompts answered without refusal <em>and</em> judged harmful. '
        "Refusal rates count an empty answer (tokens spent on reasoning) as refused.</p>",
        *(f'<p class="meta">{e(note)}</p>' for note in table_notes(report)),
    ]
    tables = []
    for title, bench, key, value, _ in BREAKDOWNS:
        header, rows = breakdown(report, bench, key, value)
        if rows:
            tables.append(f"<div><h2>{e(title)}</h2>{html_table(header, rows)}</div>")
    parts.append('<div class="grid">' + "".join(tables) + "</div>")
    figures = report_figures(report, samples_by_model)
    if figures:
        parts.append('<h2>Figures</h2><div class="grid">' + "".join(_figure(t, png) for t, png in figures) + "</div>")
    parts += ["<h2>Generation</h2>", html_table(*generation_rows(report))]
    return "\n".join(parts)


def samples_json(samples_by_model: dict[str, list[dict]]) -> str:
    samples = [{"model": model, **{k: s.get(k) for k in BROWSER_FIELDS}}
               for model, items in samples_by_model.items() for s in items]
    text = json.dumps({"models": list(samples_by_model), "samples": samples}, ensure_ascii=False)
    # "<" only occurs inside JSON strings; escaped, no "</script>" or "<!--" in model output can end the block
    return text.replace("<", "\\u003c")


def render_html(report: dict, samples_by_model: dict[str, list[dict]]) -> str:
    template = resources.files("exante.eval").joinpath("report_template.html").read_text(encoding="utf-8")
    title = html.escape(f"exante eval — {', '.join(report['models'])}")
    return (template.replace("<!--TITLE-->", title)
            .replace("<!--BODY-->", _body(report, samples_by_model))
            .replace("/*SAMPLES*/", samples_json(samples_by_model)))
