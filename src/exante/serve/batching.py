"""Admission and micro-batching: one worker thread owns the backend and generates, in one call,
whatever requests arrived while it was busy.

A request is admitted while fewer than ``concurrency + queue_size`` are admitted and not yet
answered; otherwise ``submit`` returns None (the server answers 503). The worker takes up to
``concurrency`` waiting requests at a time, without waiting for more (an idle server answers a
lone request at once). Requests with the same settings share a ``generate`` call, except that two
with the same messages never do: the backend's seeded sampling numbers repeats of one prompt
within a call, so a request's samples would depend on what it was batched with. A request whose
seed does not matter (greedy, or sampling without a seed: ``params.seed`` None) shares a call
with any such request of the same settings; the call draws one fresh seed for all of them, and
each still gets its own sample (sampling keys also hash the messages).

A streamed request (``stream``) gets its choices' tokens as they are generated, batched with the
others of its call, when the backend can stream (``StreamingBackend``: ``HFBackend``); from any
other backend it gets its reply when the call is done.

With a ``load`` function (``load_on_request``) a request may name another model than the held
one: the worker answers the held model's calls of a batch first, then drops it and loads the
next (one model at a time). Only the worker thread touches the backend, so a swap happens
between calls and needs no lock of its own.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import logging
import queue
import secrets
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import torch

from exante.models.generation import GenerationBackend, StreamingBackend, TokenCallback
from exante.models.params import GenerationParams

if TYPE_CHECKING:
    from exante.serve.streaming import ReplyStream

log = logging.getLogger(__name__)


@dataclass
class Job:
    messages: list[dict]
    n: int
    params: GenerationParams  # seed None: any seed will do
    future: Future  # → list[Generation], n of them
    model: str  # the name the request sent
    stream: ReplyStream | None = None  # a streamed request's chunks

    @property
    def content(self) -> str:
        return json.dumps(self.messages, sort_keys=True, ensure_ascii=False)


class MicroBatcher:
    def __init__(self, backend: GenerationBackend, *, concurrency: int, queue_size: int, model: str = "",
                 load: Callable[[str], GenerationBackend] | None = None):
        self.backend, self.model, self.load = backend, model, load  # model: the held one's name (None mid-swap)
        self.concurrency, self.capacity = concurrency, concurrency + queue_size
        self._waiting: queue.Queue[Job | None] = queue.Queue()  # None: stop
        self._lock = threading.Lock()
        self.admitted = 0  # submitted and not yet answered
        self.generating = 0
        self._worker = threading.Thread(target=self._work, name="exante-serve-generation", daemon=True)
        self._worker.start()

    def submit(self, messages: list[dict], n: int, params: GenerationParams, model: str | None = None,
               stream: ReplyStream | None = None) -> Future | None:
        """A future of the request's ``n`` generations (by ``model``, default the held one), or None
        when the server is full; ``stream`` gets their tokens as they are generated."""
        with self._lock:
            if self.admitted >= self.capacity:
                return None
            self.admitted += 1
        job = Job(messages, n, params, Future(), model or self.model, stream)
        self._waiting.put(job)
        return job.future

    def close(self) -> None:
        """Stop the worker once the requests already taken are answered."""
        self._waiting.put(None)
        self._worker.join()

    def _work(self) -> None:
        while (first := self._waiting.get()) is not None:
            jobs = [first]
            while len(jobs) < self.concurrency and not self._waiting.empty():
                job = self._waiting.get_nowait()
                if job is None:  # closing: answer what was taken, then stop
                    self._waiting.put(None)
                    break
                jobs.append(job)
            running = [j for j in jobs if j.future.set_running_or_notify_cancel()]
            self._release(len(jobs) - len(running))  # a gone client's job is skipped
            self._run(running)

    def _run(self, jobs: list[Job]) -> None:
        self.generating = len(jobs)
        try:
            for group in sorted(_calls(jobs), key=lambda g: g[0].model != self.model):  # the held model first
                self._generate(group)
        finally:
            self.generating = 0

    def _generate(self, jobs: list[Job]) -> None:
        rows = [job.messages for job in jobs for _ in range(job.n)]
        params = jobs[0].params
        if params.seed is None:
            params = dataclasses.replace(params, seed=secrets.randbelow(2**31))
        try:
            backend = self._holding(jobs[0].model)
            generations = backend.generate(rows, params, **_streaming(backend, jobs))
        except Exception as exc:  # the request fails with a 500; the server keeps serving
            log.exception("generation failed")
            for job in jobs:
                self._release(1)
                job.future.set_exception(exc)
            return
        for job in jobs:
            self._release(1)  # before the answer: its client may send the next request at once
            job.future.set_result(generations[: job.n])
            generations = generations[job.n:]

    def _holding(self, model: str) -> GenerationBackend:
        """The backend of ``model``: the held one, or ``model`` loaded after the held one is dropped."""
        if model != self.model:
            if self.load is None:
                raise RuntimeError(f"model {model!r} is not held and this server loads no other")
            log.info("loading %s in place of %s", model, self.model)
            self.backend, self.model = None, None
            gc.collect()  # the old weights go before the new ones load
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            self.backend = self.load(model)
            self.model = model
        return self.backend

    def _release(self, count: int) -> None:
        with self._lock:
            self.admitted -= count


def _streaming(backend: GenerationBackend, jobs: list[Job]) -> dict[str, TokenCallback]:
    """``generate``'s ``on_tokens`` for a call with streamed jobs, if the backend streams: row → its job's stream."""
    if not isinstance(backend, StreamingBackend) or all(job.stream is None for job in jobs):
        return {}
    owners = []  # per row: (its job's listener or None, its choice)
    for job in jobs:
        listen = job.stream.listener(backend.decode) if job.stream else None
        owners += [(listen, choice) for choice in range(job.n)]

    def on_tokens(row: int, ids: list[int]) -> None:
        listen, choice = owners[row]
        if listen is not None:
            listen(choice, ids)

    return {"on_tokens": on_tokens}


def _calls(jobs: list[Job]) -> list[list[Job]]:
    """Jobs grouped into backend calls: same model and settings, no two with the same messages."""
    calls: list[tuple[tuple[str, GenerationParams], set[str], list[Job]]] = []
    for job in jobs:
        call = next((c for c in calls if c[0] == (job.model, job.params) and job.content not in c[1]), None)
        if call is None:
            call = ((job.model, job.params), set(), [])
            calls.append(call)
        call[1].add(job.content)
        call[2].append(job)
    return [c[2] for c in calls]

