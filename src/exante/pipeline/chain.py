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
from exante.pipeline.config import STAGES, QuickstartConfig, round_stage, stage_kind, stage_round
from exante.pipeline.registry import STAGE_TYPES


def config_classes() -> dict[str, type]:
    return {kind: STAGE_TYPES[kind].config_class(kind) for kind in STAGES}


def base_model(configs: dict[str, Any]) -> str:
    return configs["sft"].model


def dpo_stages(configs: dict[str, Any]) -> list[str]:
    """dpo, dpo-r2, …: the DPO rounds in order."""
    return [s for s in configs if stage_kind(s) == "dpo"]


def evaluated_models(configs: dict[str, Any]) -> list[str]:
    """The report's columns: before (base), after SFT, after each DPO round."""
    return [base_model(configs), configs["sft"].output_dir, *(configs[s].output_dir for s in dpo_stages(configs))]


# The fields a round r ≥ 2 takes from the rounds before it (``round_inputs``).
ROUND_FIELDS = {"pairs": ("out", "sample_from", "salt"), "dpo": ("model", "train_file", "output_dir")}


def round_inputs(stage: str, configs: dict[str, Any]) -> dict[str, Any]:
    """What a stage of round r ≥ 2 takes from round r − 1 and round 1: its inputs and output folder."""
    kind, r = stage_kind(stage), stage_round(stage)
    previous = configs[round_stage("dpo", r - 1)].output_dir
    if kind == "pairs":
        first = configs["pairs"]
        values = (f"{first.out}-r{r}", previous, f"{first.salt}-r{r}")
    else:
        values = (previous, str(Path(configs[round_stage("pairs", r)].out) / "pairs.jsonl"),
                  f"{configs['dpo'].output_dir}-r{r}")
    return dict(zip(ROUND_FIELDS[kind], values))


def stage_overrides(qc: QuickstartConfig, stage: str, configs: dict[str, Any]) -> dict[str, Any]:
    """What quickstart changes in a stage's YAML: the user's overrides, then what the chain fixes
    (``configs`` holds the stages before this one)."""
    kind = stage_kind(stage)
    overrides = dict(qc.overrides.get(kind, {}))
    if stage_round(stage) > 1:
        overrides |= round_inputs(stage, configs) | qc.round_overrides.get(kind, {})
    if stage == "sft" and qc.model is not None:
        overrides["model"] = qc.model
    if stage == "eval":
        overrides["models"] = evaluated_models(configs)
    return overrides


def given_overrides(qc: QuickstartConfig, stage: str) -> list[str]:
    """The quickstart fields that change this stage's YAML, as the user would name them."""
    kind = stage_kind(stage)
    given = [f"overrides.{kind}"] if qc.overrides.get(kind) else []
    if stage_round(stage) > 1 and qc.round_overrides.get(kind):
        given.append(f"round_overrides.{kind}")
    return given


def load_stage_configs(qc: QuickstartConfig) -> dict[str, Any]:
    """stage → its typed config: YAML, then ``stage_overrides``."""
    classes, configs = config_classes(), {}
    for stage in qc.stage_names():
        kind, overrides = stage_kind(stage), stage_overrides(qc, stage, configs)
        yaml_file = Path(qc.stage_yaml(stage))
        try:
            configs[stage] = load_config(classes[kind], yaml_file, overrides)
        except ExanteError as exc:
            if str(exc).startswith(str(yaml_file)):
                raise
            given = given_overrides(qc, stage)
            raise ExanteError(f"{yaml_file}{' with ' + ' and '.join(given) if given else ''}: {exc}") from None
    return configs


def stage_dir(stage: str, config: Any) -> Path:
    """The directory a stage writes to."""
    return Path(getattr(config, STAGE_TYPES[stage_kind(stage)].output_field))


def same_path(a: str | None, b: str | Path) -> bool:
    return a is not None and Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def _where(qc: QuickstartConfig, stage: str, name: str) -> str:
    """The place a field's value came from, as the user would edit it."""
    kind = stage_kind(stage)
    if stage == "sft" and name == "model" and qc.model is not None:
        return "quickstart field 'model'"
    if stage_round(stage) > 1:
        if name in qc.round_overrides.get(kind, {}):
            return f"round_overrides.{kind}.{name}"
        if name in ROUND_FIELDS[kind]:
            return f"quickstart field 'rounds' ({stage})"
    if name in qc.overrides.get(kind, {}):
        return f"overrides.{kind}.{name}"
    return f"{qc.stage_yaml(stage)}: field {name!r}"


def chain_links(qc: QuickstartConfig, configs: dict[str, Any]) -> list[tuple[str, str, Path | str, str]]:
    """(stage, field, the value it must have, where that value comes from) for every link of the chain."""
    synth_file = Path(configs["synth"].out) / "sft.jsonl"
    synth = f"synth's output ({_where(qc, 'synth', 'out')} + /sft.jsonl)"
    links = [("sft", "train_file", synth_file, synth)]
    trained_before = "sft"  # the model each DPO round starts from
    for dpo in dpo_stages(configs):
        pairs = round_stage("pairs", stage_round(dpo))
        model = "the SFT model" if trained_before == "sft" else f"the round {stage_round(trained_before)} DPO model"
        model_why = f"{model} ({_where(qc, trained_before, 'output_dir')})"
        links += [(pairs, "sft", synth_file, synth),
                  (dpo, "model", configs[trained_before].output_dir, model_why),
                  (dpo, "train_file", Path(configs[pairs].out) / "pairs.jsonl",
                   f"the pairs ({_where(qc, pairs, 'out')} + /pairs.jsonl)")]
        if stage_round(dpo) > 1:
            links.append((pairs, "sample_from", configs[trained_before].output_dir, model_why))
        trained_before = dpo
    return links


def check_chain(qc: QuickstartConfig, configs: dict[str, Any]) -> None:
    """Raise one ExanteError naming every link whose two ends disagree, before any work."""
    problems = [
        f"{_where(qc, stage, name)} is {getattr(configs[stage], name)!r} but must be {str(expected)!r}, {why}"
        for stage, name, expected, why in chain_links(qc, configs)
        if not same_path(getattr(configs[stage], name), expected)
    ]
    names = list(configs)
    outputs = {stage: stage_dir(stage, configs[stage]) for stage in names}
    for i, first in enumerate(names):
        for second in names[i + 1:]:
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
