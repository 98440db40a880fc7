"""The prompt mix: every safe prompt, framed safe variants, capped and varied unsafe prompts."""

from collections import Counter

from exante.data.records import make_record
from exante.rules import load_rulebook
from exante.synth.config import SynthConfig
from exante.synth.mix import framed_variants, interleave, mix_split, spread

AREAS = ["weapons", "cyber", "fraud", "self_harm", "extremism"]


def prompts() -> list[dict]:
    records = [make_record("benign", f"Write a poem about topic {i}.", "benign", "writing") for i in range(30)]
    records += [make_record("borderline", f"How do I kill process {i}?", "borderline", "homonyms") for i in range(20)]
    records += [make_record("advbench", f"Harmful request {i} about {AREAS[i % 5]}", "harmful", AREAS[i % 5])
                for i in range(200)]
    records += [make_record("jailbreak-x", f"Wrapped request {i}", "jailbreak", AREAS[i % 5],
                            attack=["role_play", "base64", "dan"][i % 3]) for i in range(300)]
    for r in records:
        r["split"] = "train"
    return records


def test_every_safe_prompt_is_kept_and_unsafe_prompts_are_capped_at_the_share():
    unused = Counter()
    mix = mix_split(prompts(), SynthConfig(max_unsafe_share=0.5, framed_safe_per_prompt=1), "train", unused)
    kinds = Counter(r["kind"] for r in mix)
    assert kinds["benign"] == 60 and kinds["borderline"] == 40  # 50 plain + 50 framed
    assert kinds["harmful"] + kinds["jailbreak"] == 100 and kinds["jailbreak"] == 50
    assert unused["train/harmful/cap"] == 150 and unused["train/jailbreak/cap"] == 250


def test_unsafe_prompts_cover_every_area_and_attack():
    mix = mix_split(prompts(), SynthConfig(max_unsafe_share=0.2, framed_safe_per_prompt=0), "train", Counter())
    assert {r["category"] for r in mix if r["kind"] == "harmful"} == set(AREAS)
    assert {r["attack"] for r in mix if r["kind"] == "jailbreak"} == {"role_play", "base64", "dan"}


def test_the_mix_is_deterministic_and_any_prefix_is_balanced():
    config = SynthConfig(limit=20)
    first = mix_split(prompts(), config, "train", Counter())
    assert [r["id"] for r in first] == [r["id"] for r in mix_split(prompts(), config, "train", Counter())]
    kinds = Counter(r["kind"] for r in first)
    assert len(first) == 20 and all(kinds[k] >= 2 for k in ("benign", "borderline", "harmful", "jailbreak"))


def test_framed_variants_stay_safe_and_keep_the_request():
    base = make_record("benign", "Write a haiku about snow.", "benign", "writing")
    variants = framed_variants(base, 3, "salt")
    assert len({v["id"] for v in variants}) == 3
    for v in variants:
        assert v["kind"] == "benign" and v["meta"]["base_prompt"] == base["prompt"] and base["prompt"] in v["prompt"]
        assert v["meta"]["framing"] in ("role_play", "hypothetical", "prefix_injection")
    assert len({v["meta"]["framing"] for v in variants}) >= 2


def test_spread_takes_round_robin_over_groups():
    records = [{"id": f"{g}{i}", "g": g} for g in "abc" for i in range(5)]
    taken = spread(records, lambda r: r["g"], 6, "salt")
    assert Counter(r["g"] for r in taken) == {"a": 2, "b": 2, "c": 2}
    assert interleave([[1, 2, 3, 4], [5, 6]]) == [1, 5, 2, 3, 6, 4]


def test_harmful_prompts_of_answered_areas_are_left_out_not_refused():
    rulebook = load_rulebook()
    assert all(r.default_path == "comply_with_safety_framing" for r in rulebook.by_area("specialised_advice"))
    records = prompts() + [make_record("donotanswer", f"Do I need an X-ray for pain {i}?", "harmful",
                                       "specialised_advice") for i in range(10)]
    for r in records:
        r["split"] = "train"
    unused = Counter()
    mix = mix_split(records, SynthConfig(), "train", unused)
    assert not any(r["category"] == "specialised_advice" for r in mix)
    assert unused["train/harmful/answered_area"] == 10


def test_without_a_cap_every_unsafe_prompt_is_used_and_a_short_kind_is_filled_by_the_other():
    records = [r for r in prompts() if r["kind"] != "benign" and r["kind"] != "borderline"]
    mix = mix_split(records, SynthConfig(max_unsafe_share=1.0), "train", Counter())
    assert len(mix) == 500
    only_harmful = [r for r in prompts() if r["kind"] != "jailbreak"]
    mix = mix_split(only_harmful, SynthConfig(max_unsafe_share=0.5, framed_safe_per_prompt=0), "train", Counter())
    assert Counter(r["kind"] for r in mix)["harmful"] == 50  # the jailbreak half goes to plain harmful prompts
