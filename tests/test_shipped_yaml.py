"""Every YAML file shipped inside the package parses; rulebooks among them also validate."""

from pathlib import Path

import pytest
import yaml

import exante
from exante.rules import load_rulebook

SHIPPED = sorted(p for p in Path(exante.__file__).parent.rglob("*") if p.suffix in (".yaml", ".yml"))


def test_the_default_rulebook_is_shipped():
    assert any(p.name == "default_rulebook.yaml" for p in SHIPPED)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(Path(exante.__file__).parent)))
def test_shipped_yaml_loads(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data is not None, f"{path} is empty"
    if isinstance(data, dict) and "rules" in data and "version" in data:
        assert load_rulebook(path).rules
