"""`exante rules show` and `exante rules validate`, run as a user would."""

import json
import subprocess
import sys

import pytest
import yaml

from exante.cli import main
from exante.rules import load_rulebook


@pytest.fixture
def broken_rulebook(tmp_path):
    data = load_rulebook().to_dict()
    data["rules"][3]["allowed_contexts"].append("because_i_said_so")
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path, data["rules"][3]["id"]


def test_validate_default_prints_one_ok_line(capsys):
    assert main(["rules", "validate"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "OK <default>/default_rulebook.yaml: exante-default version 1.0, 40 rules, 14 hazard areas, 10 over-refusal guards"
    ]
    assert err == ""


def test_validate_broken_file_exits_nonzero_with_one_line_and_no_traceback(broken_rulebook):
    path, rule_id = broken_rulebook
    run = subprocess.run([sys.executable, "-m", "exante.cli", "rules", "validate", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert str(path) in line and f"rule {rule_id!r}" in line and "field 'allowed_contexts'" in line


def test_validate_warns_about_rules_without_a_violating_example(tmp_path, capsys):
    data = {"version": "1", "rules": [{"id": "x", "title": "X", "hazard_area": "drugs", "disallowed": ["y"],
                                      "default_path": "refuse_and_redirect", "examples": [{"prompt": "p", "path": "comply"}]}]}
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["rules", "validate", "--rules", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"OK {path}: book version 1, 1 rules, 1 hazard areas, 0 over-refusal guards")
    assert "no violating example" in err and "no keywords" in err


def test_show_json_of_one_area_is_itself_a_valid_rulebook(tmp_path, capsys):
    assert main(["rules", "show", "--json", "--area", "weapons"]) == 0
    out = capsys.readouterr().out
    assert [r["id"] for r in json.loads(out)["rules"]] == ["weapons.firearms", "weapons.explosives", "weapons.cbrn"]
    saved = tmp_path / "weapons.yaml"
    saved.write_text(out, encoding="utf-8")
    assert load_rulebook(saved).rules == tuple(load_rulebook().by_area("weapons"))


def test_show_one_rule_by_positional_id_or_flag_from_a_given_file(tmp_path, capsys):
    path = tmp_path / "copy.yaml"
    path.write_text(yaml.safe_dump(load_rulebook().to_dict()), encoding="utf-8")
    assert main(["rules", "show", str(path), "drugs.illegal", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "drugs.illegal"
    assert main(["rules", "show", "--rule", "advice.legal"]) == 0
    assert capsys.readouterr().out.startswith("advice.legal — Legal advice\n")


def test_show_table_and_summary(capsys):
    assert main(["rules", "show"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[:2] == ["ID", "AREA"] and len(out) == 2 + 40
    assert main(["rules", "show", "--summary", "--area", "drugs"]) == 0
    assert capsys.readouterr().out.startswith("drugs.illegal: Illegal drugs — ")


def test_show_unknown_rule_is_a_one_line_error(capsys):
    assert main(["rules", "show", "weapons.nope"]) == 2
    assert capsys.readouterr().err.strip() == "error: <default>/default_rulebook.yaml: no rule with id 'weapons.nope'"


@pytest.mark.parametrize("argv", [["rules", "--help"], ["rules", "show", "--help"], ["rules", "validate", "--help"]])
def test_every_rules_command_has_help(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    assert "usage: exante rules" in capsys.readouterr().out
