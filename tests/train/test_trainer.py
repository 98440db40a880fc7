"""Which checkpoint a resumed run starts from."""

from pathlib import Path

import pytest

from exante.errors import ExanteError
from exante.train.config import TrainConfig
from exante.train.trainer import last_complete_checkpoint, resume_point


def checkpoint(out: Path, step: int, complete: bool = True) -> Path:
    path = out / f"checkpoint-{step}"
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    if complete:  # the Trainer writes its state last
        (path / "trainer_state.json").write_text("{}")
    return path


def test_the_newest_checkpoint_by_step_number_is_resumed(tmp_path):
    checkpoint(tmp_path, 9)
    newest = checkpoint(tmp_path, 10)
    assert last_complete_checkpoint(tmp_path) == str(newest)


def test_a_checkpoint_whose_save_was_cut_short_is_passed_over(tmp_path, caplog):
    complete = checkpoint(tmp_path, 10)
    cut_short = checkpoint(tmp_path, 18, complete=False)
    assert last_complete_checkpoint(tmp_path) == str(complete)
    assert str(cut_short) in caplog.text and "incomplete" in caplog.text


def test_no_complete_checkpoint_means_a_fresh_start(tmp_path):
    checkpoint(tmp_path, 5, complete=False)
    assert last_complete_checkpoint(tmp_path) is None
    assert last_complete_checkpoint(tmp_path / "missing") is None
    assert resume_point(TrainConfig(output_dir=str(tmp_path), resume=True)) is None


def test_a_run_without_resume_refuses_to_overwrite_complete_checkpoints(tmp_path):
    checkpoint(tmp_path, 4)
    with pytest.raises(ExanteError, match="--resume true"):
        resume_point(TrainConfig(output_dir=str(tmp_path), resume=False))
    assert resume_point(TrainConfig(output_dir=str(tmp_path), resume=True)).endswith("checkpoint-4")
