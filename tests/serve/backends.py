"""Backends for server tests (shared with tests/models/test_remote.py as ``serve.backends``): a gate
that holds a real backend's generation until released (deterministic full-queue, batching and
shutdown tests), and fixed Ex-Ante trace replies (an untrained model cannot write one)."""

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


class GatedBackend:
    """A real backend whose calls wait until ``gate`` is set; records the size of each call."""

    def __init__(self, backend):
        self.backend, self.gate, self.calls, self.waiting = backend, threading.Event(), [], False

    def generate(self, requests, params):
        self.waiting = True
        assert self.gate.wait(timeout=60), "the test never opened the gate"
        self.calls.append(len(requests))
        return self.backend.generate(requests, params)

    def wait_until_called(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.waiting:
            assert time.monotonic() < deadline, "the backend was never called"
            time.sleep(0.01)
