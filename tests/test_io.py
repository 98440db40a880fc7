"""JSONL files between stages: atomic writes, errors naming file and line, torn tails."""

import pytest

from exante.errors import ExanteError
from exante.io import append_jsonl, atomic_write_text, read_jsonl, write_jsonl


def test_jsonl_round_trip(tmp_path):
    records = [{"id": 1, "text": "ünïcode"}, {"id": 2, "text": "b"}]
    write_jsonl(tmp_path / "a.jsonl", records)
    assert list(read_jsonl(tmp_path / "a.jsonl")) == records


def test_malformed_line_is_reported_with_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n{"a": \n{"a": 3}\n')
    with pytest.raises(ExanteError, match=r"bad\.jsonl:2: not valid JSON"):
        list(read_jsonl(path))


def test_non_object_line_is_rejected(tmp_path):
    path = tmp_path / "list.jsonl"
    path.write_text("[1, 2]\n")
    with pytest.raises(ExanteError, match=r"list\.jsonl:1: expected a JSON object"):
        list(read_jsonl(path))


def test_torn_last_line_is_skipped_only_when_tolerated(tmp_path):
    path = tmp_path / "run.jsonl"
    append_jsonl(path, {"i": 0})
    with open(path, "a") as fh:
        fh.write('{"i": 1, "tex')  # a writer killed mid-line
    assert list(read_jsonl(path, tolerate_torn_tail=True)) == [{"i": 0}]
    with pytest.raises(ExanteError):
        list(read_jsonl(path))


def test_atomic_write_replaces_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
