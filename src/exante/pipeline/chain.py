"""The stage configs of one quickstart, loaded from their YAMLs, and the check that they chain.

Each stage reads what the one before it wrote, through paths set in two different YAML files;
a typo there would only show after hours of work. So every link is checked before any stage
starts, and all broken links are named at once with the file and field to change.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from exante.config import load_config
from exante.errors import ExanteError
from exante.pipeline.config import STAGES, QuickstartConfig


def config_classes() -> dict[str, type]:
    from exante.eval.config import EvalConfig
    from exante.synth.config import SynthConfig
    from exante.train.config import DPOConfig, SFTConfig
    from exante.train.pairs_config import PairsConfig

    return {"synth": SynthConfig, "sft": SFTConfig, "pairs": PairsConfig, "dpo": DPOConfig, "eval": EvalConfig}


def base_model(configs: dict[str, Any]) -> str:
    return configs["sft"].model


def evaluated_models(configs: dict[str, Any]) -> list[str]:
    """The report's columns: before (base), after SFT, after DPO."""
    return [base_model(configs), configs["sft"].output_dir, configs["dpo"].output_dir]


def stage_overrides(qc: QuickstartConfig, stage: str, configs: dict[str, Any]) -> dict[str, Any]:
    """What quickstart changes in a stage's YAML: the user's overrides, then what the chain fixes
    (``configs`` holds the stages before this one)."""
    overrides = dict(qc.overrides.get(stage, {}))
    if stage == "sft" and qc.model is not None:
        overrides["model"] = qc.model
    if stage == "eval":
        overrides["models"] = evaluated_models(configs)
    return overrides


def load_stage_configs(qc: QuickstartConfig) -> dict[str, Any]:
    """stage → its typed config: YAML, then ``stage_overrides``."""
    classes, configs = config_classes(), {}
    for stage in STAGES:
        overrides = stage_overrides(qc, stage, configs)
        yaml_file = Path(qc.stage_yaml(stage))
        try:
            configs[stage] = load_config(classes[stage], yaml_file, overrides)
        except ExanteError as exc:
            if str(exc).startswith(str(yaml_file)):
                raise
            given = f" with overrides.{stage}" if qc.overrides.get(stage) else ""
            raise ExanteError(f"{yaml_file}{given}: {exc}") from None
    return configs


def stage_dir(stage: str, config: Any) -> Path:
    """The directory a stage writes to."""
    return Path(config.output_dir if stage in ("sft", "dpo") else config.out)


def same_path(a: str | None, b: str | Path) -> bool:
    return a is not None and Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def _where(qc: QuickstartConfig, stage: str, name: str) -> str:
    """The place a field's value came from, as the user would edit it."""
    if stage == "sft" and name == "model" and qc.model is not None:
        return "quickstart field 'model'"
    if name in qc.overrides.get(stage, {}):
        return f"overrides.{stage}.{name}"
    return f"{qc.stage_yaml(stage)}: field {name!r}"


def check_chain(qc: QuickstartConfig, configs: dict[str, Any]) -> None:
    """Raise one ExanteError naming every link whose two ends disagree, before any work."""
    synth_file = Path(configs["synth"].out) / "sft.jsonl"
    pairs_file = Path(configs["pairs"].out) / "pairs.jsonl"
    links = (  # (stage, field, the value it must have, where that value comes from)
        ("sft", "train_file", synth_file, f"synth's output ({_where(qc, 'synth', 'out')} + /sft.jsonl)"),
        ("pairs", "sft", synth_file, f"synth's output ({_where(qc, 'synth', 'out')} + /sft.jsonl)"),
        ("dpo", "model", configs["sft"].output_dir, f"the SFT model ({_where(qc, 'sft', 'output_dir')})"),
        ("dpo", "train_file", pairs_file, f"the pairs ({_where(qc, 'pairs', 'out')} + /pairs.jsonl)"),
    )
    problems = [
        f"{_where(qc, stage, name)} is {getattr(configs[stage], name)!r} but must be {str(expected)!r}, {why}"
        for stage, name, expected, why in links if not same_path(getattr(configs[stage], name), expected)
    ]
    outputs = {stage: stage_dir(stage, configs[stage]) for stage in STAGES}
    for i, first in enumerate(STAGES):
        for second in STAGES[i + 1:]:
            if same_path(outputs[first], outputs[second]):
                problems.append(f"{first} and {second} would both write to '{outputs[first]}'")
    if problems:
        raise ExanteError("the stages do not chain: " + "; ".join(problems))


def config_changes(saved: Path, config: Any, ignore: set[str] = frozenset()) -> list[str]:
    """Fields whose value differs between a stage's saved ``config.yaml`` and ``config``."""
    import yaml

    earlier = yaml.safe_load(saved.read_text(encoding="utf-8")) or {}
    now = dataclasses.asdict(config)
    return sorted(k for k in now.keys() | earlier.keys() if k not in ignore and earlier.get(k) != now.get(k))
