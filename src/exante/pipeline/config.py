"""``QuickstartConfig``: which stage YAMLs the main job chains, and what it may change in them."""

from __future__ import annotations

from dataclasses import dataclass

from exante.config import field
from exante.errors import ExanteError

# In the order they run; each reads what the one before it wrote.
STAGES = ("synth", "sft", "pairs", "dpo", "eval")
ROUND_STAGES = ("pairs", "dpo")  # what a further DPO round repeats


def stage_kind(stage: str) -> str:
    """``pairs-r2`` → ``pairs``: the stage's command, config class and YAML."""
    return stage.partition("-r")[0]


def stage_round(stage: str) -> int:
    """``dpo-r3`` → 3; the first round's stages (and the others) → 1."""
    _, sep, number = stage.partition("-r")
    return int(number) if sep else 1


def round_stage(kind: str, round_: int) -> str:
    return kind if round_ == 1 else f"{kind}-r{round_}"


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
                             "are replaced by [base model, SFT output_dir, DPO output_dir of every round]")
    overrides: dict = field({}, help="fields to change on top of each stage's YAML, e.g. "
                            "{synth: {limit: 20}, sft: {max_steps: 10}, eval: {limit: 8}}")
    rounds: int = field(1, help="DPO rounds. Round r ≥ 2 (stages pairs-r<r>, dpo-r<r>, written to round 1's "
                        "directories + '-r<r>') samples its rejected responses from round r−1's model and trains "
                        "from that model, which is also its reference: iterative on-policy DPO")
    round_overrides: dict = field({}, help="fields to change in the pairs and dpo configs of rounds ≥ 2, on top "
                                  "of round 1's, e.g. {pairs: {max_pairs: {safety: 80}}}")

    def __post_init__(self) -> None:
        for name, values, allowed in (("stages", self.stages, STAGES), ("overrides", list(self.overrides), STAGES),
                                      ("round_overrides", list(self.round_overrides), ROUND_STAGES)):
            unknown = [s for s in values if s not in allowed]
            if unknown:
                raise ExanteError(f"QuickstartConfig: field {name!r}: unknown stage {unknown[0]!r}; "
                                  f"expected some of {', '.join(allowed)}")
        if not self.stages:
            raise ExanteError("QuickstartConfig: field 'stages' must name at least one stage")
        for name in ("overrides", "round_overrides"):
            values = getattr(self, name)
            bad = [s for s, v in values.items() if not isinstance(v, dict)]
            if bad:
                raise ExanteError(f"QuickstartConfig: field {name!r}: {bad[0]!r} must map field names to values, "
                                  f"got {values[bad[0]]!r}")
        if not isinstance(self.rounds, int) or self.rounds < 1:
            raise ExanteError(f"QuickstartConfig: field 'rounds' must be a whole number ≥ 1, got {self.rounds!r}")
        self.stages = [s for s in STAGES if s in self.stages]  # always in pipeline order

    def stage_names(self) -> list[str]:
        """Every stage of the chain in run order: synth, sft, pairs, dpo, pairs-r2, dpo-r2, …, eval."""
        rounds = [round_stage(kind, r) for r in range(2, self.rounds + 1) for kind in ROUND_STAGES]
        return [*STAGES[:-1], *rounds, STAGES[-1]]

    def selected(self) -> list[str]:
        """The stages this run may work on (every round of a selected pairs or dpo)."""
        return [s for s in self.stage_names() if stage_kind(s) in self.stages]

    def stage_yaml(self, stage: str) -> str:
        return getattr(self, f"{stage_kind(stage)}_config")
