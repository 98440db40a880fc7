"""Training inputs: SFT conversations and preference pairs, read from JSONL and checked field by field.

Schemas (docs/train.md):
- SFT: ``{"id", "messages": [{"role", "content"}, ...], "split"?, "meta"?}``; the last message is
  the assistant turn that is trained on (the Ex-Ante trace).
- Pairs (TRL's conversational preference format): ``{"id", "prompt": [messages], "chosen":
  [assistant message], "rejected": [assistant message], "objective", "split"?, "meta"?}``;
  a step-level pair adds ``"assistant_prefix"``: the assistant turn's text before the step, which
  chosen and rejected continue (docs/steps.md).
Every problem raises ExanteError naming ``file:line`` and the field.
``answer_only`` reduces a conversation's assistant turns to their traces' final answers: what
``response: answer`` trains on (the papers' baselines without reasoning).
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

from exante.errors import ExanteError
from exante.io import read_jsonl_numbered
from exante.reasoning import parse_lenient, strip_reasoning

log = logging.getLogger(__name__)

ROLES = ("system", "user", "assistant")
OBJECTIVES = ("safety", "usefulness", "efficiency")
RESPONSES = ("trace", "answer")  # what of an assistant turn is trained on: all of it, or its final answer only


def check_response(value: str, owner: str) -> None:
    if value not in RESPONSES:
        raise ExanteError(f"{owner}: field 'response' is {value!r}; expected one of {', '.join(RESPONSES)} "
                          "(trace: the whole Ex-Ante trace; answer: only its final answer)")


def final_answer(text: str, where: str) -> str:
    """The trace's final answer; a text that is not a trace (no section tags) is returned whole."""
    if not parse_lenient(text).found:
        return text
    answer = strip_reasoning(text)[1]
    if not answer:
        raise ExanteError(f"{where}: a trace without an answer (no <answer> section, or an empty one); "
                          "response 'answer' keeps only the answer")
    return answer


def answer_only(messages: list[dict], where: str, name: str = "messages") -> list[dict]:
    """``messages`` with every assistant turn reduced to its final answer (``final_answer``)."""
    return [{**m, "content": final_answer(m["content"], f"{where}: field '{name}[{i}]'")} if m["role"] == "assistant" else m
            for i, m in enumerate(messages)]


def _check_messages(messages: Any, where: str, name: str) -> None:
    if not isinstance(messages, list) or not messages:
        raise ExanteError(f"{where}: field {name!r} must be a non-empty list of {{role, content}} messages")
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise ExanteError(f"{where}: {name}[{i}] must be an object with 'role' and 'content'")
        if message.get("role") not in ROLES:
            raise ExanteError(f"{where}: {name}[{i}].role is {message.get('role')!r}; expected one of {', '.join(ROLES)}")
        if not isinstance(message.get("content"), str):
            raise ExanteError(f"{where}: {name}[{i}].content must be a string")


def _check_id(record: dict, where: str) -> str:
    rid = record.get("id")
    if not isinstance(rid, str) or not rid:
        raise ExanteError(f"{where}: field 'id' must be a non-empty string")
    return rid


def check_sft_record(record: dict, where: str) -> None:
    _check_id(record, where)
    if "messages" not in record:
        raise ExanteError(f"{where}: missing field 'messages' (the conversation, ending with the assistant turn)")
    messages = record["messages"]
    _check_messages(messages, where, "messages")
    if messages[-1]["role"] != "assistant":
        raise ExanteError(f"{where}: messages[-1].role is {messages[-1]['role']!r}; the last message must be the assistant turn to train on")
    if not any(m["role"] == "user" for m in messages[:-1]):
        raise ExanteError(f"{where}: field 'messages' has no user turn before the assistant turn")


def check_pair(record: dict, where: str) -> None:
    _check_id(record, where)
    for name in ("prompt", "chosen", "rejected"):
        if name not in record:
            raise ExanteError(f"{where}: missing field {name!r} (pairs need prompt, chosen and rejected)")
    _check_messages(record["prompt"], where, "prompt")
    if record["prompt"][-1]["role"] != "user":
        raise ExanteError(f"{where}: prompt[-1].role is {record['prompt'][-1]['role']!r}; the prompt must end with a user turn")
    for name in ("chosen", "rejected"):
        response = record[name]
        _check_messages(response, where, name)
        if len(response) != 1 or response[0]["role"] != "assistant":
            raise ExanteError(f"{where}: field {name!r} must hold exactly one assistant message")
    if record.get("objective") not in OBJECTIVES:
        raise ExanteError(f"{where}: field 'objective' is {record.get('objective')!r}; expected one of {', '.join(OBJECTIVES)}")
    if "assistant_prefix" in record and not isinstance(record["assistant_prefix"], str):
        raise ExanteError(f"{where}: field 'assistant_prefix' must be a string (the assistant turn before the step)")


def load_split(path: str | Path, check, split: str | None) -> list[dict]:
    """Checked records of ``path``; with ``split`` only those whose ``split`` field matches it.

    Records without a ``split`` field count as ``train``. Each record gains ``_where`` (file:line),
    which later errors (over-long sequences) name.
    """
    path = Path(path)
    records, others, seen = [], Counter(), {}
    for lineno, record in read_jsonl_numbered(path):
        where = f"{path}:{lineno}"
        check(record, where)
        if record["id"] in seen:
            raise ExanteError(f"{where}: duplicate id {record['id']!r} (first at line {seen[record['id']]})")
        seen[record["id"]] = lineno
        if split is not None and record.get("split", "train") != split:
            others[record.get("split", "train")] += 1
            continue
        records.append({**record, "_where": where})
    if others:
        log.info("%s: %d records of split %s; skipped %s", path, len(records), split, dict(others))
    return records


def load_records(train_file: str, dev_file: str | None, check) -> tuple[list[dict], list[dict]]:
    """Train and dev records: from two files, or from one file by its records' ``split`` field."""
    if dev_file:
        train, dev = load_split(train_file, check, None), load_split(dev_file, check, None)
    else:
        train, dev = load_split(train_file, check, "train"), load_split(train_file, check, "dev")
    if not train:
        raise ExanteError(f"{train_file}: no training records (an empty file, or no record with split 'train')")
    return train, dev
