"""``IterateConfig``: every knob of ``exante iterate``, one field each (YAML key = CLI flag).

The generation fields (``GenerationFields``) set how the k samples are drawn; the reward fields
(``exante.rewards.RewardConfig``) how each is scored; the rest the pool, the pair selection, the
DPO of each round, the dev evaluation and the choice of the returned round (docs/iterate.md).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

from exante.config import field
from exante.errors import ExanteError
from exante.iterate.sample import check_endpoint
from exante.models.params import GenerationFields
from exante.rewards import RewardConfig

SELECTIONS = ("max_min", "srs")
REFERENCES = ("previous", "initial")
DEFAULT_MIX = {"harmful": 0.25, "jailbreak": 0.25, "borderline": 0.25, "benign": 0.25}
# DPOConfig / EvalConfig fields each round sets itself: the pass-through dicts may not name them
DPO_SET_HERE = ("model", "train_file", "dev_file", "output_dir", "reference_model", "reference_file", "resume",
                "loss", "beta", "rdpo_alpha", "nll_weight", "learning_rate", "epochs")
EVAL_SET_HERE = ("models", "out", "suite", "split")
# Fields that do not change what a round makes: a run may be resumed (or extended) with others
# (sampling_endpoint: where the policy samples; samples from another engine differ, docs/iterate.md)
RUN_ONLY = {"output_dir", "overwrite", "batch_size", "rounds", "patience", "stop_after", "sampling_endpoint"}
STAGES = ("samples", "pairs", "dpo", "eval")


@dataclass
class IterateConfig(GenerationFields, RewardConfig):
    model: str = field("runs/dpo", help="policy of round 1 (SFT or DPO output; load_model spec)")
    output_dir: str = field("runs/iterate", help="round-<t>/ folders, rounds.json/.md, the returned model, summary.json")
    overwrite: bool = field(False, help="discard an earlier run in output_dir made with a different config")
    rounds: int = field(3, help="rounds T (a finished run continues when T is raised)")
    stop_after: str | None = field(None, help="stop after this stage of a round, e.g. '2/samples' "
                                   f"(stages: {', '.join(STAGES)}); a rerun without it continues")
    # the prompt pool
    prompts_per_round: int = field(64, help="fresh train prompts per round")
    mix: dict = field(DEFAULT_MIX, help="share of each kind among a round's prompts (harmful, jailbreak, borderline, benign)")
    sources: list[str] = field([], help="exante.data prompt sources; empty: every built-in source (train split only)")
    answered_areas: list[str] = field(["specialised_advice"], help="hazard areas whose harmful/jailbreak prompts "
                                      "are left out, as synth does: their rules answer with care")
    # sampling (the generation fields' defaults for on-policy sampling)
    samples_per_prompt: int = field(4, help="k samples per prompt from the round's policy (≥ 2)")
    temperature: float = field(0.8, help="sampling temperature (> 0)")
    top_p: float = field(0.95, help="nucleus sampling mass")
    max_new_tokens: int = field(320, help="token budget of a sample")
    seed: int = field(0, help="seed of the pool order; round t samples with seed + t (recorded with each sample)")
    sampling_endpoint: str | None = field(None, help="OpenAI-compatible API base (e.g. http://127.0.0.1:8000/v1) "
                                          "that samples each round's policy, named by path (exante serve "
                                          "--load-on-request); null: sample locally")
    # pairs
    selection: str = field("max_min", help="max_min: best vs worst by reward; srs: shortest acceptable sample vs worst")
    margin: float = field(0.25, help="keep a pair only when chosen − rejected reward ≥ this")
    acceptable: dict = field({"refusal_correct": 1.0, "harmless": 1.0},
                             help="a sample is acceptable when each of these reward parts is ≥ its value; "
                             "only an acceptable sample is chosen")
    fallback: bool = field(False, help="where no sample is acceptable, the chosen is composed by synth's compose teacher")
    rules: str | None = field(None, help="rulebook YAML of the compose teacher (default: the shipped one)")
    fallback_distill_model: str = field("smollm2-135m-instruct", help="model whose answers fill the compose "
                                        "teacher's traces for borderline/benign prompts")
    # DPO of each round (exante.train.config.DPOConfig)
    loss: str = field("sigmoid", help="preference loss: sigmoid (DPO), rdpo (R-DPO), ipo, simpo, ld")
    beta: float = field(0.1, help="β of the preference loss")
    rdpo_alpha: float = field(0.01, help="R-DPO α: weight of the length difference")
    nll_weight: float = field(0.0, help="λ of the NLL term on the chosen response (0: off)")
    learning_rate: float = field(5e-6, help="peak learning rate of each round's DPO")
    epochs: float = field(1.0, help="passes over each round's pairs")
    reference: str = field("previous", help="DPO reference: previous (the round's starting policy) or initial (model)")
    dpo: dict = field({}, help="other DPOConfig fields for every round, e.g. {batch_size: 4, lora: true}")
    # dev evaluation and the returned round
    dev_eval: bool = field(True, help="after each round (and for the initial model) run exante eval on the dev split")
    eval_suite: str = field("dev", help="eval suite (its split must be dev: rounds are chosen by it)")
    eval: dict = field({}, help="other EvalConfig fields, e.g. {limit: 40, batch_size: 32}")
    over_refusal_cap: float = field(0.10, help="a round is eligible when its dev over-refusal is ≤ this")
    patience: int = field(1, help="stop after this many rounds without a better dev criterion (0: never)")

    def __post_init__(self) -> None:
        super().__post_init__()
        self._check_ranges()
        check_endpoint("IterateConfig", self.sampling_endpoint)
        for name, choices in (("selection", SELECTIONS), ("reference", REFERENCES)):
            if getattr(self, name) not in choices:
                raise ExanteError(f"IterateConfig: field {name!r} must be one of {', '.join(choices)}, "
                                  f"got {getattr(self, name)!r}")
        for name, taken in (("dpo", DPO_SET_HERE), ("eval", EVAL_SET_HERE)):
            clash = sorted(set(getattr(self, name)) & set(taken))
            if clash:
                raise ExanteError(f"IterateConfig: field {name!r} may not set {', '.join(clash)} (set by iterate "
                                  "or a field of its own)")
        if self.stop_after is not None:
            self.stop_point()
        from exante.iterate.pool import kind_counts

        kind_counts(self.mix, self.prompts_per_round)
        self.reward_config()  # RewardConfig's own checks
        self.dpo_config(self.model, "pairs.jsonl", "out")  # unknown or mistyped pass-through fields fail now
        suite = self.eval_config(self.model, "out").suite_spec()
        if suite.split != "dev":
            raise ExanteError(f"IterateConfig: field 'eval_suite': suite {self.eval_suite!r} reads the {suite.split} "
                              "split; rounds are chosen on dev (the test split stays unseen)")

    def _check_ranges(self) -> None:
        checks = (("rounds", self.rounds >= 1, "≥ 1"), ("prompts_per_round", self.prompts_per_round >= 1, "≥ 1"),
                  ("samples_per_prompt", self.samples_per_prompt >= 2, "≥ 2 (a pair needs two samples)"),
                  ("temperature", self.temperature > 0, "> 0 (greedy samples are all alike)"),
                  ("margin", self.margin >= 0, "≥ 0"), ("patience", self.patience >= 0, "≥ 0"),
                  ("over_refusal_cap", 0 <= self.over_refusal_cap <= 1, "in [0, 1]"),
                  ("length_penalty", self.length_penalty >= 0, "≥ 0"))
        for name, ok, expected in checks:
            if not ok:
                raise ExanteError(f"IterateConfig: field {name!r} must be {expected}, got {getattr(self, name)!r}")
        bad = {k: v for k, v in self.acceptable.items() if isinstance(v, bool) or not isinstance(v, (int, float))}
        if bad:
            raise ExanteError(f"IterateConfig: field 'acceptable' maps reward parts to minimum values, got {bad}")

    def stop_point(self) -> tuple[int, str] | None:
        """``stop_after`` as (round, stage)."""
        if self.stop_after is None:
            return None
        t, _, stage = self.stop_after.partition("/")
        if not t.isdigit() or int(t) < 1 or stage not in STAGES:
            raise ExanteError(f"IterateConfig: field 'stop_after' must read ROUND/STAGE with a stage of "
                              f"{', '.join(STAGES)}, e.g. '1/samples'; got {self.stop_after!r}")
        return int(t), stage

    def dpo_config(self, model: str, train_file: str, output_dir: str, reference_model: str | None = None):
        """The DPOConfig of one round: this config's loss fields, ``dpo``, and the round's paths."""
        from exante.train.config import DPOConfig

        own = {name: getattr(self, name) for name in ("loss", "beta", "rdpo_alpha", "nll_weight", "learning_rate", "epochs")}
        paths = {"model": model, "train_file": train_file, "output_dir": output_dir, "reference_model": reference_model,
                 "resume": True}  # resume: a DPO killed mid-way continues from its last checkpoint
        return _pass_through(DPOConfig, "dpo", {**self.dpo, **own, **paths})

    def eval_config(self, model: str, out: str):
        """The EvalConfig of one round's dev evaluation."""
        from exante.eval.config import EvalConfig

        return _pass_through(EvalConfig, "eval", {**self.eval, "models": [model], "out": out, "suite": self.eval_suite})

    def reward_config(self) -> RewardConfig:
        return RewardConfig(**{f.name: getattr(self, f.name) for f in dataclasses.fields(RewardConfig)})

    def fingerprint(self) -> str:
        """Identifies what the rounds make; a resumed run must have the same fingerprint."""
        made = {k: v for k, v in dataclasses.asdict(self).items() if k not in RUN_ONLY}
        return hashlib.sha256(json.dumps(made, sort_keys=True).encode()).hexdigest()[:16]


def _pass_through(cls: type, name: str, values: dict):
    from exante.config import load_config

    try:
        return load_config(cls, None, values)
    except ExanteError as exc:
        raise ExanteError(f"IterateConfig: field {name!r}: {str(exc).removeprefix('command line: ')}") from None
