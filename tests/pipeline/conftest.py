"""The scratch directories the recipe tests run in."""

import pytest

from recipe_configs import write_recipes


@pytest.fixture
def recipe_dir(tmp_path, monkeypatch):
    """A scratch directory holding the tiny YAMLs and recipes/tiny.yaml, made the current directory."""
    write_recipes(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def finished_recipe(tmp_path_factory):
    """A directory in which `exante run tiny` ran in two parts: --until sft, then --from pairs.
    Returns (directory, run.json's stages after the first part, after the second)."""
    import json

    from exante.cli import main

    root = tmp_path_factory.mktemp("recipe")
    write_recipes(root)
    parts = []
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for flags in (["--until", "sft"], ["--from", "pairs"]):
            assert main(["run", "tiny", *flags]) == 0
            parts.append({s["name"]: s for s in json.loads((root / "runs/tiny/run.json").read_text())["stages"]})
    return root, parts[0], parts[1]
