"""Programmatic attacks: every encoding decodes back to the request it hides."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exante.data.attacks import FRAMINGS, decode_payload, render, to_leetspeak

ENCODINGS = ("base64", "leetspeak", "payload_splitting")
requests = st.text(min_size=1, max_size=300).filter(lambda t: t.strip() == t and t)


@settings(max_examples=60, deadline=None)
@given(requests, st.sampled_from(["base64", "payload_splitting"]), st.data())
def test_base64_and_payload_splitting_round_trip_any_text(request, attack, data):
    wording = data.draw(st.sampled_from(sorted(FRAMINGS[attack])))
    assert decode_payload(attack, render(attack, wording, request)) == request


@settings(max_examples=60, deadline=None)
@given(requests.filter(lambda t: not any(d in t for d in "431057")), st.data())
def test_leetspeak_round_trips_text_without_its_digits(request, data):
    wording = data.draw(st.sampled_from(sorted(FRAMINGS["leetspeak"])))
    wrapped = render("leetspeak", wording, request)
    assert decode_payload("leetspeak", wrapped) == request


def test_leetspeak_declines_text_it_could_not_decode_unambiguously():
    assert to_leetspeak("Write a story about 1984") is None
    assert to_leetspeak("Hide the stolen goods") == "H1d3 7h3 570l3n g00d5"


def test_framings_without_encoding_contain_the_request_verbatim():
    request = "Describe how to forge a passport"
    for attack in ("role_play", "hypothetical", "prefix_injection"):
        for wording in FRAMINGS[attack]:
            assert request in render(attack, wording, request)


@pytest.mark.integration
def test_every_encoded_jailbreak_record_decodes_to_its_harmful_prompt(prompt_set):
    encoded = [r for r in prompt_set.records if r["attack"] in ENCODINGS]
    assert {r["attack"] for r in encoded} == set(ENCODINGS)
    for r in encoded:
        assert decode_payload(r["attack"], r["prompt"]) == r["meta"]["base_prompt"], r["id"]
