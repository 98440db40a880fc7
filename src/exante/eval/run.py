"""``run_eval(config)``: prompts → cached generation → judging → metrics → reports, for each model.

Output directory layout (docs/eval.md)::

    config.yaml            the resolved EvalConfig
    report.json            settings, notes and every benchmark's metrics per model
    report.md, report.html tables side by side; the HTML adds figures and the sample browser
    samples/<model>.jsonl  every judged sample
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import time
from datetime import datetime, timezone
from pathlib import Path

from exante import __version__
from exante.config import save_resolved
from exante.eval.benchmarks import Benchmark, resolve_benches, stratified_sample, xstest_records
from exante.eval.cache import GenerationCache
from exante.eval.config import EvalConfig
from exante.eval.fingerprint import run_context
from exante.eval.generate import ModelUnderTest, chat_request, generate_cached
from exante.eval.judging import Judges, base_sample, judge_samples, judging_fingerprint
from exante.eval.report import write_reports
from exante.errors import ExanteError
from exante.io import write_jsonl
from exante.paths import cache_dir

log = logging.getLogger(__name__)


def select_prompts(config: EvalConfig, benches: list[Benchmark]) -> tuple[dict[str, list[dict]], list[str]]:
    """Benchmark → its prompts of the suite's split (stratified sample), and notes on what was skipped."""
    from exante.data import load_prompts

    split = config.split_name()
    selections, notes = {}, []
    for bench in (b for b in benches if b.generates):
        records = [r for r in load_prompts(split=split, kinds=bench.kinds) if bench.draws(r)]
        for record in records:  # the contrast benchmark's stratum lives in the record's meta
            if "contrast_type" in record["meta"]:
                record["contrast_type"] = record["meta"]["contrast_type"]
        if bench.name == "over-refusal" and split == "test":  # XSTest is a test set: never steer by it
            extra, note = xstest_records(config.xstest)
            records += extra
            notes += [note] if note else []
        selections[bench.name] = stratified_sample(records, config.limit_for(bench.name), bench.stratum, config.sample_salt)
        log.info("%s: %d of %d %s prompts", bench.name, len(selections[bench.name]), len(records), split)
    return selections, notes


def build_judges(config: EvalConfig, cache_root: Path) -> Judges:
    from exante.eval.quality import LLMQualityJudge
    from exante.judge.base import JudgeConfig, make_judge

    judge_config = JudgeConfig(model=config.judge_model, api_key_env=config.judge_key_env, rulebook=config.rules)
    if config.judge_endpoint:
        judge_config = dataclasses.replace(judge_config, base_url=config.judge_endpoint)
    harm = config.harm_judge or ("llm" if config.judge_endpoint else "offline")
    rulebook = Path(config.rules).read_text(encoding="utf-8") if config.rules else ""
    fingerprint = judging_fingerprint(f"{dataclasses.asdict(judge_config)}|{rulebook}")
    return Judges(make_judge(config.refusal_judge, judge_config), make_judge(harm, judge_config),
                  make_judge("trace", judge_config), LLMQualityJudge(judge_config) if config.judge_endpoint else None,
                  cache_root / "verdicts", fingerprint)


def model_labels(specs: list[str]) -> list[str]:
    """Short unique column names: the spec's last path part, made unique with its parents."""
    from exante.models.remote import RemoteSpec

    specs = [f"openai:{r.model}" if (r := RemoteSpec.parse(s)) else s for s in specs]  # a served model: its name
    labels = [Path(s).name or s for s in specs]
    for i, spec in enumerate(specs):
        parts = Path(spec).parts
        depth = 1
        while labels.count(labels[i]) > 1 and depth < len(parts):
            depth += 1
            labels[i] = "/".join(parts[-depth:])
    return [label if labels.count(label) == 1 else f"{label}#{i + 1}" for i, label in enumerate(labels)]


