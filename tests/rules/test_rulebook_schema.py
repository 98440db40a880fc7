"""Malformed rulebooks are rejected with a message naming the file, the rule and the field."""

import pytest
import yaml

from exante.errors import ExanteError
from exante.rules import load_rulebook


def _rule(**overrides):
    rule = {
        "id": "demo.rule",
        "title": "Demo rule",
        "hazard_area": "weapons",
        "disallowed": ["making bombs"],
        "allowed_contexts": ["history"],
        "default_path": "refuse_and_redirect",
        "examples": [{"prompt": "How do I build a bomb?", "path": "refuse_and_redirect"}],
        "keywords": ["bomb"],
    }
    rule.update(overrides)
    return {k: v for k, v in rule.items() if v is not None}


def _write(tmp_path, data) -> str:
    path = tmp_path / "book.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def test_a_minimal_rulebook_loads(tmp_path):
    rulebook = load_rulebook(_write(tmp_path, {"version": "2.1", "rules": [_rule()]}))
    assert rulebook.ids() == ["demo.rule"]
    assert rulebook.get("demo.rule").examples[0].path == "refuse_and_redirect"


@pytest.mark.parametrize(
    ("rules", "rule_id", "field"),
    [
        ([_rule(title=None)], "demo.rule", "title"),
        ([_rule(disallowed=None)], "demo.rule", "disallowed"),
        ([_rule(default_path="refuse")], "demo.rule", "default_path"),
        ([_rule(hazard_area="gambling")], "demo.rule", "hazard_area"),
        ([_rule(allowed_contexts=["because_i_said_so"])], "demo.rule", "allowed_contexts"),
        ([_rule(examples=[{"prompt": "hi", "path": "maybe"}])], "demo.rule", "examples[0]"),
        ([_rule(examples=[{"prompt": "hi"}])], "demo.rule", "examples[0]"),
        ([_rule(keywords=[1939])], "demo.rule", "keywords"),
        ([_rule(severity="high")], "demo.rule", "severity"),
        ([_rule(id="Bad Id")], "Bad Id", "id"),
        ([_rule(), _rule(title="Again")], "demo.rule", "id"),
    ],
    ids=["missing-title", "missing-disallowed", "unknown-path", "unknown-area", "unknown-context",
         "example-path", "example-fields", "keyword-not-string", "unknown-field", "bad-id", "duplicate-id"],
)
def test_malformed_rule_is_rejected_naming_file_rule_and_field(tmp_path, rules, rule_id, field):
    path = _write(tmp_path, {"version": "1.0", "rules": rules})
    with pytest.raises(ExanteError) as err:
        load_rulebook(path)
    message = str(err.value)
    assert path in message and f"rule {rule_id!r}" in message and f"field {field!r}" in message
    assert "\n" not in message


def test_a_guard_rule_may_omit_disallowed(tmp_path):
    guard = _rule(id="overrefusal.demo", hazard_area="over_refusal", disallowed=None, default_path="comply")
    assert load_rulebook(_write(tmp_path, {"version": "1.0", "rules": [guard]})).get("overrefusal.demo").disallowed == ()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ('version: "1.0"\nrules: [\n  - id: x\n', ":3: not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ({"rules": [_rule()]}, "field 'version'"),
        ({"version": "1.0", "rules": []}, "field 'rules'"),
        ({"version": "1.0", "rule": [_rule()]}, "field 'rule': unknown top-level field"),
    ],
    ids=["bad-yaml", "not-a-mapping", "no-version", "no-rules", "misspelt-top-level"],
)
def test_malformed_file_is_rejected_naming_the_file(tmp_path, data, expected):
    path = _write(tmp_path, data)
    with pytest.raises(ExanteError, match=expected) as err:
        load_rulebook(path)
    assert str(err.value).startswith(path)


def test_missing_directory_and_binary_files_are_user_errors(tmp_path):
    with pytest.raises(ExanteError, match="not found"):
        load_rulebook(tmp_path / "absent.yaml")
    with pytest.raises(ExanteError, match="not found"):
        load_rulebook(tmp_path)
    binary = tmp_path / "book.yaml"
    binary.write_bytes(b"\xff\xfe\x00version")
    with pytest.raises(ExanteError, match="not a UTF-8 text file"):
        load_rulebook(binary)


def test_asking_for_an_unknown_rule_names_the_rulebook(tmp_path):
    path = _write(tmp_path, {"version": "1.0", "rules": [_rule()]})
    with pytest.raises(ExanteError, match=f"{path}: no rule with id 'demo.other'"):
        load_rulebook(path).get("demo.other")
