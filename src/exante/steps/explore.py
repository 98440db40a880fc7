"""One round's exploration of a chunk of prompts: trace → decision points → alternatives → values.

Per prompt the policy samples a trace; at each decision point it samples m next steps given the
prefix (``points``); every alternative is rolled out r times to the end of the trace and each
roll-out (prefix + alternative + continuation, the whole assistant turn) is scored with the
safety reward; an alternative's value is the mean of its roll-outs' rewards (None when every
judge call failed). Generation is batched over the chunk, one call per use: traces, the steps of
each decision step (they stop at different tags), roll-outs. Each use has its own seed
(``round_seeds``); ``HFBackend`` keys a sample by (seed, request, which repeat it is), so sample
j of a request is the same whatever it is batched with.
"""

from __future__ import annotations

import statistics

from exante.data.records import stable_fraction
from exante.iterate.sample import chat, entry_fields, score
from exante.pairs.checks import Tokens
from exante.reasoning import TraceFormatError
from exante.steps.config import StepsConfig
from exante.steps.points import alternatives, corrupted_steps, decision_points, next_opening_tag

SEED_USES = ("trace", "steps", "rollouts")


def round_seeds(seed: int, t: int) -> dict[str, int]:
    """The sampling seed of each use in round ``t`` (recorded with every entry and pair)."""
    return {use: int(stable_fraction("exante-steps-seed", str(seed), str(t), use) * 2**31) for use in SEED_USES}


def continued(record: dict, prefix: str) -> list[dict]:
    """The request that continues the assistant turn ``prefix`` (``HFBackend`` leaves it open)."""
    return [*chat(record), {"role": "assistant", "content": prefix}]


class Explorer:
    """Journal entries of round ``t`` for chunks of prompt records, with the round's policy."""

    def __init__(self, config: StepsConfig, backend, reward, rulebook, t: int, tokenizer):
        self.config, self.backend, self.reward, self.rulebook = config, backend, reward, rulebook
        self.tokens = Tokens(tokenizer)
        self.seeds = round_seeds(config.seed, t)
        self.t = t

    def entries(self, records: list[dict]) -> list[dict]:
        c = self.config
        traces = self.backend.generate([chat(r) for r in records], c.generation_params(seed=self.seeds["trace"]))
        entries = [self._entry(r, g) for r, g in zip(records, traces)]
        for step in c.decision_steps:
            self._add_alternatives([e for e in entries if e["points"]], step)
        self._roll_out(entries)
        return entries

    def _entry(self, record: dict, trace) -> dict:
        entry = {**entry_fields(record), "round": self.t, "seeds": self.seeds, "skipped": None,
                 "trace": {"text": trace.text, "finish_reason": trace.finish_reason,
                           "completion_tokens": trace.completion_tokens}, "points": []}
        try:
            entry["points"] = decision_points(trace.text, self.config.decision_steps)
        except TraceFormatError as exc:
            entry["skipped"] = f"the trace is not well-formed: {exc}"
        return entry

    def _add_alternatives(self, entries: list[dict], step: str) -> None:
        c = self.config
        at = [(e, p) for e in entries for p in e["points"] if p["step"] == step]
        requests = [continued(e, p["prefix"]) for e, p in at for _ in range(c.alternatives)]
        params = c.generation_params(seed=self.seeds["steps"], max_new_tokens=c.step_max_new_tokens,
                                     stop=(next_opening_tag(step),))
        generations = self.backend.generate(requests, params) if requests else []
        for n, (entry, point) in enumerate(at):
            drawn = generations[n * c.alternatives:(n + 1) * c.alternatives]
            sampled, point["generated_tokens"] = [g.text for g in drawn], sum(g.completion_tokens for g in drawn)
            corrupted = corrupted_steps(entry, entry["trace"]["text"], step, c.corruptions, self.rulebook, c.salt)
            point["alternatives"], point["dropped"] = alternatives(point.pop("own"), sampled, corrupted, step,
                                                                  self.tokens.count)

    def _roll_out(self, entries: list[dict]) -> None:
        c = self.config
        leaves = [(e, p, a) for e in entries for p in e["points"] for a in p["alternatives"]]
        requests = [continued(e, p["prefix"] + a["text"]) for e, p, a in leaves for _ in range(c.rollouts)]
        generations = self.backend.generate(requests, c.generation_params(seed=self.seeds["rollouts"])) if requests else []
        owners = [leaf for leaf in leaves for _ in range(c.rollouts)]
        texts = [p["prefix"] + a["text"] + g.text for (_, p, a), g in zip(owners, generations)]
        scores = score(self.reward, [e for e, _, _ in owners], texts) if texts else []
        for n, (_, _, alternative) in enumerate(leaves):
            rolled = []
            for j in range(c.rollouts):
                g, s = generations[n * c.rollouts + j], scores[n * c.rollouts + j]
                rolled.append({"rollout": j, "text": g.text, "finish_reason": g.finish_reason,
                               "completion_tokens": g.completion_tokens, **s})
            alternative["rollouts"] = rolled
            rewards = [r["reward"] for r in rolled if r["reward"] is not None]
            alternative["value"] = statistics.fmean(rewards) if rewards else None