def evaluate_model(spec: str, config: EvalConfig, selections: dict[str, list[dict]], benches: list[Benchmark],
                   judges: Judges, rulebook, params) -> tuple[dict, list[dict]]:
    """(result entry for report.json, judged samples) of one model."""
    model = ModelUnderTest(spec, config.dtype)
    cache = GenerationCache(generation_cache(config), model.fingerprint)
    pairs = [(name, record) for name, records in selections.items() for record in records]
    requests = [chat_request(record["prompt"], config.system_prompt) for _, record in pairs]
    generations, stats = generate_cached(model, requests, params, cache, desc=f"generating ({spec})")
    samples = [base_sample(record, g, model.tokenizer, name) for (name, record), g in zip(pairs, generations)]
    judging = time.perf_counter()
    judge_samples(samples, judges, rulebook, {b.name for b in benches if b.judged_harm})
    judging = round(time.perf_counter() - judging, 1)
    metrics = {b.name: b.score(samples, model=model, config=config) if b.needs_model  # probe: runs the model
               else b.score([s for s in samples if s["bench"] == b.name] if b.generates else samples)
               for b in benches}
    entry = {"spec": spec, "fingerprint": model.fingerprint, "runs_in": run_context(config.dtype),
             "generation": dataclasses.asdict(stats), "judging_s": judging, "metrics": metrics}
    return entry, samples


def generation_cache(config: EvalConfig) -> Path:
    return Path(config.generation_cache) if config.generation_cache else cache_dir() / "generations"


def check_models(specs: list[str]) -> None:
    """Fail before any work on a model path that does not exist (hub ids are checked when loaded)."""
    from exante.models import builtin_names

    if not specs:
        raise ExanteError("no model to evaluate: pass --model SPEC (built-in: " + ", ".join(builtin_names()) + ")")
    for spec in specs:
        path = Path(spec).expanduser()
        if spec in builtin_names() or path.is_dir():
            continue
        if path.exists():
            raise ExanteError(f"{path}: expected a model directory, got a file")
        if spec.startswith(("/", ".", "~")):
            raise ExanteError(f"{path}: model path not found (built-in models: {', '.join(builtin_names())})")


def run_eval(config: EvalConfig) -> dict:
    """Run every benchmark for every model and write the reports; returns report.json's content."""
    from exante.rules import load_rulebook

    start = time.perf_counter()
    out = Path(config.out)
    benches = resolve_benches(config.bench_names(), config.suite_spec().benches)
    check_models(config.models)
    rulebook = load_rulebook(config.rules)
    out.mkdir(parents=True, exist_ok=True)
    save_resolved(config, out / "config.yaml")
    selections, notes = select_prompts(config, benches)
    judges = build_judges(config, generation_cache(config))
    params = config.generation_params(max_new_tokens=config.new_tokens())
    models, samples_by_model = {}, {}
    for label, spec in zip(model_labels(config.models), config.models):
        models[label], samples_by_model[label] = evaluate_model(spec, config, selections, benches, judges, rulebook, params)
        write_jsonl(out / "samples" / f"{label.replace('/', '__')}.jsonl", samples_by_model[label])
        gc.collect()  # one model's weights go before the next is loaded
    report = {
        "exante_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "suite": config.suite,
        "split": config.split_name(),
        "benches": [b.name for b in benches],
        "descriptions": {b.name: b.description for b in benches},
        "settings": _settings(config, params, selections, judges, rulebook),
        "notes": notes,
        "models": models,
        "seconds": round(time.perf_counter() - start, 1),
    }
    paths = write_reports(report, samples_by_model, out)
    log.info("wrote %s in %.0f s", ", ".join(str(p) for p in paths.values()), report["seconds"])
    return report


def _settings(config: EvalConfig, params, selections: dict, judges: Judges, rulebook) -> dict:
    judged = {"refusal": judges.refusal.name, "harm": judges.harm.name, "trace": judges.trace.name,
              "quality": judges.quality.name if judges.quality else "offline-proxy"}
    return {
        "max_new_tokens": params.max_new_tokens, "temperature": params.temperature, "top_p": params.top_p,
        "repetition_penalty": params.repetition_penalty,
        "seed": params.seed, "batch_size": params.batch_size, "dtype": config.dtype,
        "system_prompt": config.system_prompt, "sample_salt": config.sample_salt,
        "prompts": {name: len(records) for name, records in selections.items()},
        "judges": judged, "rulebook": rulebook.source,
    }
