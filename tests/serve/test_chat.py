"""`exante chat`: answers from a real (tiny) model, traces shown split, interactive history."""

import io
import sys

import pytest

from exante.cli import main
from exante.models import Generation, GenerationParams, HFBackend
from exante.rules import load_rulebook
from exante.serve.chat import ChatSession, repl

TRACE = """<assessment>
The user asks how to stop a runaway process; a benign homonym of "kill".
</assessment>
<verification>
- {rule}: allowed (benign_homonym) — killing a process is system administration
</verification>
<calibration>
path: comply
Explain the command.
</calibration>
<answer>
Run `kill <pid>`.
</answer>"""


class ScriptedBackend:
    """Replies with fixed texts and records what it was asked (no model can write traces untrained)."""

    def __init__(self, *replies: str):
        self.replies = list(replies)
        self.requests: list = []

    def generate(self, requests, params):
        self.requests.append([list(r) for r in requests])
        text = self.replies.pop(0)
        return [Generation(text, 10, 5, "eos", 0.1, 50.0)]


def test_chat_prints_the_tiny_models_greedy_answer(tiny_model, capsys):
    # fp32 pinned: the tiny fixture is fp32, and bf16 greedy text differs from it by rounding
    assert main(["chat", "--model", "tiny", "--dtype", "fp32", "--max-new-tokens", "6", "Hello"]) == 0
    printed = capsys.readouterr().out
    expected = HFBackend(tiny_model, progress=False).generate(
        [[{"role": "user", "content": "Hello"}]], GenerationParams(max_new_tokens=6))[0].text
    assert printed == expected.strip() + "\n"


def test_chat_in_bf16_prints_the_greedy_answer_of_the_bf16_model(tiny_model, capsys):
    """The bf16 path: weights cast to bf16, greedy text from the same bf16 model (exact: same kernels,
    same shapes). In bf16 the tiny model's 6 greedy tokens differ from fp32's on some CPUs."""
    import copy
    import dataclasses

    import torch

    assert main(["chat", "--model", "tiny", "--dtype", "bf16", "--max-new-tokens", "6", "Hello"]) == 0
    printed = capsys.readouterr().out
    bf16 = dataclasses.replace(tiny_model, model=copy.deepcopy(tiny_model.model).to(torch.bfloat16), dtype=torch.bfloat16)
    expected = HFBackend(bf16, progress=False).generate(
        [[{"role": "user", "content": "Hello"}]], GenerationParams(max_new_tokens=6))[0].text
    assert printed == expected.strip() + "\n"


def test_a_trace_reply_shows_the_answer_and_hides_the_reasoning_unless_asked():
    rule = load_rulebook().ids()[0]
    out = io.StringIO()
    ChatSession(ScriptedBackend(TRACE.format(rule=rule)), GenerationParams()).reply("how do I kill a process?", out)
    assert out.getvalue() == "Run `kill <pid>`.\n"
    out = io.StringIO()
    session = ChatSession(ScriptedBackend(TRACE.format(rule=rule)), GenerationParams(), show_reasoning=True)
    session.reply("how do I kill a process?", out)
    reasoning, answer = out.getvalue().split("[answer]\n")
    assert reasoning.startswith("[reasoning]\n<assessment>") and "path: comply" in reasoning
    assert answer == "Run `kill <pid>`.\n"


def test_a_plain_reply_is_printed_as_it_is():
    out = io.StringIO()
    ChatSession(ScriptedBackend("Just text, no trace."), GenerationParams(), show_reasoning=True).reply("hi", out)
    assert out.getvalue() == "Just text, no trace.\n"


def test_with_a_rulebook_a_trace_citing_an_unknown_rule_gets_a_note(capsys):
    session = ChatSession(ScriptedBackend(TRACE.format(rule="no.such.rule")), GenerationParams(),
                          rulebook=load_rulebook())
    session.reply("how do I kill a process?", sys.stdout)
    captured = capsys.readouterr()
    assert captured.out == "Run `kill <pid>`.\n"
    assert "note: " in captured.err and "no.such.rule" in captured.err


def test_the_interactive_session_keeps_the_history_with_answers_only(monkeypatch, capsys):
    backend = ScriptedBackend(TRACE.format(rule="x"), "Second reply.")
    session = ChatSession(backend, GenerationParams(), system="Be safe.")
    session.reply("first", sys.stdout)
    session.reply("second", sys.stdout)
    assert backend.requests[1] == [[
        {"role": "system", "content": "Be safe."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "Run `kill <pid>`."},
        {"role": "user", "content": "second"},
    ]]


def test_interactive_mode_replies_to_each_line_until_exit():
    backend = ScriptedBackend("One.", "Two.", "Three.")
    out = io.StringIO()
    repl(ChatSession(backend, GenerationParams()), io.StringIO("Hello\n\nHow are you?\n/exit\nnot read\n"), out)
    assert out.getvalue() == "One.\nTwo.\n"
    assert len(backend.requests) == 2


def test_interactive_mode_through_the_cli_ends_at_eof(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Hello\n"))
    assert main(["chat", "--model", "tiny", "--max-new-tokens", "4"]) == 0
    assert capsys.readouterr().out.strip()


def test_a_bad_rulebook_fails_before_the_model_loads(tmp_path, capsys):
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: '1'\nrules: []\n")
    assert main(["chat", "--model", "no/such-model", "--rules", str(rules), "hi"]) == 2
    assert "rules.yaml" in capsys.readouterr().err


@pytest.mark.integration
def test_chat_with_the_default_model_answers_offline(capsys):
    assert main(["chat", "--max-new-tokens", "12", "What is the capital of France?"]) == 0
    assert "Paris" in capsys.readouterr().out
