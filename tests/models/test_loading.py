"""load_model: built-in specs, local checkpoints and adapters, and the errors users see."""

import copy
import json

import pytest
import torch

from exante.errors import ExanteError
from exante.models import GenerationParams, HFBackend, build_tiny_model, load_model

PROMPT = [{"role": "user", "content": "Hello there"}]


def _logits(loaded, model=None):
    """Logits of ``model`` (default: the loaded one) for a fixed text."""
    ids = loaded.tokenizer("The quick brown fox", return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        return (model or loaded.model)(ids).logits


def test_tiny_spec_loads_a_small_llama_with_the_default_chat_template():
    loaded = load_model("tiny", dtype="fp32")
    assert loaded.model.config.num_hidden_layers == 2
    assert sum(p.numel() for p in loaded.model.parameters()) < 5_000_000
    assert "<|im_start|>assistant" in loaded.tokenizer.apply_chat_template(PROMPT, add_generation_prompt=True, tokenize=False)
    generation = HFBackend(loaded, progress=False).generate([PROMPT], GenerationParams(max_new_tokens=5))[0]
    assert generation.text and generation.completion_tokens == 5


def test_tiny_model_is_the_same_for_the_same_seed_and_differs_across_seeds():
    assert torch.equal(_logits(build_tiny_model(seed=3)), _logits(build_tiny_model(seed=3)))
    assert not torch.equal(_logits(build_tiny_model(seed=3)), _logits(build_tiny_model(seed=4)))


def test_a_saved_checkpoint_directory_loads_back_with_the_same_outputs(tiny_model, tmp_path):
    tiny_model.model.save_pretrained(tmp_path)
    tiny_model.tokenizer.save_pretrained(tmp_path)
    loaded = load_model(tmp_path, dtype="fp32")
    assert loaded.spec == str(tmp_path)
    assert torch.allclose(_logits(loaded), _logits(tiny_model))


def test_bf16_is_honoured_when_asked():
    assert next(load_model("tiny", dtype="bf16").model.parameters()).dtype == torch.bfloat16


def _tiny_lora(tmp_path, base_name="tiny"):
    """A LoRA on the tiny model with non-zero B (a fresh LoRA would not change the outputs)."""
    from peft import LoraConfig, get_peft_model

    base = build_tiny_model(seed=0)
    peft_model = get_peft_model(copy.deepcopy(base.model), LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.normal_(std=0.5)
    peft_model.save_pretrained(tmp_path)
    config_file = tmp_path / "adapter_config.json"
    config = json.loads(config_file.read_text())
    config["base_model_name_or_path"] = base_name
    config_file.write_text(json.dumps(config))
    return base, peft_model


def test_an_adapter_directory_loads_on_the_base_it_names(tmp_path):
    base, peft_model = _tiny_lora(tmp_path)
    assert json.loads((tmp_path / "adapter_config.json").read_text())["base_model_name_or_path"] == "tiny"
    loaded = load_model(tmp_path, dtype="fp32")
    assert torch.allclose(_logits(loaded), _logits(base, peft_model), atol=1e-5)
    assert not torch.allclose(_logits(loaded), _logits(base), atol=1e-3)


def test_the_adapter_argument_puts_an_adapter_on_the_given_base(tmp_path):
    base, _ = _tiny_lora(tmp_path)
    from_dir = load_model(tmp_path, dtype="fp32")
    from_arg = load_model("tiny", adapter=tmp_path, dtype="fp32")
    assert torch.allclose(_logits(from_dir), _logits(from_arg))


def test_an_adapter_whose_base_is_a_local_directory_loads(tiny_model, tmp_path):
    base_dir = tmp_path / "base"
    tiny_model.model.save_pretrained(base_dir)
    tiny_model.tokenizer.save_pretrained(base_dir)
    _tiny_lora(tmp_path / "adapter", base_name=str(base_dir))
    assert torch.allclose(_logits(load_model(tmp_path / "adapter", dtype="fp32")),
                          _logits(load_model("tiny", adapter=tmp_path / "adapter", dtype="fp32")))


def test_a_missing_path_names_the_path(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(ExanteError, match="no-such-model.*not found"):
        load_model(missing)
    with pytest.raises(ExanteError, match="no-such-adapter.*not found"):
        load_model("tiny", adapter=tmp_path / "no-such-adapter")


def test_a_directory_without_a_model_is_rejected(tmp_path):
    with pytest.raises(ExanteError, match="not a model directory"):
        load_model(tmp_path)


def test_a_hub_id_offline_says_so_and_lists_the_builtin_models():
    with pytest.raises(ExanteError, match="not available offline.*smollm2-135m-instruct"):
        load_model("some-org/some-model-that-is-not-cached")


def test_an_unknown_dtype_is_rejected():
    with pytest.raises(ExanteError, match="dtype 'fp8'"):
        load_model("tiny", dtype="fp8")
