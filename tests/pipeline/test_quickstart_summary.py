"""The quickstart's summary: the eval report's headline rows with their intervals, marks and footnotes."""

import json
from pathlib import Path

from exante.config import load_config
from exante.pipeline.chain import load_stage_configs
from exante.pipeline.config import QuickstartConfig
from exante.pipeline.summary import render_summary


def entry(spec, asr, asr_ci):
    return {"spec": spec, "metrics": {"harmful": {"n": 14, "asr": asr, "asr_ci": asr_ci,
                                                  "refusal_rate": 1 - asr, "refusal_rate_ci": None}}}


def test_the_summary_shows_each_rate_with_its_interval_count_and_significance_mark(workdir):
    qc = load_config(QuickstartConfig, "quickstart.yaml")
    configs = load_stage_configs(qc)
    report = {"suite": "quick", "created": "now", "benches": ["harmful"], "settings": {"prompts": {"harmful": 14}},
              "models": {"tiny": entry("tiny", 0.7143, [0.453509, 0.882786]),
                         "sft": entry("runs/sft", 0.2143, [0.075714, 0.475892])},
              "comparisons": {"harmful": {"asr": {"sft": {"baseline": "tiny", "test": "exact McNemar", "p": 0.03906,
                                                          "significant": True}}}}}
    path = Path(configs["eval"].out) / "report.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(report))
    summary = render_summary(qc, configs, {"stages": {}})
    assert "| metric | base (tiny) | SFT (runs/sft) |" in summary
    assert "| Harmful ASR ↓ | 71.4% [45.4, 88.3] (n=14) | 21.4% [7.6, 47.6] (n=14) * |" in summary
    assert "Harmful refusal rate" not in summary  # only the quickstart's rows
    assert "[lo, hi] = 95 % Wilson score interval" in summary
    assert "\\* = differs from tiny (the first column) on the same prompts: exact McNemar test" in summary
