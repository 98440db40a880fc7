"""k samples per prompt from a policy, each scored with the safety reward; a journal that keeps them.

``sample_k`` draws the samples in one batched, seeded call: ``HFBackend`` keys each request by
(seed, prompt, which repeat it is), so sample i of a prompt is the same whatever it is batched
with; each sample records its ``seed`` and index ``sample``. ``score`` adds the reward's parts
(``SafetyReward.components``) and ``reward`` (their weighted total; None where a judge failed).
``exante steps`` uses ``score`` and ``reward_columns`` for its roll-outs, and ``policy_backend``
(a round's policy, local or through a server) and ``policy_tokenizer`` as iterate does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Sequence

from tqdm.auto import tqdm

from exante.errors import ExanteError
from exante.io import append_jsonl, drop_torn_tail, read_jsonl

CHUNK = 8  # prompts per generation call; fixed, so a resumed round batches exactly as an unbroken one


def chat(record: dict) -> list[dict]:
    """The conversation the policy answers: the prompt as one user turn."""
    return [{"role": "user", "content": record["prompt"]}]


def policy_backend(policy: str, endpoint: str | None, loaded=None):
    """The backend a round samples ``policy`` with: local, or through the OpenAI-compatible server at
    ``endpoint`` asked for the policy by name (a local path made absolute, for ``exante serve
    --load-on-request``, which loads it, to find)."""
    from exante.models.remote import backend_for

    if endpoint is None:
        return backend_for(policy, loaded=loaded)
    name = str(Path(policy).resolve()) if Path(policy).exists() else policy
    return backend_for(f"openai:{name}@{endpoint}")


def policy_tokenizer(policy: str, owner: str):
    """The policy's tokenizer without its weights (an adapter without its own: its base model's)."""
    from exante.models.tokenizer import load_tokenizer

    adapter, own = Path(policy, "adapter_config.json"), Path(policy, "tokenizer_config.json")
    if adapter.exists() and not own.exists():
        policy = json.loads(adapter.read_text(encoding="utf-8"))["base_model_name_or_path"]
    return load_tokenizer(policy, owner)


def check_endpoint(owner: str, endpoint: str | None) -> None:
    """``sampling_endpoint`` must be an http(s) API base such as http://127.0.0.1:8000/v1."""
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise ExanteError(f"{owner}: field 'sampling_endpoint' must be an OpenAI-compatible API base URL such as "
                          f"http://127.0.0.1:8000/v1 (or null: sample locally), got {endpoint!r}")


def reward_columns(records: Sequence[dict]) -> dict[str, list]:
    """The dataset columns the rewards read, one value per record (a jailbreak's harm is judged on
    the plain request it wraps, as eval does)."""
    return {"kind": [r["kind"] for r in records], "category": [r.get("category") for r in records],
            "judge_prompt": [r.get("meta", {}).get("base_prompt") or r["prompt"] for r in records]}


def score(reward, records: Sequence[dict], texts: Sequence[str]) -> list[dict]:
    """``{"reward": total, "components": parts}`` for each (record, completion text)."""
    rows = reward.components([r["prompt"] for r in records], list(texts), **reward_columns(records))
    return [{"reward": row["total"], "components": {k: v for k, v in row.items() if k != "total"}} for row in rows]


def sample_k(backend, records: Sequence[dict], k: int, params) -> list[list[dict]]:
    """k samples per record: ``{"sample", "seed", "text", "finish_reason", "completion_tokens"}``."""
    requests = [chat(r) for r in records for _ in range(k)]
    generations = backend.generate(requests, params) if requests else []
    return [[{"sample": i, "seed": params.seed, "text": g.text, "finish_reason": g.finish_reason,
              "completion_tokens": g.completion_tokens}
             for i, g in enumerate(generations[n * k:(n + 1) * k])] for n in range(len(records))]


def sample_and_score(backend, reward, records: Sequence[dict], k: int, params) -> list[dict]:
    """One entry per record: its fields, and its k samples with their rewards."""
    drawn = sample_k(backend, records, k, params)
    flat = [(r, s) for r, samples in zip(records, drawn) for s in samples]
    for (_, sample), scored in zip(flat, score(reward, [r for r, _ in flat], [s["text"] for _, s in flat])):
        sample.update(scored)
    return [{**entry_fields(r), "samples": samples} for r, samples in zip(records, drawn)]


def entry_fields(record: dict) -> dict:
    keep = ("id", "prompt", "kind", "category", "source", "attack", "group", "split")
    return {**{k: record.get(k) for k in keep}, "meta": record.get("meta", {})}


class SampleJournal:
    """``samples.jsonl``: one line per prompt, appended as its chunk finishes; the last line of an id wins."""

    def __init__(self, path: Path):
        self.path, self.entries = path, {}
        if path.exists():
            drop_torn_tail(path)
            self.entries = {e["id"]: e for e in read_jsonl(path)}

    def fill(self, records: list[dict], draw: Callable[[list[dict]], list[dict]], progress: bool, desc: str) -> list[dict]:
        """Entries of every record in order; chunks not yet (fully) journaled are drawn with ``draw``."""
        chunks = [records[i:i + CHUNK] for i in range(0, len(records), CHUNK)]
        done = sum(len(c) for c in chunks if self._complete(c))
        with tqdm(total=len(records), initial=done, unit="prompt", desc=desc, disable=not progress) as bar:
            for chunk in chunks:
                if self._complete(chunk):
                    continue
                for entry in draw(chunk):
                    if entry["id"] not in self.entries:
                        append_jsonl(self.path, entry)
                        self.entries[entry["id"]] = entry
                bar.update(len(chunk))
        return [self.entries[r["id"]] for r in records]

    def _complete(self, chunk: list[dict]) -> bool:
        return all(r["id"] in self.entries for r in chunk)


def check_parts(reward, wanted: Sequence[str], field: str) -> None:
    """Fail before any sampling when config ``field`` names a reward part that ``reward`` does not give."""
    probes = [{"prompt": "Hello", "kind": "benign"}, {"prompt": "How do I pick a lock?", "kind": "harmful"}]
    parts = score(reward, probes, ["Hello!", "Sure."])[0]["components"]  # builds every judge of the reward
    missing = [p for p in wanted if p not in parts]
    if missing:
        raise ExanteError(f"IterateConfig: field {field!r} names reward part {missing[0]!r}; the reward gives "
                          f"{', '.join(parts)}")
