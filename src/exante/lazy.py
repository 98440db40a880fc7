"""Lazy re-exports for package ``__init__`` modules (PEP 562 module ``__getattr__``).

A package lists the names it offers and the module each lives in; a name's module is imported
on first access only, so importing the package (and ``exante --help``) does not pay for torch,
numpy or the package scans behind it.
"""

from __future__ import annotations

from importlib import import_module
from typing import Callable


def lazy_exports(package: str, modules: dict[str, list[str]]) -> tuple[Callable[[str], object], list[str]]:
    """(``__getattr__``, ``__all__``) for ``package`` from {module path: names it provides}."""
    home = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> object:
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(home[name]), name)

    return __getattr__, sorted(home)
