"""Every stage type a recipe can name resolves its config class, run function and run-only fields."""

import dataclasses

import pytest

from exante.pipeline.registry import RUN_CONTROL, STAGE_TYPES


@pytest.mark.parametrize("name", list(STAGE_TYPES))
def test_every_stage_type_loads_its_parts(name):
    kind = STAGE_TYPES[name]
    config_class = kind.config_class(name)
    fields = {f.name for f in dataclasses.fields(config_class)}
    assert callable(kind.run_function(name))
    assert kind.output_field in fields
    assert set(kind.file_inputs + kind.model_inputs + kind.required) <= fields
    assert (kind.run_only_fields(name) - RUN_CONTROL) <= fields
