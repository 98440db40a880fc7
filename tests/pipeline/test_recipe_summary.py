"""A run's run.md: each eval stage's headline rows with their intervals, counts, marks and notes, the
models named by the stage that made them, and a command that rebuilds the same stage configs.
Nothing here runs a stage."""

import json
import shlex

from exante.cli import build_parser
from exante.config import config_from_args
from exante.pipeline.links import load_chain
from exante.pipeline.recipe import RunConfig, load_recipe
from exante.pipeline.recipe_summary import write_summary


def entry(spec, asr, asr_ci):
    return {"spec": spec, "metrics": {"harmful": {"n": 14, "asr": asr, "asr_ci": asr_ci,
                                                  "refusal_rate": 1 - asr, "refusal_rate_ci": None}}}


def test_the_summary_shows_each_rate_with_its_interval_count_and_significance_mark(recipe_dir):
    chain = load_chain(load_recipe("tiny"))
    report = {"suite": "quick", "created": "now", "benches": ["harmful"], "settings": {"prompts": {"harmful": 14}},
              "models": {"tiny": entry("tiny", 0.7143, [0.453509, 0.882786]),
                         "sft": entry("runs/tiny/sft", 0.2143, [0.075714, 0.475892])},
              "comparisons": {"harmful": {"asr": {"sft": {"baseline": "tiny", "test": "exact McNemar", "p": 0.03906,
                                                          "significant": True}}}}}
    chain.out_dir("eval").mkdir(parents=True)
    (chain.out_dir("eval") / "report.json").write_text(json.dumps(report))
    summary = write_summary(chain, {})
    assert summary == (recipe_dir / "runs/tiny/run.md").read_text()
    assert "| metric | base (tiny) | sft (runs/tiny/sft) |" in summary
    assert "| Harmful ASR ↓ | 71.4% [45.4, 88.3] (n=14) | 21.4% [7.6, 47.6] (n=14) * |" in summary
    assert "Harmful refusal rate" not in summary  # only the headline rows
    assert "[lo, hi] = 95 % Wilson score interval" in summary
    assert "\\* = differs from tiny (the first column) on the same prompts: exact McNemar test" in summary
    assert "| synth | synth | not selected | – | `runs/tiny/synth` |" in summary


def test_the_printed_command_rebuilds_the_same_stage_configs(recipe_dir):
    sets = ["sft.max_steps=3", "eval.benches=[harmful, trace]", "pairs.max_pairs={safety: 2, usefulness: 1}"]
    chain = load_chain(load_recipe("tiny", model="tiny", out="runs/elsewhere", sets=sets))
    lines = write_summary(chain, {}).split("```bash\n")[1].split("\n```")[0].splitlines()
    assert len(lines) == 1
    args = build_parser().parse_args(shlex.split(lines[0])[1:])
    args.recipe = args.recipe_name  # as `exante run` does with its positional RECIPE
    config = config_from_args(RunConfig, args)
    again = load_chain(load_recipe(config.recipe, config.model, config.out, config.sets))
    assert again.configs == chain.configs
    assert again.configs["pairs"].max_pairs == {"safety": 2, "usefulness": 1} and again.configs["sft"].max_steps == 3
