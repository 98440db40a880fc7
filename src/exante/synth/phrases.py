"""The compose teacher's phrase bank (phrases.yaml) and the deterministic choice among phrasings."""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources

import yaml

from exante.data.records import stable_fraction
from exante.errors import ExanteError


@lru_cache(maxsize=1)
def bank() -> dict:
    return yaml.safe_load(resources.files("exante.synth").joinpath("phrases.yaml").read_text(encoding="utf-8"))


def entry(slot: str):
    """The value at a dotted slot, e.g. ``redirect.self_harm`` (a string or a list of phrasings)."""
    node = bank()
    for part in slot.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ExanteError(f"synth/phrases.yaml: no slot {slot!r}")
        node = node[part]
    return node


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def pick(slot: str, key: str, salt: str, **values: str | None) -> str:
    """One phrasing of ``slot``, chosen by hash of (salt, slot, key), filled with ``values``.

    Phrasings that need a value that is missing (None) are skipped, so a slot can offer
    wordings with and without, say, the prompt's own words.
    """
    given = {k: v for k, v in values.items() if v is not None}
    options = [t for t in entry(slot) if _fields(t) <= set(given)]
    if not options:
        raise ExanteError(f"synth/phrases.yaml: slot {slot!r} has no phrasing for the values {sorted(given)}")
    return options[int(stable_fraction(salt, slot, key) * len(options))].format(**given)
