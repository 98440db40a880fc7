"""Files between stages: atomic writes and JSONL with errors that name file and line."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

from exante.errors import ExanteError


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see either the old file or the new one."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def write_jsonl(path: str | os.PathLike, records: Iterable[dict]) -> int:
    """Atomically write all records; returns how many were written."""
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    return len(lines)


def append_jsonl(path: str | os.PathLike, record: dict) -> None:
    """Append one record and flush it to disk, so an interrupted job keeps what it wrote."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def drop_torn_tail(path: str | os.PathLike) -> None:
    """Cut an unterminated last line (a killed writer's), so that the next append starts a fresh line."""
    path = Path(path)
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        atomic_write_bytes(path, data[: data.rfind(b"\n") + 1])


def read_jsonl(path: str | os.PathLike, *, tolerate_torn_tail: bool = False) -> Iterator[dict]:
    """Yield the records of a JSONL file; a malformed line raises ExanteError naming file:line.

    ``tolerate_torn_tail`` skips an unterminated last line, the trace a killed writer leaves;
    resumable jobs read their own output with it.
    """
    for _, record in read_jsonl_numbered(path, tolerate_torn_tail=tolerate_torn_tail):
        yield record


def read_jsonl_numbered(path: str | os.PathLike, *, tolerate_torn_tail: bool = False) -> Iterator[tuple[int, dict]]:
    """Like ``read_jsonl`` but yields ``(line number, record)``, for errors about a record's fields."""
    path = Path(path)
    if not path.exists():
        raise ExanteError(f"{path}: file not found")
    with open(path, encoding="utf-8") as fh:
        lines = fh.readlines()
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if tolerate_torn_tail and lineno == len(lines) and not line.endswith("\n"):
                return
            raise ExanteError(f"{path}:{lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict):
            raise ExanteError(f"{path}:{lineno}: expected a JSON object, got {type(record).__name__}")
        yield lineno, record
