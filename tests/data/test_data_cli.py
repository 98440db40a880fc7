"""``exante data list | show | export`` through the real command-line entry point."""

import json

import pytest

from exante.cli import main
from exante.io import read_jsonl

pytestmark = pytest.mark.integration


def test_list_json_reports_counts_by_kind_and_split_for_every_source(capsys, prompt_set):
    assert main(["data", "list", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    sources = report["sources"]
    assert sources["advbench"]["raw"] == 520 and sources["harmbench"]["raw"] == 200
    assert sources["donotanswer"]["raw"] == 939
    assert set(sources) >= {"jailbreak-pyrit", "jailbreak-dan", "jailbreak-programmatic", "jailbreak-tense",
                            "borderline", "benign", "borderline-eval", "benign-eval", "contrast"}
    for row in sources.values():
        assert sum(row["by_split"].values()) == row["kept"] == sum(row["by_kind"].values())


def test_list_by_a_meta_key_counts_each_value_per_split(capsys, prompt_set):
    from exante.data.builtin import CONTRAST_TYPES

    assert main(["data", "list", "--by", "contrast_type", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["by"] == "contrast_type" and set(report["sources"]) == {"contrast"}
    table = report["sources"]["contrast"]
    assert set(table) == set(CONTRAST_TYPES)
    assert sum(sum(row.values()) for row in table.values()) == prompt_set.counts["contrast"]["kept"]
    assert main(["data", "list", "--by", "category"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["source", "category", "train", "dev", "test"]
    assert any(line.split()[:2] == ["borderline-eval", "homonyms"] and line.split()[2] == "0" for line in lines)


def test_show_prints_records_of_one_source_and_split(capsys, prompt_set):
    assert main(["data", "show", "borderline", "--n", "3", "--split", "test", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown) == 3 and all(r["source"] == "borderline" and r["split"] == "test" for r in shown)


def test_export_writes_the_selected_records_and_the_resolved_config(tmp_path, capsys, prompt_set):
    out = tmp_path / "sets" / "dev.jsonl"
    assert main(["data", "export", "--out", str(out), "--sources", "advbench", "jailbreak-programmatic",
                 "--split", "dev", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    records = list(read_jsonl(out))
    assert summary["records"] == len(records) > 0
    assert {r["source"] for r in records} == {"advbench", "jailbreak-programmatic"}
    assert all(r["split"] == "dev" and set(r) >= {"id", "prompt", "kind", "category", "attack", "meta", "group"}
               for r in records)
    assert (tmp_path / "sets" / "dev.jsonl.config.yaml").exists()
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


def test_unknown_source_exits_2_with_one_line_naming_the_known_ones(capsys):
    assert main(["data", "show", "advbnch"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "known sources: advbench" in err
