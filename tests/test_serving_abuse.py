"""A request can only hurt itself: hostile requests get their 4xx in OpenAI's shape while a victim
stream finishes untouched, slots are only taken by valid requests and freed by disconnects, the event
loop stays free, and the browser-facing defaults are safe. Loopback only; every loop is bounded."""
import json
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.test_serving_api import Server

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch = pytest.importorskip("torch")
httpx = pytest.importorskip("httpx")
psutil = pytest.importorskip("psutil")

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    from serving.loader import load
    from serving.tiny import build_tiny_model
    return load(str(build_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny", context_length=256)), device="cpu")


@pytest.fixture(scope="module")
def server(lm):
    from serving.api import create_app
    with Server(create_app(lm, max_concurrent=8, max_batch_size=8, allowed_hosts=LOOPBACK)) as s:
        s.app_state = s.server.config.app.state.serving
        yield s


def _in_flight(server) -> int:
    return server.app_state.engine.in_flight


def _wait_idle(server, timeout=10.0):
    deadline = time.monotonic() + timeout
    while _in_flight(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _in_flight(server)


def _chat(text="Tell me a story", **extra):
    return {"model": "tiny", "messages": [{"role": "user", "content": text}], **extra}


VICTIM = _chat("Tell me about the sea", max_tokens=120, temperature=0, ignore_eos=True, stream=True)


def _stream(url: str, body: dict) -> tuple[int, str, bool]:
    """(status, concatenated text, ended with [DONE])."""
    text, done = "", False
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=60) as r:
        if r.status_code != 200:
            r.read()
            return r.status_code, "", False
        for line in r.iter_lines():
            if line == "data: [DONE]":
                done = True
            elif line.startswith("data: "):
                obj = json.loads(line[6:])
                assert "error" not in obj, obj
                text += obj["choices"][0]["delta"].get("content") or ""
    return r.status_code, text, done


HOSTILE = [  # (what, method, path, raw body or dict, headers, expected status)
    ("lone surrogate content", "POST", "/v1/chat/completions",
     b'{"messages": [{"role": "user", "content": "\\ud800"}]}', JSON, 400),
    ("content part text not a string", "POST", "/v1/chat/completions",
     {"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}, JSON, 400),
    ("stream_options not an object", "POST", "/v1/chat/completions", _chat(stream=True, stream_options="yes"), JSON, 400),
    ("seed over 64 bits", "POST", "/v1/chat/completions", _chat(seed=2**70), JSON, 400),
    ("temperature 1e-300", "POST", "/v1/chat/completions", _chat(temperature=1e-300), JSON, 400),
    ("repetition_penalty 1e-300", "POST", "/v1/chat/completions", _chat(repetition_penalty=1e-300), JSON, 400),
    ("repetition_penalty NaN", "POST", "/v1/chat/completions",
     b'{"messages": [{"role": "user", "content": "hi"}], "repetition_penalty": NaN}', JSON, 400),
    ("temperature Infinity", "POST", "/v1/chat/completions",
     b'{"messages": [{"role": "user", "content": "hi"}], "temperature": Infinity}', JSON, 400),
    ("token id -1", "POST", "/v1/completions", {"prompt": [-1]}, JSON, 400),
    ("token id 1e9 (a float)", "POST", "/v1/completions", b'{"prompt": [1e9]}', JSON, 400),
    ("token id 10**9", "POST", "/v1/completions", {"prompt": [10**9]}, JSON, 400),
    ("token id 1e30", "POST", "/v1/completions", b'{"prompt": [1e30]}', JSON, 400),
    ("stream not a boolean", "POST", "/v1/chat/completions", _chat(stream="yes"), JSON, 400),
    ("deeply nested JSON", "POST", "/v1/chat/completions", b"[" * 50_000 + b"]" * 50_000, JSON, 400),
    ("body over 1 MB", "POST", "/v1/chat/completions", b'{"x": "' + b"a" * (2 << 20) + b'"}', JSON, 413),
    ("text/plain body", "POST", "/v1/chat/completions", json.dumps(_chat()).encode(), {"content-type": "text/plain"}, 415),
    ("no content type", "POST", "/v1/completions", json.dumps({"prompt": "hi"}).encode(), {}, 415),
    ("unknown route", "POST", "/v1/nope", {"x": 1}, JSON, 404),
    ("unknown page", "GET", "/nope/at/all", None, {}, 404),
    ("foreign Host header", "GET", "/v1/models", None, {"host": "evil.example"}, 421),
]


def _send(url, method, path, body, headers):
    content = body if isinstance(body, bytes) else None
    return httpx.request(method, url + path, content=content, json=None if content is not None or body is None else body,
                         headers=headers, timeout=30)


def _error_shape(r):
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"} and err["message"]
    return err


def test_hostile_requests_get_their_4xx_and_a_victim_stream_finishes_untouched(server):
    alone = _stream(server.url, VICTIM)
    assert alone[0] == 200 and alone[2] and alone[1]
    with ThreadPoolExecutor(1) as pool:
        victim = pool.submit(_stream, server.url, VICTIM)
        for what, method, path, body, headers, status in HOSTILE:
            r = _send(server.url, method, path, body, headers)
            assert r.status_code == status, (what, r.status_code, r.text[:300])
            _error_shape(r)
        status, text, done = victim.result(timeout=120)
    assert status == 200 and done and text == alone[1]
    assert _wait_idle(server) == 0
    ok = httpx.post(f"{server.url}/v1/chat/completions", json=_chat(max_tokens=5), timeout=30)
    assert ok.status_code == 200 and ok.json()["choices"][0]["message"]["content"] is not None


def test_chunked_body_over_the_limit_is_413(server):
    def chunks():
        for _ in range(40):
            yield b"a" * 65536
    r = httpx.post(f"{server.url}/v1/chat/completions", content=chunks(), headers=JSON, timeout=30)
    assert r.status_code == 413
    _error_shape(r)


def test_forty_streams_against_eight_slots_get_only_200_or_429(server):
    body = _chat("Count to ten", max_tokens=100, temperature=0, ignore_eos=True, stream=True)
    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(lambda _: _stream(server.url, body), range(40)))
    statuses = {s for s, _, _ in results}
    assert statuses <= {200, 429} and 200 in statuses and 429 in statuses
    assert all(done for s, _, done in results if s == 200)
    assert _wait_idle(server) == 0


def _open_stream_and_drop(url: str) -> None:
    """Starts a long stream on a raw socket, reads its first bytes, and closes the connection."""
    payload = json.dumps(_chat("A long answer please", max_tokens=200, temperature=0, ignore_eos=True, stream=True)).encode()
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
        assert b"200" in s.recv(4096).split(b"\r\n", 1)[0]


def test_twenty_streaming_disconnects_free_their_slots(server):
    for _ in range(20):
        _open_stream_and_drop(server.url)
    assert _wait_idle(server, 20) == 0
    assert httpx.post(f"{server.url}/v1/chat/completions", json=_chat(max_tokens=5), timeout=30).status_code == 200


def test_a_non_streaming_client_that_disconnects_is_cancelled(server):
    before = server.metric("serving_completion_tokens_total")
    payload = json.dumps(_chat("A long answer please", max_tokens=240, temperature=0, ignore_eos=True)).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
        deadline = time.monotonic() + 10
        while not _in_flight(server) and time.monotonic() < deadline:
            time.sleep(0.01)
    assert _wait_idle(server, 10) == 0
    time.sleep(0.3)
    assert server.metric("serving_completion_tokens_total") - before < 240


def test_the_event_loop_stays_free_during_a_maximum_size_request(server):
    rss_before = psutil.Process().memory_info().rss
    big = json.dumps(_chat("词语 " * 149_000), ensure_ascii=False).encode()
    assert (1 << 20) - 10_000 < len(big) < 1 << 20           # just under the 1 MB body limit
    slowest, stop = [0.0], threading.Event()

    def poll():
        while not stop.is_set():
            t0 = time.monotonic()
            assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200
            slowest[0] = max(slowest[0], time.monotonic() - t0)
            time.sleep(0.02)
    poller = threading.Thread(target=poll)
    poller.start()
    try:
        r = httpx.post(f"{server.url}/v1/chat/completions", content=big, headers=JSON, timeout=120)
    finally:
        stop.set()
        poller.join()
    assert r.status_code == 400 and "context length" in _error_shape(r)["message"]
    assert slowest[0] < 0.2, slowest
    assert psutil.Process().memory_info().rss - rss_before < 200 * 2**20


def test_unknown_paths_share_one_metrics_label(server):
    size = len(httpx.get(f"{server.url}/metrics").text)
    for i in range(300):
        httpx.get(f"{server.url}/v1/unknown-{i}")
    assert len(httpx.get(f"{server.url}/metrics").text) - size < 2000


def test_no_cors_headers_unless_asked(server, lm):
    from serving.api import create_app
    preflight = {"origin": "https://evil.example", "access-control-request-method": "POST"}
    r = httpx.options(f"{server.url}/v1/chat/completions", headers=preflight)
    assert not any(h.lower().startswith("access-control") for h in r.headers)
    with Server(create_app(lm, max_concurrent=2, cors_origins=["https://app.example"])) as other:
        r = httpx.options(f"{other.url}/v1/chat/completions",
                          headers={**preflight, "origin": "https://app.example"})
        assert r.headers.get("access-control-allow-origin") == "https://app.example"


def test_a_failing_sequence_ends_alone_in_the_engine(lm):
    from serving.engine import GenerationEngine, SamplingParams
    engine = GenerationEngine(lm, max_batch_size=4, max_concurrent=4)
    try:
        prompt = lm.tokenizer("hello there", add_special_tokens=False)["input_ids"]
        params = SamplingParams(max_new_tokens=30, ignore_eos=True)
        alone = engine.submit(prompt, params).result(timeout=60)
        victim = engine.submit(prompt, params)
        poison = engine.submit(prompt, SamplingParams(max_new_tokens=30, temperature=1e-300, ignore_eos=True))
        poison.result(timeout=60)
        assert poison.finish_reason == "error"
        assert victim.result(timeout=60) == alone and victim.finish_reason == "length"
    finally:
        engine.shutdown()
