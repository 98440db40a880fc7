"""Reading training data: splits, and errors that name file, line and field."""

import pytest

from exante.errors import ExanteError
from exante.train.records import check_pair, check_sft_record, load_records

from .conftest import pair_records, sft_records, write_jsonl


def test_split_field_selects_train_and_dev_from_one_file(tmp_path):
    records = sft_records(6)
    records[1]["split"], records[2]["split"] = "dev", "test"
    del records[3]["split"]  # no split: train
    train, dev = load_records(write_jsonl(tmp_path / "d.jsonl", records), None, check_sft_record)
    assert [r["id"] for r in train] == ["s0", "s3", "s4", "s5"]
    assert [r["id"] for r in dev] == ["s1"]


def test_a_separate_dev_file_takes_all_its_records(tmp_path):
    train_file = write_jsonl(tmp_path / "t.jsonl", sft_records(3))
    dev_file = write_jsonl(tmp_path / "d.jsonl", sft_records(2))
    train, dev = load_records(train_file, dev_file, check_sft_record)
    assert len(train) == 3 and len(dev) == 2


def test_a_pair_without_rejected_names_file_line_and_field(tmp_path):
    pairs = pair_records(3)
    del pairs[1]["rejected"]
    path = write_jsonl(tmp_path / "pairs.jsonl", pairs)
    with pytest.raises(ExanteError, match=r"pairs\.jsonl:2: missing field 'rejected'"):
        load_records(path, None, check_pair)


def test_an_empty_data_set_is_an_error(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n")
    with pytest.raises(ExanteError, match="empty.jsonl: no training records"):
        load_records(str(path), None, check_sft_record)


def test_a_file_with_only_dev_records_has_no_training_records(tmp_path):
    records = sft_records(2)
    for r in records:
        r["split"] = "dev"
    with pytest.raises(ExanteError, match="no training records"):
        load_records(write_jsonl(tmp_path / "d.jsonl", records), None, check_sft_record)


@pytest.mark.parametrize("change, message", [
    (lambda r: r["messages"].pop(), "messages\\[-1\\].role is 'user'"),
    (lambda r: r["messages"][0].update(role="bot"), "messages\\[0\\].role is 'bot'"),
    (lambda r: r.pop("id"), "field 'id'"),
    (lambda r: r.update(messages=[]), "field 'messages' must be a non-empty list"),
])
def test_malformed_sft_records_name_the_field(tmp_path, change, message):
    records = sft_records(2)
    change(records[1])
    with pytest.raises(ExanteError, match=r"d\.jsonl:2: " + message):
        load_records(write_jsonl(tmp_path / "d.jsonl", records), None, check_sft_record)


@pytest.mark.parametrize("change, message", [
    (lambda r: r.update(objective="speed"), "field 'objective' is 'speed'"),
    (lambda r: r.update(chosen=[{"role": "user", "content": "x"}]), "field 'chosen' must hold exactly one assistant"),
    (lambda r: r["prompt"].append({"role": "assistant", "content": "x"}), "prompt\\[-1\\].role is .assistant.; the prompt must end with a user turn"),
])
def test_malformed_pairs_name_the_field(tmp_path, change, message):
    pairs = pair_records(2)
    change(pairs[0])
    with pytest.raises(ExanteError, match=r"p\.jsonl:1: " + message):
        load_records(write_jsonl(tmp_path / "p.jsonl", pairs), None, check_pair)


def test_duplicate_ids_name_both_lines(tmp_path):
    records = sft_records(3)
    records[2]["id"] = records[0]["id"]
    with pytest.raises(ExanteError, match=r"d\.jsonl:3: duplicate id 's0' \(first at line 1\)"):
        load_records(write_jsonl(tmp_path / "d.jsonl", records), None, check_sft_record)
