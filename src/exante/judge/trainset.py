"""The judge classifiers' training set, built by this project from the files in data/.

Every request is paired with responses of known label:

- compliance: its own answer, plain or behind an opener / disclaimer / closing caveat
  (refusal 0: the only substantive responses);
- refusals of every family that fits its kind — hard, lecture, redirect, deflect, clarify,
  professional, partial, resources (refusal 1);
- for harmful requests, a hand-written safe completion (data/safe_answers.yaml) that talks
  about the topic without doing what was asked (refusal 1);
- minimal answers: the first sentence or two of a longer answer (not substantive; no refusal
  label, since whether a fragment "does what was asked" is ambiguous);
- non-sequiturs: the answers written for two other, non-harmful requests — one at random, one
  the most similar prompt (refusal 1), because an unrelated answer does not do what was asked.

A fixed fifth of the requests and a fixed fifth of each template family are held out: an
example that uses either is a *dev* example, so dev measures unseen prompts and wordings.
Hyper-parameters and thresholds are chosen on dev, never on human-labelled evaluation sets.

``objective_rows`` adds the one public labelled set of real model answers that ships offline:
PyRIT 1.1.0's ``scorer_evals/objective/*.csv`` (MIT; humans marked whether a response achieves a
harmful objective). More than half of its rows repeat responses or prompts of the evaluation
files (``humanlabels.py``), so every row whose response or prompt is close to any evaluation
row's (MiniLM cosine ≥ ``DECONTAMINATE_FROM``) is dropped; the rest are disjoint from them.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from importlib import resources

import numpy as np
import yaml

from exante.errors import ExanteError
from exante.judge.text import split_sentences

DATA_FILES = ("requests.yaml", "responses.yaml", "safe_answers.yaml", "prompts.yaml", "graded.yaml")
DEV_EVERY = 5  # one in five requests / templates is held out for dev
_REFUSALS_PER_FAMILY = {"hard": 2}  # other families: one template per applicable request
MINIMAL_FROM = 4  # answers with at least this many sentences also yield a minimal variant
# Copies of evaluation rows sit at cosine 0.95-1.0 (239 of the 395 rows against the harm files);
# 0.8 also drops close rewordings.
DECONTAMINATE_FROM = 0.8
# The pinned package whose objective files objective_rows reads: part of the keys of the heads
# trained on them (not of data_fingerprint, so other heads load without PyRIT installed).
OBJECTIVE_SOURCE = "pyrit-1.1.0"


@dataclass(frozen=True)
class Example:
    prompt: str
    response: str
    refusal: bool | None  # None: not labelled for refusal (a minimal answer is ambiguous there)
    family: str  # "comply", "comply_closing", "comply_disclaimer", "minimal", a refusal family, "non_sequitur"
    dev: bool


def read_data(name: str) -> dict:
    return yaml.safe_load(resources.files("exante.judge").joinpath("data", name).read_text(encoding="utf-8"))


def data_fingerprint() -> str:
    """Hash of the data files: cached classifier heads retrain when the data changes."""
    digest = hashlib.sha256()
    for name in DATA_FILES:
        digest.update(resources.files("exante.judge").joinpath("data", name).read_bytes())
    return digest.hexdigest()[:12]


def held_out(key: str) -> bool:
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % DEV_EVERY == 0


def fill_template(template: str, topic: str) -> str:
    return template.strip().replace("{topic}", topic).replace("{Topic}", topic[:1].upper() + topic[1:])


def _compliances(req: dict, spec: dict, rng: random.Random) -> list[Example]:
    answer = req["answer"].strip()
    opener, closing = rng.choice(spec["openers"]), rng.choice(spec["closings"])
    disclaimer = rng.choice(spec["disclaimers"])
    texts = {
        "comply": opener + answer,
        "comply_closing": rng.choice(spec["openers"]) + answer + closing,
        "comply_disclaimer": disclaimer + answer,
    }
    dev = held_out(req["id"])
    return [Example(req["prompt"], text, False, family, dev) for family, text in texts.items()]


def _minimal(req: dict) -> list[Example]:
    """The first one or two sentences of a longer answer: a minimal reference, which harm
    rubrics rate below their "moderate" level; unlabelled for refusal."""
    sentences = split_sentences(req["answer"])
    if len(sentences) < MINIMAL_FROM:
        return []
    text = " ".join(sentences[: 1 if len(sentences) < 2 * MINIMAL_FROM else 2])
    return [Example(req["prompt"], text, None, "minimal", held_out(req["id"]))]


def _refusals(req: dict, families: dict, rng: random.Random) -> list[Example]:
    out = []
    for family, spec in families.items():
        if req["kind"] not in spec["applies_to"]:
            continue
        indexed = list(enumerate(spec["templates"]))
        for index, template in rng.sample(indexed, _REFUSALS_PER_FAMILY.get(family, 1)):
            dev = held_out(req["id"]) or held_out(f"{family}/{index}")
            out.append(Example(req["prompt"], fill_template(template, req["topic"]), True, family, dev))
    return out


def _nearest_unrelated(requests: list[dict]) -> dict[str, dict]:
    """For each request, the non-harmful request whose prompt is most similar: its answer is a
    hard non-sequitur (same area, different question)."""
    from exante.models.embed import embed

    vectors = embed([r["prompt"] for r in requests])
    similarity = vectors @ vectors.T
    nearest = {}
    for i, req in enumerate(requests):
        order = np.argsort(-similarity[i])
        nearest[req["id"]] = next(requests[j] for j in order if j != i and requests[j]["kind"] != "harmful")
    return nearest


def _non_sequiturs(req: dict, others: list[dict], near: dict, rng: random.Random) -> list[Example]:
    far = rng.choice([o for o in others if o["id"] not in (req["id"], near["id"]) and o["kind"] != "harmful"])
    return [
        Example(req["prompt"], o["answer"].strip(), True, "non_sequitur", held_out(req["id"]) or held_out(o["id"]))
        for o in (far, near)
    ]


def _safe_completion(req: dict, safe_answers: dict) -> list[Example]:
    text = safe_answers.get(req["id"])
    return [] if text is None else [Example(req["prompt"], text.strip(), True, "safe_completion", held_out(req["id"]))]


@dataclass(frozen=True)
class LabelledAnswer:
    prompt: str
    response: str
    achieved: bool  # a human found that the response achieves the (harmful) objective
    file: str


def objective_rows() -> list[LabelledAnswer]:
    """PyRIT's objective-achieved rows minus every row near an evaluation row (module docstring)."""
    from exante.judge.humanlabels import load_labelled_file, load_labelled_sets, scorer_evals_dir
    from exante.models.embed import embed

    files = sorted((scorer_evals_dir() / "objective").glob("*.csv"))
    if not files:
        raise ExanteError("PyRIT's scorer_evals/objective/*.csv not found; is pyrit==1.1.0 installed (scripts/setup.sh)?")
    sets = [load_labelled_file(path, "objective") for path in files]
    held = load_labelled_sets("harm") + load_labelled_sets("refusal")

    def nearest(texts: list[str], against: list[str]) -> np.ndarray:
        return (embed([t.strip() or "(empty)" for t in texts]) @ embed([t.strip() or "(empty)" for t in against]).T).max(axis=1)

    rows = [LabelledAnswer(p, r, g, path.stem) for path, labelled in zip(files, sets)
            for p, r, g in zip(labelled.prompts, labelled.responses, labelled.gold)]
    close = np.maximum(nearest([r.response for r in rows], [t for h in held for t in h.responses]),
                       nearest([r.prompt for r in rows], [t for h in held for t in h.prompts]))
    return [r for r, c in zip(rows, close) if c < DECONTAMINATE_FROM]


def build_examples(seed: int = 0) -> list[Example]:
    """The whole labelled training set (train and dev), deterministic for a given seed."""
    requests, responses = read_data("requests.yaml")["requests"], read_data("responses.yaml")
    safe_answers = read_data("safe_answers.yaml")["safe_answers"]
    rng = random.Random(seed)
    nearest = _nearest_unrelated(requests)
    examples: list[Example] = []
    for req in requests:
        examples += (_compliances(req, responses["compliance"], rng) + _refusals(req, responses["refusals"], rng)
                     + _safe_completion(req, safe_answers) + _non_sequiturs(req, requests, nearest[req["id"]], rng)
                     + _minimal(req))
    return examples
