"""The ``compose`` teacher: offline and deterministic, built from the rulebook and the prompt's signals.

Per prompt it retrieves the relevant rules (``retrieval.py``), reads the framing and the request
from the text (``signals.py``), and writes the trace (``traces.py``). Harmful and jailbreak prompts
get a refusal with a redirection specific to the hazard area; benign and borderline prompts get
the base model's own answer (``distill.py``) under a trace that says why answering is safe.
"""

from __future__ import annotations

from exante.data import load_prompts
from exante.reasoning import render_trace
from exante.rules import Rulebook
from exante.synth.config import SynthConfig
from exante.synth.distill import Distiller
from exante.synth.mix import SAFE_KINDS
from exante.synth.retrieval import Retrieval, RuleRetriever
from exante.synth.signals import detect_framings, gist, request_text, text_request
from exante.synth.teachers import Emit, TeacherOutput
from exante.synth.traces import Facts, TraceWriter

CHUNK = 32  # prompts per step: retrieval and distillation are batched within a chunk


class ComposeTeacher:
    name = "compose"

    def __init__(self, config: SynthConfig, rulebook: Rulebook):
        self.config, self.rulebook = config, rulebook
        self.writer = TraceWriter(rulebook, config.style, config.salt)
        self.distiller = Distiller(config.distill_model, config.distill_max_new_tokens,
                                   config.distill_attempts, config.batch_size, shipped=config.distill_shipped)
        self._retriever: RuleRetriever | None = None

    @property
    def retriever(self) -> RuleRetriever:
        """Built on first use: labelled neighbours are the train split's harmful prompts (never dev/test)."""
        if self._retriever is None:
            train = load_prompts(self.config.sources or None, split="train", kinds=["harmful"],
                                 mapping=self.config.source_map, kind=self.config.source_kind)
            pool = [r for r in train if r["meta"].get("category_from") != "fallback"]
            self._retriever = RuleRetriever(self.rulebook, pool)
        return self._retriever

    def run(self, records: list[dict], emit: Emit) -> None:
        for start in range(0, len(records), CHUNK):
            chunk = records[start:start + CHUNK]
            queries = [self._query(r) for r in chunk]
            found = self.retriever.retrieve(queries, [r.get("group") for r in chunk])
            text_only = self._text_only_areas(chunk)
            safe = [q for r, q in zip(chunk, queries) if r["kind"] in SAFE_KINDS]
            answers = self.distiller.answers(safe) if safe else {}
            for record, query, retrieval in zip(chunk, queries, found):
                info = {"retrieved_rules": [rid for rid, _ in retrieval.harm[:3]],
                        "retrieved_areas": retrieval.top_areas(3)}
                if record["id"] in text_only:
                    info["text_only_areas"] = text_only[record["id"]]
                emit(self._one(record, query, retrieval, answers.get(query), info))

    def _query(self, record: dict) -> str:
        """The request to reason about: known, decoded, or (a jailbreak of unknown make) its best line."""
        query = request_text(record)
        return self.retriever.focus(query, record.get("group")) if record["kind"] == "jailbreak" else query

    def _text_only_areas(self, chunk: list[dict]) -> dict[str, list[str]]:
        """For jailbreaks with a known request, retrieval from the prompt's text alone: reported, not used."""
        known = [r for r in chunk if r["kind"] == "jailbreak" and r["meta"].get("base_prompt")]
        texts = [self.retriever.focus(text_request(r["prompt"], r.get("attack")), r.get("group")) for r in known]
        found = self.retriever.retrieve(texts, [r.get("group") for r in known])
        return {r["id"]: f.top_areas(3) for r, f in zip(known, found)}

    def _one(self, record: dict, query: str, retrieval: Retrieval, distilled, info: dict) -> TeacherOutput:
        safe = record["kind"] in SAFE_KINDS
        attack = record.get("attack") or record["meta"].get("framing")
        facts = Facts(key=record["id"], kind=record["kind"], category=record.get("category") or "everyday",
                      query=query, gist=gist(query), framings=detect_framings(record["prompt"], attack, tense=not safe),
                      retrieval=retrieval)
        if not safe:
            facts.element = self.retriever.closest_disallowed(retrieval.top_rule, query)
            return TeacherOutput(record["id"], render_trace(self.writer.refusal(facts)), info=info)
        info["distill_attempts"] = distilled.attempts
        if distilled.text is None:
            code, reason = distilled.problem
            return TeacherOutput(record["id"], None, f"distilled answer dropped after {distilled.attempts} "
                                                     f"attempt(s): {reason}", code=f"answer_{code}", info=info)
        facts.answer = distilled.text
        return TeacherOutput(record["id"], render_trace(self.writer.safe(facts)), info=info)
