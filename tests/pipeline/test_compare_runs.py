"""`exante compare` over two tiny runs (the tiny chain and the base model alone): the eval report's
table with intervals and paired tests, a column per run, the plots, the wall times, the HTML browser
across runs. Integration: it needs finished runs, whose synth and eval read the data packages."""

import json
import shutil

import pytest

from exante.cli import main
from exante.errors import ExanteError
from exante.compare.collect import read_run
from exante.eval.tables import rate_at, rate_text

pytestmark = pytest.mark.integration

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def two_runs(finished_recipe, tmp_path, monkeypatch):
    """The finished tiny chain and a run of the base model alone, in one directory made current."""
    root = tmp_path / "runs-root"
    shutil.copytree(finished_recipe[0], root)
    monkeypatch.chdir(root)
    assert main(["run", "tiny-base"]) == 0
    return root


def test_compare_writes_one_report_with_a_column_per_run_intervals_plots_and_wall_times(two_runs, capsys):
    assert main(["compare", "runs/tiny-base", "runs/tiny", "--out", "runs/compare"]) == 0
    out = two_runs / "runs/compare"
    data = json.loads((out / "compare.json").read_text())
    report = data["report"]
    assert list(report["models"]) == ["tiny-base", "tiny"]  # the base run first: the baseline of the paired tests
    assert [m["spec"] for m in report["models"].values()] == ["tiny", "runs/tiny/dpo"]
    assert report["comparisons"]["harmful"]["asr"]["tiny"]["baseline"] == "tiny-base"
    markdown = (out / "compare.md").read_text()
    cells = [rate_text(rate_at(m["metrics"], ("jailbreak", "asr"))) for m in report["models"].values()]
    assert all("[" in cell and "(n=2)" in cell for cell in cells)
    assert f"| Jailbreak ASR ↓ | {cells[0]} | {cells[1].removesuffix(' *')}" in markdown
    assert "| tiny | recipes/tiny.yaml | synth " in markdown and " · eval " in markdown
    assert [r["name"] for r in data["runs"]] == ["tiny-base", "tiny"]
    assert data["runs"][1]["total_seconds"] == pytest.approx(sum(data["runs"][1]["stage_seconds"].values()), abs=0.2)
    for name in ("safety_vs_over_refusal", "safety_vs_reasoning_tokens", "figure_jailbreak_asr_by_attack"):
        assert (out / f"{name}.png").read_bytes().startswith(PNG)
        assert f"({name}.png)" in markdown
    page = (out / "compare.html").read_text()
    assert "<h2>Wall time per recipe</h2>" in page and page.index("<h2>Across runs</h2>") < page.index('id="samples"')
    browser = json.loads(page.split('id="sample-data">')[1].split("</script>")[0])
    assert browser["models"] == ["tiny-base", "tiny"]
    assert {s["model"] for s in browser["samples"]} == {"tiny-base", "tiny"}
    assert "wrote runs/compare/compare.md" in capsys.readouterr().out


def test_a_folder_that_is_not_a_run_is_named(tmp_path):
    with pytest.raises(ExanteError, match=r"neither a run folder of `exante run` \(run.json\) nor an eval folder"):
        read_run(tmp_path)
