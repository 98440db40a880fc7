"""The plain TRL script of docs/rewards.md runs as written: two GRPO steps on the tiny model."""

import json
import runpy
import sys
from pathlib import Path

import pytest

from exante.models import build_tiny_model

SCRIPT = Path(__file__).parent.parent / "examples" / "trl_grpo_safety.py"


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny")
    tiny = build_tiny_model()
    tiny.model.save_pretrained(path)
    tiny.tokenizer.save_pretrained(path)
    return path


@pytest.mark.parametrize("flags, logged", [([], ["safety"]), (["--separate"], ["refusal_correct", "reasoning_length"])])
def test_the_trl_grpo_example_trains_two_steps(tiny_dir, tmp_path, monkeypatch, flags, logged):
    out = tmp_path / "out"
    argv = [str(SCRIPT), "--model", str(tiny_dir), "--output-dir", str(out), "--max-steps", "2",
            "--num-generations", "2", "--max-completion-length", "8", *flags]
    monkeypatch.setattr(sys, "argv", argv)
    runpy.run_path(str(SCRIPT), run_name="__main__")
    state = json.loads((out / "checkpoint-2" / "trainer_state.json").read_text())
    assert state["global_step"] == 2
    assert all(f"rewards/{name}/mean" in state["log_history"][0] for name in logged)
    assert (out / "model.safetensors").exists()


def test_the_rewards_page_shows_the_example_script_as_it_is():
    page = (Path(__file__).parent.parent / "docs" / "rewards.md").read_text(encoding="utf-8")
    assert f"```python\n{SCRIPT.read_text(encoding='utf-8')}```" in page
