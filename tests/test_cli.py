"""The `exante` command: every stage is listed, and every sub-command answers --help."""

import subprocess
import sys

import pytest

from exante.cli import build_parser, main

SUBCOMMANDS = ["rules", "data", "synth", "sft", "dpo", "grpo", "pairs", "iterate", "steps", "judge", "eval", "probe", "chat",
               "serve", "quickstart", "run", "compare"]


def test_top_level_help_lists_every_stage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert all(f"    {name} " in out for name in SUBCOMMANDS)


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([name, "--help"])
    assert exit_info.value.code == 0
    assert "usage: exante " + name in capsys.readouterr().out


def test_a_user_error_is_one_line_without_traceback(tmp_path, capsys):
    bad = tmp_path / "rules.yaml"
    bad.write_text("version: '1'\nrules:\n  - id: x.y\n    title: t\n    hazard_area: nowhere\n")
    assert main(["rules", "validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "rules.yaml" in err and "'x.y'" in err and "hazard_area" in err


def test_building_the_parser_imports_no_heavy_library():
    code = ("import sys; from exante.cli import build_parser; build_parser(); "
            "print(*sorted(m for m in ('numpy', 'torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""
