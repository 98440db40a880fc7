"""Where exante keeps caches, and where the offline data / model packages put their files."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from exante.errors import ExanteError


def cache_dir() -> Path:
    """Root of exante's caches (converted checkpoints, generations); ``EXANTE_CACHE`` moves it."""
    root = os.environ.get("EXANTE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "exante"
    )
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_dir(name: str) -> Path:
    """Directory of an installed package, found without importing it (their imports are heavy)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ExanteError(
            f"package {name!r} is not installed; run `bash scripts/setup.sh` "
            f"(it installs the offline data and model packages with --no-deps)"
        )
    return Path(list(spec.submodule_search_locations)[0])


def package_file(package: str, relative: str) -> Path:
    path = package_dir(package) / relative
    if not path.exists():
        raise ExanteError(f"{path}: expected file missing from package {package!r}")
    return path
