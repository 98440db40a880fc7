"""The LLM quality judge against a real chat-completions server on loopback."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from exante.eval.judging import proxy_quality
from exante.eval.quality import LLMQualityJudge, parse_rating
from exante.judge.base import JudgeConfig


class ChatServer(BaseHTTPRequestHandler):
    reply = "The answer is accurate and complete. Rating: [[8]]"
    seen: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ChatServer.seen.append((self.path, self.headers.get("Authorization"), body))
        payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": ChatServer.reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture()
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ChatServer.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_the_quality_judge_sends_the_pair_and_reads_the_rating(endpoint, monkeypatch):
    monkeypatch.setenv("EVAL_TEST_KEY", "secret-key")
    judge = LLMQualityJudge(JudgeConfig(base_url=endpoint, model="judge-m", api_key_env="EVAL_TEST_KEY", retries=1))
    verdict = judge.judge("How do I boil an egg? {response}", "Simmer it for 9 minutes.")
    assert verdict.label == "helpful" and verdict.score == pytest.approx(7 / 9, abs=1e-4)
    path, auth, body = ChatServer.seen[0]
    assert path == "/v1/chat/completions" and auth == "Bearer secret-key" and body["model"] == "judge-m"
    user = body["messages"][-1]["content"]
    assert "How do I boil an egg? {response}" in user and "Simmer it for 9 minutes." in user


def test_an_unreadable_reply_is_an_error_verdict_not_a_guess(endpoint, monkeypatch):
    monkeypatch.setattr(ChatServer, "reply", "I think it is fine.")
    judge = LLMQualityJudge(JudgeConfig(base_url=endpoint, retries=1))
    verdict = judge.judge("q", "a")
    assert verdict.failed and verdict.score is None


def test_parse_rating_takes_the_last_rating_in_range():
    assert parse_rating("Rating: [[3]] ... on reflection Rating: [[4]]") == 4
    with pytest.raises(ValueError):
        parse_rating("Rating: [[11]]")


@pytest.mark.integration  # loads the MiniLM package model
def test_the_offline_quality_proxy_rewards_finished_on_topic_answers_over_loops():
    base = {"prompt": "How do I boil an egg?", "refused": False}
    good = {**base, "answer": "Put the egg in boiling water and simmer it for nine minutes, then cool it.", "finish_reason": "eos"}
    loop = {**base, "answer": "egg egg egg egg egg egg egg egg egg egg egg egg", "finish_reason": "length"}
    scores = proxy_quality([good, loop])
    assert scores[0]["on_topic"] > 0.5 and scores[0]["non_degenerate"] == 1.0 and scores[0]["finished"] == 1.0
    assert scores[1]["non_degenerate"] < 0.2 and scores[1]["finished"] == 0.0
