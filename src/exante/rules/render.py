"""Plain-text renderings of rules: compact summaries for prompts, full views for people."""

from __future__ import annotations

from collections.abc import Iterable

from exante.rules.schema import Rule, Rulebook


def render_rule_line(rule: Rule, *, max_items: int | None = 2) -> str:
    """``id: title — first disallowed items (default: path)``.

    A guard rule's ``disallowed`` lists what it does not excuse, so it reads "not for: …".
    """
    items = list(rule.disallowed[:max_items] if max_items else rule.disallowed)
    brief = "; ".join(items) + ("; ..." if len(items) < len(rule.disallowed) else "")
    if rule.guards_over_refusal:
        brief = f"not for: {brief}" if brief else "guard against over-refusal"
    return f"{rule.id}: {rule.title} — {brief} (default: {rule.default_path})"


def render_rulebook(rulebook: Rulebook, ids: Iterable[str] | None = None, *, max_items: int | None = 2) -> str:
    """One line per rule, in rulebook order (or in the order of ``ids``) — for teacher prompts and traces.

    Unknown ids raise ``ExanteError`` naming the rulebook, so a stale citation fails loudly.
    """
    rules = rulebook.rules if ids is None else [rulebook.get(i) for i in ids]
    return "\n".join(render_rule_line(r, max_items=max_items) for r in rules)


def render_rule(rule: Rule) -> str:
    """Every field of one rule, for `exante rules show ID`."""
    lines = [
        f"{rule.id} — {rule.title}",
        f"  hazard area:      {rule.hazard_area}",
        f"  default path:     {rule.default_path}",
        f"  allowed contexts: {', '.join(rule.allowed_contexts) or '-'}",
    ]
    if rule.disallowed:
        lines.append("  does not excuse:" if rule.guards_over_refusal else "  disallowed:")
        lines += [f"    - {item}" for item in rule.disallowed]
    if rule.examples:
        lines.append("  examples:")
        lines += [f"    [{ex.path}] {ex.prompt}" for ex in rule.examples]
    if rule.keywords:
        lines.append(f"  keywords: {', '.join(rule.keywords)}")
    return "\n".join(lines)


def render_table(rules: Iterable[Rule]) -> str:
    """Aligned columns id / area / default path / title."""
    header = ("ID", "AREA", "DEFAULT PATH", "TITLE")
    rows = [header] + [(r.id, r.hazard_area, r.default_path, r.title) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3] for row in rows
    )
