"""Jailbreak records: each harmful prompt wrapped by templates of each family, split-aware.

A wrapped prompt inherits the group and split of the request it wraps, so a test request never
reaches training inside a wrapper. Test-split requests are wrapped only by held-out templates,
train/dev requests only by the others, so the test split also measures unseen attacks.
"""

from __future__ import annotations

from exante.data.records import make_record, stable_fraction
from exante.data.templates import FAMILIES, Template


def _pick(pool: list[Template], request: dict, k: int, max_chars: int, salt: str) -> tuple[Template, str] | None:
    """The first template, from a hash-chosen start, whose wrapping of ``request`` fits the cap."""
    if not pool:
        return None
    start = int(stable_fraction(salt, "wrap", request["id"], str(k)) * len(pool))
    for offset in range(len(pool)):
        template = pool[(start + offset) % len(pool)]
        text = template.render(request["prompt"])
        if text and len(text) <= max_chars:
            return template, text
    return None


def wrap_harmful(requests: list[dict], templates: list[Template], per_prompt: int,
                 max_chars: int, salt: str) -> list[dict]:
    """``per_prompt`` jailbreak records per harmful request, cycling through FAMILIES."""
    pools = {(f, held): [t for t in templates if t.family == f and t.held_out == held]
             for f in FAMILIES for held in (False, True)}
    out = []
    for request in requests:
        held = request["split"] == "test"
        for k in range(per_prompt):
            family = FAMILIES[k % len(FAMILIES)]
            picked = _pick(pools[(family, held)], request, k, max_chars, salt)
            if picked is None:
                continue
            template, text = picked
            meta = {
                "template": template.name,
                "held_out_template": template.held_out,
                "base_id": request["id"],
                "base_source": request["source"],
                "base_prompt": request["prompt"],
                "source_category": request["meta"].get("source_category"),
            }
            record = make_record(f"jailbreak-{family}", text, "jailbreak", request["category"],
                                 attack=template.attack, meta=meta)
            record["group"], record["split"] = request["group"], request["split"]
            out.append(record)
    return out
