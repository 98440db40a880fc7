"""Every YAML in configs/ names the command that reads it on its first line, and loads into that
command's config (no unknown field, every value of the right type)."""

import re
from pathlib import Path

import pytest

from exante.cli import build_parser
from exante.config import load_config

CONFIGS = sorted((Path(__file__).parent.parent / "configs").glob("*.yaml"))
USAGE = re.compile(r"^# exante (?P<command>[a-z-]+) --config (?P<path>configs/\S+\.yaml)")


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_a_shipped_config_loads_into_the_config_of_the_command_on_its_first_line(path):
    usage = USAGE.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert usage, f"{path.name}: the first line must read '# exante COMMAND --config configs/{path.name} ...'"
    assert usage["path"] == f"configs/{path.name}"
    args = build_parser().parse_args([usage["command"], "--config", str(path)])
    config = load_config(args.config_class, str(path), {})
    assert type(config) is args.config_class
