"""Backends for server tests (shared with tests/models/test_remote.py as ``serve.backends``): a gate
that holds a real backend's generation until released (deterministic full-queue, batching and
shutdown tests), one that holds it in the middle (a stream's first deltas come before the end),
and fixed Ex-Ante trace replies, whole or token by token (an untrained model cannot write one)."""

import threading
import time

from exante.models import Generation

TRACE = """<assessment>
The user asks how to stop a runaway process; a benign homonym of "kill".
</assessment>
<verification>
- R1: allowed (benign_homonym) — killing a process is system administration
</verification>
<calibration>
path: comply
Explain the command.
</calibration>
<answer>
Run `kill <pid>`.
</answer>"""
TRACE_REASONING = TRACE[: TRACE.index("<answer>")].strip()
TRACE_ANSWER = "Run `kill <pid>`."


class TraceBackend:
    """Answers every request with ``TRACE``."""

    def generate(self, requests, params):
        return [Generation(TRACE, 12, 60, "eos", 0.01, 6000.0) for _ in requests]


class TraceTokensBackend:
    """Answers every request with ``TRACE``, handing on its tokens one at a time as a streaming backend does."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.ids = tokenizer(TRACE, add_special_tokens=False)["input_ids"]

    def decode(self, ids):
        return self.tokenizer.decode(ids)

    def generate(self, requests, params, on_tokens=None):
        for token in self.ids:
            for index in range(len(requests)):
                if on_tokens is not None:
                    on_tokens(index, [token])
        return [Generation(self.decode(self.ids), 12, len(self.ids), "eos", 0.01, 6000.0) for _ in requests]


class GatedBackend:
    """A real (streaming) backend whose calls wait until ``gate`` is set; records the size of each call."""

    def __init__(self, backend):
        self.backend, self.gate, self.calls, self.waiting = backend, threading.Event(), [], False

    def decode(self, ids):
        return self.backend.decode(ids)

    def generate(self, requests, params, on_tokens=None):
        self.waiting = True
        assert self.gate.wait(timeout=60), "the test never opened the gate"
        self.calls.append(len(requests))
        return self.backend.generate(requests, params, on_tokens)

    def wait_until_called(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.waiting:
            assert time.monotonic() < deadline, "the backend was never called"
            time.sleep(0.01)


class HeldMidwayBackend:
    """A real streaming backend whose generation stops after handing on ``tokens`` tokens until
    ``resume`` is set; ``done`` is set once its call has returned."""

    def __init__(self, backend, tokens: int):
        self.backend, self.tokens = backend, tokens
        self.resume, self.done = threading.Event(), threading.Event()

    def decode(self, ids):
        return self.backend.decode(ids)

    def generate(self, requests, params, on_tokens=None):
        handed = 0

        def hand_on(index, ids):
            nonlocal handed
            on_tokens(index, ids)
            handed += 1
            if handed == self.tokens:
                assert self.resume.wait(timeout=60), "the test never resumed the generation"

        generations = self.backend.generate(requests, params, hand_on if on_tokens else None)
        self.done.set()
        return generations
