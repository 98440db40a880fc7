"""The stage types a recipe chains: type → config class, run function, files.

Classes and functions are named by import string and imported only when a stage of that type is
loaded: ``exante --help`` does not pay for torch, and a recipe naming a stage whose module is not
in this checkout fails with one line, before any work, while the other recipes keep working.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from exante.errors import ExanteError

# Fields of sft and dpo that do not change the trained model: a run may resume or be reused with other values.
TRAIN_RUN_ONLY = frozenset({"resume", "report_to", "logging_steps", "save_steps", "save_total_limit"})
# Every type: where it writes, whether to continue, whether to start over — never what it makes.
RUN_CONTROL = frozenset({"out", "output_dir", "resume", "overwrite"})


@dataclass(frozen=True)
class StageType:
    config: str  # "module:Class" of the typed config (exante.config.field dataclass)
    run: str  # "module:function" taking the config, writing the stage's output folder
    output_field: str  # the config field naming that folder
    done_file: str  # written last, when the stage has finished
    writes: tuple[str, ...]  # what later stages may read in the folder ("": the folder itself, a model)
    file_inputs: tuple[str, ...] = ()  # fields naming files the stage reads
    model_inputs: tuple[str, ...] = ()  # fields naming models the stage loads
    required: tuple[str, ...] = ()  # inputs a recipe must give (a link or a path), never the YAML's default
    run_only: str | frozenset[str] = frozenset()  # fields that do not change the output ("module:NAME" or a set)
    continues: frozenset[str] = frozenset()  # fields whose change continues the stage in its folder (more rounds)

    def _load(self, target: str, what: str, name: str) -> Any:
        """``module:A|B``: the first of the names the module defines."""
        module, attrs = target.split(":")
        try:
            loaded = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):  # the stage's own module, not one it imports
                raise ExanteError(f"stage type {name!r} needs {module} ({what}), which is not in this checkout "
                                  f"of exante") from None
            raise
        found = [getattr(loaded, attr) for attr in attrs.split("|") if hasattr(loaded, attr)]
        if not found:
            raise ExanteError(f"stage type {name!r} needs {module}:{attrs} ({what}), which {module} does not define")
        return found[0]

    def config_class(self, name: str) -> type:
        return self._load(self.config, "its config", name)

    def run_function(self, name: str) -> Callable[[Any], Any]:
        return self._load(self.run, "its run function", name)

    def run_only_fields(self, name: str) -> frozenset[str]:
        own = self._load(self.run_only, "its run-only fields", name) if isinstance(self.run_only, str) else self.run_only
        return (RUN_CONTROL | frozenset(own)) - self.continues


MODEL = ("", "summary.json")  # what a training stage leaves: the model folder, and its summary
_TRAINED = dict(output_field="output_dir", done_file="summary.json", writes=MODEL, model_inputs=("model",),
                required=("model",))

# In the method's order (METHODS.md): data, warm-up, preference pairs and optimisation, on-policy stages, eval.
STAGE_TYPES: dict[str, StageType] = {
    "synth": StageType("exante.synth.config:SynthConfig", "exante.synth.pipeline:run_synth", "out", "stats.json",
                       ("sft.jsonl", "rejected.jsonl", "stats.json"), run_only="exante.synth.config:_RUN_ONLY"),
    "sft": StageType("exante.train.config:SFTConfig", "exante.train.sft:run_sft", "output_dir", "summary.json",
                     MODEL, ("train_file", "dev_file"), ("model",), ("model", "train_file"), TRAIN_RUN_ONLY),
    "pairs": StageType("exante.pairs.config:PairsConfig", "exante.pairs.run:run_pairs", "out", "stats.json",
                       ("pairs.jsonl", "rejected.jsonl", "stats.json"), ("sft", "long"), ("sample_from",), ("sft",),
                       "exante.pairs.config:_RUN_ONLY"),
    "dpo": StageType("exante.train.config:DPOConfig", "exante.train.dpo:run_dpo", "output_dir", "summary.json",
                     MODEL, ("train_file", "dev_file", "reference_file"), ("model", "reference_model"),
                     ("model", "train_file"), TRAIN_RUN_ONLY),
    "iterate": StageType("exante.iterate.config:IterateConfig", "exante.iterate.run:run_iterate", **_TRAINED,
                         run_only="exante.iterate.config:RUN_ONLY",
                         continues=frozenset({"rounds", "stop_after", "patience"})),
    "steps": StageType("exante.steps.config:StepsConfig", "exante.steps.run:run_steps", **_TRAINED,
                       run_only="exante.steps.config:RUN_ONLY", continues=frozenset({"rounds"})),
    "grpo": StageType("exante.train.grpo_config:GRPOStageConfig", "exante.train.grpo:run_grpo", **_TRAINED,
                      run_only=TRAIN_RUN_ONLY),
    "eval": StageType("exante.eval.config:EvalConfig", "exante.eval.run:run_eval", "out", "report.json",
                      ("report.json", "report.md", "report.html"), model_inputs=("models",), required=("models",)),
}


def stage_type(name: str, where: str = "") -> StageType:
    if name not in STAGE_TYPES:
        raise ExanteError(f"{where}unknown stage type {name!r}; expected one of {', '.join(STAGE_TYPES)}")
    return STAGE_TYPES[name]
