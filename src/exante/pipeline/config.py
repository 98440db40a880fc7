"""``QuickstartConfig``: which stage YAMLs the main job chains, and what it may change in them."""

from __future__ import annotations

from dataclasses import dataclass

from exante.config import field
from exante.errors import ExanteError

# In the order they run; each reads what the one before it wrote.
STAGES = ("synth", "sft", "pairs", "dpo", "eval")


@dataclass
class QuickstartConfig:
    out: str = field("runs", help="where quickstart.md (the before/after summary) and quickstart.json "
                     "(stage timings) are written")
    stages: list[str] = field(list(STAGES), help="stages to run, of synth sft pairs dpo eval; a finished stage "
                              "is skipped anyway, so this only matters to stop early or leave one out")
    model: str | None = field(None, help="base model: SFT starts from it and it is the report's 'before' column; "
                              "null: the `model` of the SFT YAML")
    synth_config: str = field("configs/synth.yaml", help="SynthConfig YAML (`exante synth`)")
    sft_config: str = field("configs/sft.yaml", help="SFTConfig YAML (`exante sft`)")
    pairs_config: str = field("configs/pairs.yaml", help="PairsConfig YAML (`exante pairs`)")
    dpo_config: str = field("configs/dpo.yaml", help="DPOConfig YAML (`exante dpo`)")
    eval_config: str = field("configs/eval_quick.yaml", help="EvalConfig YAML (`exante eval`); its `models` "
                             "are replaced by [base model, SFT output_dir, DPO output_dir]")
    overrides: dict = field({}, help="fields to change on top of each stage's YAML, e.g. "
                            "{synth: {limit: 20}, sft: {max_steps: 10}, eval: {limit: 8}}")

    def __post_init__(self) -> None:
        for name, values in (("stages", self.stages), ("overrides", list(self.overrides))):
            unknown = [s for s in values if s not in STAGES]
            if unknown:
                raise ExanteError(f"QuickstartConfig: field {name!r}: unknown stage {unknown[0]!r}; "
                                  f"expected some of {', '.join(STAGES)}")
        if not self.stages:
            raise ExanteError("QuickstartConfig: field 'stages' must name at least one stage")
        bad = [s for s, v in self.overrides.items() if not isinstance(v, dict)]
        if bad:
            raise ExanteError(f"QuickstartConfig: field 'overrides': {bad[0]!r} must map field names to values, "
                              f"got {self.overrides[bad[0]]!r}")
        self.stages = [s for s in STAGES if s in self.stages]  # always in pipeline order

    def stage_yaml(self, stage: str) -> str:
        return getattr(self, f"{stage}_config")
