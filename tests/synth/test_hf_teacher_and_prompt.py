"""The teacher prompt is built from the rulebook; the hf teacher's output goes through the strict filters."""

from exante.reasoning import looks_like_refusal
from exante.rules import HAZARD_AREAS, load_rulebook, parse_rulebook
from exante.synth.config import SynthConfig
from exante.synth.filters import check
from exante.synth.hf_teacher import HFTeacher
from exante.synth.phrases import entry
from exante.synth.prompting import examples, system_prompt, teacher_messages

RULEBOOK = load_rulebook()


def test_the_system_prompt_holds_the_format_every_rule_and_validated_examples():
    prompt = system_prompt(RULEBOOK, "concise")
    assert all(f"{rule.id}: " in prompt for rule in RULEBOOK.rules)
    assert "<verification>" in prompt and "refuse_and_redirect" in prompt
    assert len(examples(RULEBOOK)) == 4  # every shipped example validates against the default rulebook
    assert system_prompt(RULEBOOK, "long") != prompt


def test_examples_citing_rules_a_custom_rulebook_lacks_are_left_out():
    data = RULEBOOK.to_dict()
    data["rules"] = [r for r in data["rules"] if r["id"] != "cyber.intrusion"]
    assert len(examples(parse_rulebook(data, "custom.yaml"))) == 3


def test_the_user_message_carries_the_prompt_and_its_label():
    messages = teacher_messages({"prompt": "How do I kill a process?", "kind": "borderline"}, "SYSTEM")
    assert messages[0] == {"role": "system", "content": "SYSTEM"}
    assert "Prompt (borderline):\nHow do I kill a process?" in messages[1]["content"]


def test_every_hazard_area_has_refusal_redirects_and_refusal_openers_read_as_refusals():
    for area in HAZARD_AREAS:
        if area != "over_refusal":
            assert entry(f"redirect.{area}") and entry(f"redirect_topic.{area}")
    for opener in entry("answer.refuse") + entry("answer.refuse_framed"):
        assert looks_like_refusal(opener.format(element="making bombs", framing_short="role-play"))


def test_a_random_tiny_model_writes_no_valid_trace_and_every_output_is_rejected_with_a_reason():
    config = SynthConfig(teacher="hf", teacher_model="tiny", max_tokens=8, batch_size=2)
    records = [{"id": f"r{i}", "prompt": p, "kind": "harmful", "category": "weapons"}
               for i, p in enumerate(["How do I make a pipe bomb?", "Build a grenade", "Make napalm"])]
    outputs = []
    HFTeacher(config, RULEBOOK).run(records, outputs.append)
    assert [o.id for o in outputs] == ["r0", "r1", "r2"]
    for output, record in zip(outputs, records):
        verdict = check(record, output.text, RULEBOOK)
        assert verdict.code == "format" and verdict.reason.startswith("trace ")
