"""GenerationFields: the generation settings every generating stage config shares."""

from dataclasses import dataclass

import pytest

from exante.config import field, load_config
from exante.errors import ExanteError
from exante.eval.config import EvalConfig
from exante.models import GenerationFields, GenerationParams
from exante.pairs.config import PairsConfig


@dataclass
class StageConfig(GenerationFields):
    temperature: float = field(0.7, help="a stage's own default")
    out: str = field("runs/x", help="output directory")


def test_a_stage_keeps_its_own_defaults_and_fields_and_gets_a_backend_request():
    config = load_config(StageConfig, overrides={"top_p": 0.9})
    assert config.out == "runs/x"
    assert config.generation_params() == GenerationParams(temperature=0.7, top_p=0.9)
    assert config.generation_params(max_new_tokens=12).max_new_tokens == 12


@pytest.mark.parametrize("cls", [StageConfig, PairsConfig, EvalConfig])
@pytest.mark.parametrize("bad,expected", [({"temperature": -0.1}, "≥ 0"), ({"top_p": 0.0}, r"in \(0, 1\]"),
                                          ({"repetition_penalty": 0.0}, "> 0"), ({"batch_size": 0}, "≥ 1"),
                                          ({"max_new_tokens": 0}, "≥ 1")])
def test_out_of_range_settings_are_rejected_naming_the_config_and_field(cls, bad, expected):
    (name, _), = bad.items()
    with pytest.raises(ExanteError, match=rf"{cls.__name__}: field '{name}' must be {expected}"):
        load_config(cls, overrides=bad)


def test_an_unset_max_new_tokens_is_allowed_where_the_stage_resolves_it():
    assert EvalConfig(max_new_tokens=None).generation_params(max_new_tokens=EvalConfig().new_tokens()).max_new_tokens == 320
