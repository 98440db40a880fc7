"""A bounded load test of `exante serve` on loopback: N concurrent clients for a fixed time, then it stops.

Phase "within": clients = concurrency + queue_size (never more admitted than the server takes):
no errors expected. Phase "over": twice as many clients: the excess gets clean 503s. Between
them, malformed, oversized and unauthorised requests must each get their 4xx while the server
keeps serving. Prints requests/s, p50/p95 latency and the status counts per phase (JSON).

    .venv/bin/python scripts/serve_load.py --model tiny --seconds 20 --concurrency 4 --queue-size 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections import Counter

import httpx

from exante.models import HFBackend, load_model
from exante.serve.background import serve_in_thread
from exante.serve.config import ServeConfig
from exante.serve.server import create_app

KEY_ENV = "EXANTE_LOAD_TEST_KEY"
PROMPTS = ["How do I boil an egg?", "Name a river in France.", "What is 2 + 2?", "Write a haiku about rain."]


async def clients(url: str, count: int, seconds: float, body: dict, headers: dict) -> dict:
    statuses, latencies = Counter(), []
    stop_at = time.monotonic() + seconds

    async def one_client(i: int, client: httpx.AsyncClient) -> None:
        n = 0
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            messages = [{"role": "user", "content": PROMPTS[(i + n) % len(PROMPTS)]}]
            r = await client.post(f"{url}/chat/completions", json={**body, "messages": messages}, headers=headers)
            statuses[r.status_code] += 1
            if r.status_code == 200:
                latencies.append(time.perf_counter() - start)
            else:
                await asyncio.sleep(float(r.headers.get("retry-after", 0)) / 10)  # a polite, quick client
            n += 1

    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=count)) as client:
        await asyncio.gather(*(one_client(i, client) for i in range(count)))
    quantiles = statistics.quantiles(latencies, n=20) if len(latencies) >= 2 else [float("nan")] * 19
    return {"clients": count, "seconds": seconds, "ok_per_s": round(len(latencies) / seconds, 2),
            "p50_s": round(statistics.median(latencies), 3) if latencies else None, "p95_s": round(quantiles[18], 3),
            "statuses": dict(sorted(statuses.items()))}


def bad_requests(url: str, key: str, max_body: int) -> dict:
    auth = {"Authorization": f"Bearer {key}"}
    cases = {
        "malformed": dict(content=b'{"model": ', headers={**auth, "Content-Type": "application/json"}),
        "oversized": dict(json={"model": "m", "messages": [{"role": "user", "content": "x" * max_body}]}, headers=auth),
        "unauthorised": dict(json={"model": "m", "messages": [{"role": "user", "content": "Hi"}]}),
    }
    return {name: httpx.post(f"{url}/chat/completions", timeout=60, **kwargs).status_code for name, kwargs in cases.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--queue-size", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=32)
    args = parser.parse_args()
    os.environ[KEY_ENV] = key = "load-test-key"
    config = ServeConfig(model="m", concurrency=args.concurrency, queue_size=args.queue_size, api_key_env=KEY_ENV,
                         served_model_name="m", max_body_bytes=100_000, retry_after_s=1)
    backend = HFBackend(load_model(args.model), progress=False)
    body = {"model": "m", "max_tokens": args.max_tokens, "temperature": 0}
    limit = args.concurrency + args.queue_size
    with serve_in_thread(create_app(config, backend)) as server:
        auth = {"Authorization": f"Bearer {key}"}
        report = {"model": args.model, "cpus": os.cpu_count(), "concurrency": args.concurrency,
                  "queue_size": args.queue_size, "max_tokens": args.max_tokens,
                  "within": asyncio.run(clients(server.url, limit, args.seconds, body, auth)),
                  "bad_requests": bad_requests(server.url, key, config.max_body_bytes),
                  "over": asyncio.run(clients(server.url, 2 * limit, args.seconds, body, auth)),
                  "after": httpx.post(f"{server.url}/chat/completions", headers=auth, timeout=60,
                                      json={**body, "messages": [{"role": "user", "content": "Hi"}]}).status_code}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
