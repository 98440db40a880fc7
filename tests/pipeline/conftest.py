"""The scratch directory every quickstart test runs in."""

import pytest

from quickstart_configs import write_configs


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A scratch directory holding the tiny YAMLs, made the current directory."""
    write_configs(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path
