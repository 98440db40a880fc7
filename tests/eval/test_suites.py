"""The suites: `dev` draws the dev split (for choosing), the others the test split (for reporting);
each benchmark draws only its own sources, and the suites are sized for decisions."""

import pytest

from exante.errors import ExanteError
from exante.eval.benchmarks import BENCHMARKS
from exante.eval.config import SUITES, EvalConfig
from exante.eval.run import select_prompts


def _selections(**fields):
    config = EvalConfig(xstest="", **fields)
    return select_prompts(config, [BENCHMARKS[n] for n in config.bench_names()])[0]


@pytest.mark.parametrize("suite, split", [("dev", "dev"), ("quick", "test"), ("standard", "test")])
def test_every_prompt_a_suite_draws_comes_from_its_split(suite, split):
    selections = _selections(suite=suite)
    assert set(selections) == {"harmful", "contrast", "jailbreak", "over-refusal", "helpfulness"}
    assert {r["split"] for records in selections.values() for r in records} == {split}


def test_the_split_can_be_overridden_but_never_to_train():
    assert {r["split"] for r in _selections(suite="quick", split="dev")["harmful"]} == {"dev"}
    with pytest.raises(ExanteError, match="expected dev .* or test .* never train"):
        EvalConfig(suite="quick", split="train").split_name()


def test_harmful_excludes_the_contrast_prompts_that_the_contrast_benchmark_draws_alone():
    selections = _selections(suite="standard")
    assert "contrast" not in {r["source"] for r in selections["harmful"]}
    assert {r["source"] for r in selections["contrast"]} == {"contrast"}
    assert all(r["kind"] == "harmful" and r["contrast_type"] for r in selections["contrast"])


def test_the_standard_suite_has_the_power_the_decisions_need():
    """≥ 150 borderline, 150 harmful, 150 jailbreak (every held-out attack family), 120 benign test prompts."""
    selections = _selections(suite="standard")
    counts = {name: len(records) for name, records in selections.items()}
    assert counts["over-refusal"] >= 150 and counts["harmful"] >= 150 and counts["jailbreak"] >= 150
    assert counts["helpfulness"] >= 120 and counts["contrast"] >= 100
    families = {r["source"] for r in selections["jailbreak"]}
    assert families == {"jailbreak-tense", "jailbreak-pyrit", "jailbreak-programmatic", "jailbreak-dan"}


def test_quick_samples_every_borderline_type_and_stays_small():
    selections = _selections(suite="quick")
    assert sum(map(len, selections.values())) <= 220
    from exante.data.builtin import BORDERLINE_TYPES

    assert {r["category"] for r in selections["over-refusal"]} == set(BORDERLINE_TYPES)


def test_every_suite_names_a_known_benchmark():
    assert all(set(s.benches) <= set(BENCHMARKS) for s in SUITES.values())
