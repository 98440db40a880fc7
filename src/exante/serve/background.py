"""``serve_in_thread(app)``: the server on a free loopback port in a background thread, for tests,
load tests and notebooks; leaving the ``with`` block shuts it down as SIGTERM would (gracefully)."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from typing import Iterator


class BackgroundServer:
    def __init__(self, server, thread: threading.Thread, url: str):
        self.server, self.thread, self.url = server, thread, url  # url: the API base, ending in /v1

    def stop(self) -> None:
        """Stop accepting, finish the requests in flight, and wait until it has stopped."""
        self.server.should_exit = True
        self.thread.join()


@contextmanager
def serve_in_thread(app, *, host: str = "127.0.0.1", shutdown_timeout_s: int = 30,
                    start_timeout_s: float = 30.0) -> Iterator[BackgroundServer]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))  # bound before uvicorn starts, so the port cannot be taken in between
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=shutdown_timeout_s)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="exante-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    background = BackgroundServer(server, thread, f"http://{host}:{sock.getsockname()[1]}/v1")
    try:
        yield background
    finally:
        background.stop()
        sock.close()
