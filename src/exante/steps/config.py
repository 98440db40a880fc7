"""``StepsConfig``: every knob of ``exante steps``, one field each (YAML key = CLI flag).

The generation fields (``GenerationFields``) set how traces, alternative steps and roll-outs are
sampled; the reward fields (``exante.rewards.RewardConfig``) how a roll-out is scored; the rest
the prompt pool (``exante.iterate.pool``), the decision steps, the alternatives, the values, the
pair selection and the step-level DPO of each round (docs/steps.md).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

from exante.config import field, load_config
from exante.errors import ExanteError
from exante.iterate.config import DEFAULT_MIX
from exante.iterate.sample import check_endpoint
from exante.models.params import GenerationFields
from exante.pairs.config import STRATEGIES
from exante.reasoning import SECTIONS
from exante.rewards import RewardConfig

# where alternatives can be compared: every step but the answer, after which nothing is rolled out
DECISION_STEPS = SECTIONS[:-1]
CORRUPTIONS = tuple(s for s in (*STRATEGIES["safety"], *STRATEGIES["usefulness"]) if s != "sampled")
# DPOConfig fields each round sets itself (or a field of its own sets): ``dpo`` may not name them
DPO_SET_HERE = ("model", "train_file", "dev_file", "output_dir", "resume", "loss", "beta", "nll_weight",
                "learning_rate", "epochs")
# Fields that do not change what a round makes: a run may be resumed (or extended) with others
# (sampling_endpoint: where the policy samples; samples from another engine differ, docs/iterate.md)
RUN_ONLY = {"output_dir", "overwrite", "batch_size", "rounds", "sampling_endpoint"}


@dataclass
class StepsConfig(GenerationFields, RewardConfig):
    model: str = field("runs/sft", help="policy of round 1 (SFT or DPO output; load_model spec)")
    output_dir: str = field("runs/steps", help="round-<t>/ folders (journal, step pairs, stats, DPO), stats.json, "
                            "the final model, summary.json")
    overwrite: bool = field(False, help="discard an earlier run in output_dir made with a different config")
    rounds: int = field(1, help="rounds: sample step pairs from the current policy, train on them (raise to continue a run)")
    # the prompt pool (exante.iterate.pool: train split only, fresh prompts every round)
    prompts_per_round: int = field(32, help="fresh train prompts per round")
    mix: dict = field(DEFAULT_MIX, help="share of each kind among a round's prompts (harmful, jailbreak, borderline, benign)")
    sources: list[str] = field([], help="exante.data prompt sources; empty: every built-in source (train split only)")
    answered_areas: list[str] = field(["specialised_advice"], help="hazard areas whose harmful/jailbreak prompts are "
                                      "left out, as synth does: their rules answer with care")
    # decision points and their alternatives
    decision_steps: list[str] = field(["verification", "calibration"], help="steps at which alternatives are compared "
                                      f"(some of {', '.join(DECISION_STEPS)})")
    alternatives: int = field(4, help="m: next steps sampled from the policy at each decision step (the trace's own "
                                      "step and the corruptions come on top)")
    corruptions: list[str] = field(list(CORRUPTIONS), help="targeted corruptions added as alternatives where they fit "
                                   "the prompt's kind (exante pairs' constructions, one step of them; [] for none)")
    rules: str | None = field(None, help="rulebook YAML of the corruptions (default: the shipped one)")
    salt: str = field("exante-steps-v1", help="salt of the corruptions' hash-based wording")
    rollouts: int = field(2, help="r: roll-outs to the end of the trace per alternative; its value is their mean reward")
    step_max_new_tokens: int = field(160, help="token budget of an alternative step")
    # sampling (the generation fields' defaults for on-policy sampling)
    temperature: float = field(0.8, help="sampling temperature of traces, steps and roll-outs (> 0)")
    top_p: float = field(0.95, help="nucleus sampling mass")
    max_new_tokens: int = field(320, help="token budget of a trace and of a roll-out")
    seed: int = field(0, help="seed of the pool order and of the samples (per round and use: recorded with each pair)")
    sampling_endpoint: str | None = field(None, help="OpenAI-compatible API base (e.g. http://127.0.0.1:8000/v1) "
                                          "that samples each round's policy, named by path (exante serve "
                                          "--load-on-request); null: sample locally")
    # pairs
    margin: float = field(0.25, help="keep a pair only when chosen − rejected value ≥ this")
    min_chosen_value: float | None = field(None, help="the chosen step's value must be ≥ this (STAIR: 0.8 of its "
                                           "reward scale); null: any")
    # step-level DPO of each round (exante.train.config.DPOConfig)
    loss: str = field("sigmoid", help="preference loss: sigmoid (DPO), rdpo (R-DPO), ipo, simpo, ld")
    beta: float = field(0.1, help="β of the preference loss")
    nll_weight: float = field(0.0, help="λ of the NLL term on the chosen step (0: off)")
    learning_rate: float = field(5e-6, help="peak learning rate of each round's DPO")
    epochs: float = field(1.0, help="passes over each round's step pairs")
    dpo: dict = field({}, help="other DPOConfig fields for every round, e.g. {batch_size: 4, max_length: 768}")

    def __post_init__(self) -> None:
        super().__post_init__()
        self._check_ranges()
        check_endpoint("StepsConfig", self.sampling_endpoint)
        self._check_lists()
        self._check_judges()
        clash = sorted(set(self.dpo) & set(DPO_SET_HERE))
        if clash:
            raise ExanteError(f"StepsConfig: field 'dpo' may not set {', '.join(clash)} (set by steps or a field of its own)")
        from exante.iterate.pool import kind_counts

        try:
            kind_counts(self.mix, self.prompts_per_round)
        except ExanteError as exc:
            raise ExanteError(f"StepsConfig: field 'mix': {str(exc).removeprefix('mix: ')}") from None
        self.dpo_config(self.model, "step_pairs.jsonl", "out")  # unknown or mistyped pass-through fields fail now

    def _check_ranges(self) -> None:
        checks = (("rounds", self.rounds >= 1, "≥ 1"), ("prompts_per_round", self.prompts_per_round >= 1, "≥ 1"),
                  ("alternatives", self.alternatives >= 1, "≥ 1"), ("rollouts", self.rollouts >= 1, "≥ 1"),
                  ("step_max_new_tokens", self.step_max_new_tokens >= 1, "≥ 1"),
                  ("temperature", self.temperature > 0, "> 0 (greedy samples are all alike)"),
                  ("margin", self.margin >= 0, "≥ 0"), ("length_penalty", self.length_penalty >= 0, "≥ 0"))
        for name, ok, expected in checks:
            if not ok:
                raise ExanteError(f"StepsConfig: field {name!r} must be {expected}, got {getattr(self, name)!r}")

    def _check_lists(self) -> None:
        for name, allowed, why in (("decision_steps", DECISION_STEPS, " (the answer ends the trace: nothing to roll "
                                    "out after it)"), ("corruptions", CORRUPTIONS, "")):
            values = getattr(self, name)
            wrong = [v for v in values if v not in allowed]
            if wrong:
                raise ExanteError(f"StepsConfig: field {name!r}: unknown {wrong[0]!r}; expected some of "
                                  f"{', '.join(allowed)}{why}")
            if len(set(values)) != len(values):
                raise ExanteError(f"StepsConfig: field {name!r} names an entry twice: {values}")
        if not self.decision_steps:
            raise ExanteError(f"StepsConfig: field 'decision_steps' is empty; name some of {', '.join(DECISION_STEPS)}")

    def _check_judges(self) -> None:
        from exante.judge.base import judge_names

        for name, task in (("refusal_judge", "refusal"), ("harm_judge", "harm")):
            known = judge_names(task)
            if getattr(self, name) not in known:
                raise ExanteError(f"StepsConfig: field {name!r}: unknown {task} judge {getattr(self, name)!r}; "
                                  f"expected one of {', '.join(known)}")

    def dpo_config(self, model: str, train_file: str, output_dir: str):
        """The DPOConfig of one round: this config's loss fields, ``dpo``, and the round's paths."""
        from exante.train.config import DPOConfig

        own = {name: getattr(self, name) for name in ("loss", "beta", "nll_weight", "learning_rate", "epochs")}
        # resume: a DPO killed mid-way continues from its last checkpoint
        values = {**self.dpo, **own, "model": model, "train_file": train_file, "output_dir": output_dir, "resume": True}
        try:
            return load_config(DPOConfig, None, values)
        except ExanteError as exc:
            raise ExanteError(f"StepsConfig: field 'dpo': {str(exc).removeprefix('command line: ')}") from None

    def reward_config(self) -> RewardConfig:
        return RewardConfig(**{f.name: getattr(self, f.name) for f in dataclasses.fields(RewardConfig)})

    def fingerprint(self) -> str:
        """Identifies what the rounds make; a resumed run must have the same fingerprint."""
        made = {k: v for k, v in dataclasses.asdict(self).items() if k not in RUN_ONLY}
        return hashlib.sha256(json.dumps(made, sort_keys=True).encode()).hexdigest()[:16]
