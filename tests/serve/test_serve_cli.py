"""`exante serve` as a command: a real process on loopback answers and stops on SIGTERM; settings
that cannot work fail in one line before the model loads."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from exante.cli import main


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_command_serves_the_tiny_model_and_stops_on_sigterm(tmp_path):
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen([sys.executable, "-m", "exante.cli", "serve", "--model", "tiny", "--dtype", "fp32",
                                "--port", str(port), "--default-max-tokens", "3"], stdout=log, stderr=log, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        models = httpx.get(f"{url}/v1/models").json()
        reply = httpx.post(f"{url}/v1/chat/completions", timeout=60,
                           json={"model": "tiny", "messages": [{"role": "user", "content": "Hi"}]}).json()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert [m["id"] for m in models["data"]] == ["tiny"]
    assert reply["usage"]["completion_tokens"] == 3
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


def test_asking_for_vllm_says_how_to_get_it(capsys):
    assert main(["serve", "--backend", "vllm"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "vllm serve MODEL" in err and "openai:MODEL@http://HOST:8000/v1" in err


def test_a_reasoning_format_that_does_not_exist_is_an_error(capsys):
    assert main(["serve", "--reasoning-format", "hidden"]) == 2
    assert "field 'reasoning_format' must be one of split, drop, none, got 'hidden'" in capsys.readouterr().err


def test_the_shipped_serve_config_loads():
    from pathlib import Path

    from exante.config import load_config
    from exante.serve.config import ServeConfig

    config = load_config(ServeConfig, Path(__file__).parents[2] / "configs" / "serve.yaml")
    assert (config.reasoning_format, config.api_key_env, config.concurrency) == ("split", None, 8)
