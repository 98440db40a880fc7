"""The built-in model: converted once, atomically, into a checkpoint that reloads."""

import pytest
import torch

from exante.models import load_model
from exante.models.builtin import _write_atomically


def test_a_failed_write_leaves_neither_target_nor_temporary_directory(tmp_path):
    def half_write(tmp):
        (tmp / "config.json").write_text("{}")
        raise RuntimeError("killed mid-conversion")

    with pytest.raises(RuntimeError):
        _write_atomically(tmp_path / "model", half_write)
    assert list(tmp_path.iterdir()) == []


def test_a_checkpoint_written_meanwhile_by_another_process_is_kept(tmp_path):
    target = tmp_path / "model"

    def write_while_another_process_wins(tmp):
        (tmp / "config.json").write_text("mine")
        target.mkdir()
        (target / "config.json").write_text("theirs")

    _write_atomically(target, write_while_another_process_wins)
    assert (target / "config.json").read_text() == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


@pytest.mark.integration
def test_the_default_model_converts_once_into_a_checkpoint_that_reloads(tmp_path, monkeypatch):
    monkeypatch.setenv("EXANTE_CACHE", str(tmp_path))
    first = load_model("smollm2-135m-instruct", dtype="fp32")
    checkpoint = tmp_path / "models" / "smollm2-135m-instruct"
    files = {p.name for p in checkpoint.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "chat_template.jinja"} <= files
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["smollm2-135m-instruct"]
    written = (checkpoint / "model.safetensors").stat().st_mtime_ns

    second = load_model("smollm2-135m-instruct", dtype="fp32")
    assert (checkpoint / "model.safetensors").stat().st_mtime_ns == written  # not converted again
    assert "quantization_config" not in (checkpoint / "config.json").read_text()
    assert second.model.generation_config.eos_token_id == second.tokenizer.convert_tokens_to_ids("<|im_end|>")
    ids = second.tokenizer.apply_chat_template([{"role": "user", "content": "Hi"}], add_generation_prompt=True,
                                               return_tensors="pt", return_dict=True)
    with torch.inference_mode():
        assert torch.equal(first.model(**ids).logits, second.model(**ids).logits)
