"""Compact rule summaries for prompts and full views for people."""

import pytest

from exante.errors import ExanteError
from exante.rules import load_rulebook, render_rulebook
from exante.rules.render import render_rule, render_table


def test_summary_has_one_line_per_rule_with_id_title_and_path():
    rulebook = load_rulebook()
    lines = render_rulebook(rulebook).splitlines()
    assert len(lines) == len(rulebook.rules)
    first = rulebook.rules[0]
    assert lines[0].startswith(f"{first.id}: {first.title} — {first.disallowed[0]}")
    assert lines[0].endswith(f"(default: {first.default_path})")


def test_summary_of_chosen_ids_keeps_their_order_and_trims_long_lists():
    rulebook = load_rulebook()
    text = render_rulebook(rulebook, ["weapons.cbrn", "overrefusal.homonyms"], max_items=1)
    cbrn, guard = text.splitlines()
    assert cbrn == ("weapons.cbrn: Chemical, biological, radiological and nuclear weapons — "
                    "making, obtaining or spreading chemical or biological agents; ... (default: refuse_and_redirect)")
    assert guard.startswith("overrefusal.homonyms: Benign homonyms of harmful words — not for: ")


def test_summary_of_an_unknown_id_fails_loudly():
    with pytest.raises(ExanteError, match="no rule with id 'weapons.nope'"):
        render_rulebook(load_rulebook(), ["weapons.nope"])


def test_full_view_and_table_show_every_field_that_matters():
    rulebook = load_rulebook()
    rule = rulebook.get("self_harm.suicide")
    full = render_rule(rule)
    for text in (rule.title, rule.default_path, *rule.disallowed, *(e.prompt for e in rule.examples)):
        assert text in full
    table = render_table(rulebook.rules).splitlines()
    assert table[0].split() == ["ID", "AREA", "DEFAULT", "PATH", "TITLE"]
    assert len(table) == len(rulebook.rules) + 1
    assert all(line.index(r.title) == table[0].index("TITLE") for line, r in zip(table[1:], rulebook.rules))
