"""`exante run` on the tiny recipe: --until and --from split a run in two, every stage leaves its
manifest, a rerun does nothing, a changed field redoes its stage and the stages that read it only,
an interrupted stage resumes. Integration: synth and eval read the data packages' prompts."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from exante.cli import main

pytestmark = pytest.mark.integration

STAGES = ["synth", "sft", "pairs", "dpo", "eval"]


@pytest.fixture
def copy_of_finished(finished_recipe, tmp_path, monkeypatch):
    """The finished run copied elsewhere (file times kept) and made current."""
    copy = tmp_path / "copy"
    shutil.copytree(finished_recipe[0], copy)
    monkeypatch.chdir(copy)
    return copy


def read_json(path):
    return json.loads(Path(path).read_text())


def last_runs() -> dict[str, str]:
    return {s["name"]: s["last_run"] for s in read_json("runs/tiny/run.json")["stages"]}


def files(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_until_and_from_split_a_run_and_every_stage_leaves_its_manifest(finished_recipe):
    root, first, second = finished_recipe
    assert {s: first[s]["last_run"] for s in STAGES} == {"synth": "ran", "sft": "ran", "pairs": "not selected",
                                                         "dpo": "not selected", "eval": "not selected"}
    assert {s: second[s]["last_run"] for s in STAGES} == {"synth": "not selected", "sft": "not selected",
                                                          "pairs": "ran", "dpo": "ran", "eval": "ran"}
    for stage in STAGES:
        manifest = read_json(root / "runs/tiny" / stage / "manifest.json")
        assert manifest["finished"] and manifest["seconds"] > 0 and manifest["sessions"] == 1
        assert set(manifest["versions"]) == {"exante", "torch", "transformers", "trl"} and manifest["versions"]["torch"]
        assert len(manifest["config_hash"]) == 16
    dpo = read_json(root / "runs/tiny/dpo/manifest.json")
    assert dpo["config"]["model"] == "${sft.output_dir}"  # as the recipe wrote it: the run folder may move
    assert dpo["inputs"]["model"] == hashlib.sha256((root / "runs/tiny/sft/summary.json").read_bytes()).hexdigest()[:16]
    assert dpo["inputs"]["train_file"] == hashlib.sha256((root / "runs/tiny/pairs/pairs.jsonl").read_bytes()).hexdigest()[:16]
    report = read_json(root / "runs/tiny/eval/report.json")
    assert [m["spec"] for m in report["models"].values()] == ["tiny", "runs/tiny/sft", "runs/tiny/dpo"]
    summary = (root / "runs/tiny/run.md").read_text()
    assert "| metric | base (tiny) | sft (runs/tiny/sft) | dpo (runs/tiny/dpo) |" in summary
    assert "exante run recipes/tiny.yaml --model tiny --out runs/tiny" in summary


def test_a_rerun_skips_every_stage_and_changes_no_output(copy_of_finished, capsys):
    before = files(copy_of_finished / "runs/tiny")
    assert main(["run", "tiny"]) == 0
    after = files(copy_of_finished / "runs/tiny")
    assert {k: v for k, v in after.items() if not k.endswith(("run.md", "run.json"))} == \
        {k: v for k, v in before.items() if not k.endswith(("run.md", "run.json"))}
    assert last_runs() == dict.fromkeys(STAGES, "skipped")
    assert capsys.readouterr().out.strip() == Path("runs/tiny/run.md").read_text().strip()


def test_a_changed_field_redoes_its_stage_and_the_stages_that_read_it_and_no_other(copy_of_finished):
    before = files(copy_of_finished / "runs/tiny")
    assert main(["run", "tiny", "--set", "dpo.beta=0.3"]) == 0
    assert last_runs() == {"synth": "skipped", "sft": "skipped", "pairs": "skipped", "dpo": "redone", "eval": "redone"}
    after = files(copy_of_finished / "runs/tiny")
    kept = [k for k in before if k.split("/runs/tiny/")[1].split("/")[0] in ("synth", "sft", "pairs")]
    assert kept and all(after[k] == before[k] for k in kept)
    assert "beta: 0.3" in Path("runs/tiny/dpo/config.yaml").read_text()
    assert read_json("runs/tiny/dpo/manifest.json")["config"]["beta"] == 0.3
    generated = {m["spec"]: m["generation"]["generated"] for m in read_json("runs/tiny/eval/report.json")["models"].values()}
    assert generated["tiny"] == generated["runs/tiny/sft"] == 0 and generated["runs/tiny/dpo"] > 0  # cache hits
    assert main(["run", "tiny", "--set", "dpo.beta=0.3"]) == 0
    assert last_runs() == dict.fromkeys(STAGES, "skipped")


def test_an_interrupted_stage_resumes_from_its_checkpoint_and_adds_its_session(copy_of_finished):
    for name in ("summary.json", "model.safetensors"):  # killed after its last checkpoint
        (copy_of_finished / "runs/tiny/dpo" / name).unlink()
    assert main(["run", "tiny"]) == 0
    assert last_runs() == {"synth": "skipped", "sft": "skipped", "pairs": "skipped", "dpo": "resumed", "eval": "redone"}
    assert read_json("runs/tiny/dpo/summary.json")["resumed_from"] == "runs/tiny/dpo/checkpoint-1"
    manifest = read_json("runs/tiny/dpo/manifest.json")
    assert manifest["sessions"] == 2 and manifest["finished"]
