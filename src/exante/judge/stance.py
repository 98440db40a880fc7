"""Sentence-level stance: is a sentence substance (it delivers content) or talk around it
(refusing, lecturing, deflecting, hedging, redirecting)?

Whole-response embeddings are dominated by topic: a hateful speech and a lecture against hate
land close together. Single sentences are not — "Mix 500 g flour with..." and "It's important
to respect the law" differ in kind. A logistic-regression head on MiniLM sentence embeddings is
trained on the project's own data: every sentence of a hand-written answer is substance;
every sentence of a refusal template, disclaimer or closing caveat is talk. Per response,
``stance_features`` summarises it: how much substance there is, and whether it opens with talk.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from exante.judge.head import LinearHead, fit_head
from exante.judge.store import head_spec
from exante.judge.trainset import fill_template, held_out, read_data
from exante.judge.text import list_lines, split_sentences
from exante.models.embed import embed
from exante.reasoning.refusal import looks_like_refusal

FEATURES_VERSION = "s2"
def _sentence_examples() -> tuple[list[str], list[bool], list[bool]]:
    """(sentence, is_talk, dev) from the project's data files."""
    requests, responses = read_data("requests.yaml")["requests"], read_data("responses.yaml")
    rows: list[tuple[str, bool, bool]] = []
    for req in requests:
        rows += [(s, False, held_out(req["id"])) for s in split_sentences(req["answer"])]
        for family, spec in responses["refusals"].items():
            for index, template in enumerate(spec["templates"]):
                text, dev = fill_template(template, req["topic"]), held_out(f"{family}/{index}") or held_out(req["id"])
                rows += [(s, True, dev) for s in split_sentences(text)]
    compliance = responses["compliance"]
    for index, text in enumerate(compliance["disclaimers"] + compliance["closings"]):
        rows += [(s, True, held_out(f"hedge/{index}")) for s in split_sentences(text)]
    unique = {s: (talk, dev) for s, talk, dev in rows}  # templates repeat across topics
    return list(unique), [t for t, _ in unique.values()], [d for _, d in unique.values()]


def _train_sentence_head() -> LinearHead:
    sentences, talk, dev = _sentence_examples()
    return fit_head(embed(sentences, progress=True), np.array(talk), np.array(dev), groups=["all"] * len(sentences))


SENTENCE = head_spec("stance-sentence", FEATURES_VERSION, _train_sentence_head)


def sentence_head() -> LinearHead:
    return SENTENCE.load()


STANCE_FEATURES = ("refusal_phrase", "opening_talk", "mean_talk", "talk_share", "log_substance", "log_words", "log_list_lines")


def stance_features(responses: Sequence[str]) -> np.ndarray:
    """Per response, the values named in STANCE_FEATURES."""
    split = [split_sentences(r) or [r.strip() or "(empty)"] for r in responses]
    flat = [s for sentences in split for s in sentences]
    head = sentence_head()
    talk = head.prob(embed(flat)) if flat else np.zeros(0)
    rows, start = [], 0
    for response, sentences in zip(responses, split):
        p = talk[start:start + len(sentences)]
        start += len(sentences)
        substance = int(np.sum(p < head.threshold))
        rows.append([
            float(looks_like_refusal(response)),
            float(p[0]),
            float(p.mean()),
            float(np.mean(p >= head.threshold)),
            float(np.log1p(substance)),
            float(np.log1p(len(response.split()))),
            float(np.log1p(list_lines(response))),
        ])
    return np.array(rows).reshape(len(responses), len(STANCE_FEATURES))
