"""The OpenAI-compatible server (serving/api.py) and its batched engine (serving/engine.py), on a tiny
Llama built here, served by uvicorn in a background thread and called with the official openai client."""
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import free_port

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

torch = pytest.importorskip("torch")
httpx = pytest.importorskip("httpx")
openai = pytest.importorskip("openai")
uvicorn = pytest.importorskip("uvicorn")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from serving.tiny import build_tiny_model
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny-llama", context_length=256)


@pytest.fixture(scope="module")
def lm(model_dir):
    from serving.loader import load
    return load(str(model_dir), device="cpu")




class Server:
    def __init__(self, app):
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            assert time.time() < deadline, "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)

    def client(self):
        return openai.OpenAI(base_url=f"{self.url}/v1", api_key="x", max_retries=0, timeout=30)

    def metric(self, name: str) -> float:
        text = httpx.get(f"{self.url}/metrics").text
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
        raise KeyError(name)


@pytest.fixture(scope="module")
def server(lm):
    from serving.api import create_app
    with Server(create_app(lm, max_concurrent=8, max_batch_size=8)) as s:
        yield s


def _prompt_ids(lm, text):
    tok = lm.tokenizer
    rendered = tok.apply_chat_template([{"role": "user", "content": text}], add_generation_prompt=True, tokenize=False)
    return tok(rendered, add_special_tokens=False)["input_ids"]


def _reference(lm, ids, n):
    out = lm.model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                            do_sample=False, max_new_tokens=n, pad_token_id=lm.tokenizer.pad_token_id,
                            eos_token_id=lm.tokenizer.eos_token_id)[0, len(ids):].tolist()
    eos = lm.tokenizer.eos_token_id
    return out[:out.index(eos)] if eos in out else out


PROMPTS = ["hello world", "the quick brown fox jumps", "数据 训练 模型", "a", "serving",
           "models learn to answer questions about data training and serving", "老虎 你好 世界 the dog",
           "lazy dog while small"]


# ---------------------------------------------------------------- engine

def test_engine_greedy_equals_generate_alone_and_batched(lm):
    from serving.engine import GenerationEngine, SamplingParams
    ids = [_prompt_ids(lm, p) for p in PROMPTS]
    refs = [_reference(lm, i, 24) for i in ids]
    engine = GenerationEngine(lm, max_batch_size=16, max_concurrent=16)
    try:
        params = SamplingParams(max_new_tokens=24)
        assert [engine.submit(i, params).result(30) for i in ids] == refs
        reqs = [engine.submit(i, params) for i in ids]          # 8 at once
        assert [r.result(30) for r in reqs] == refs
        reqs = []                                               # joining a running batch
        for i in ids:
            reqs.append(engine.submit(i, params))
            time.sleep(0.005)
        assert [r.result(30) for r in reqs] == refs
        assert engine.in_flight == 0 and engine.active == 0
        # seeded sampling is reproducible; ignore_eos gives the exact count
        sp = SamplingParams(max_new_tokens=12, temperature=0.9, top_p=0.9, repetition_penalty=1.2, seed=7,
                            ignore_eos=True)
        a, b = engine.submit(ids[0], sp).result(30), engine.submit(ids[0], sp).result(30)
        assert a == b and len(a) == 12
    finally:
        engine.shutdown()


def test_engine_busy_and_cancel(lm):
    from serving.engine import EngineBusy, GenerationEngine, SamplingParams
    engine = GenerationEngine(lm, max_batch_size=4, max_concurrent=2)
    try:
        long = SamplingParams(max_new_tokens=200, ignore_eos=True)
        ids = _prompt_ids(lm, "hello")
        r1, r2 = engine.submit(ids, long), engine.submit(ids, long)
        with pytest.raises(EngineBusy):
            engine.submit(ids, long)
        it = iter(r1)
        next(it)
        r1.cancel()
        assert r1.finish_reason == "cancelled"
        r3 = engine.submit(ids, SamplingParams(max_new_tokens=3, ignore_eos=True))   # the slot is free at once
        assert len(r3.result(30)) == 3
        r2.cancel()
        deadline = time.time() + 5
        while engine.active and time.time() < deadline:
            time.sleep(0.01)
        assert engine.active == 0 and engine.in_flight == 0
    finally:
        engine.shutdown()


# ---------------------------------------------------------------- API

def test_chat_plain_and_stream(server, lm):
    client = server.client()
    r = client.chat.completions.create(model="tiny-llama", messages=[{"role": "user", "content": "hello world"}],
                                       max_tokens=16, temperature=0)
    assert r.object == "chat.completion" and r.choices[0].message.role == "assistant"
    assert r.choices[0].finish_reason in ("stop", "length")
    ref = _reference(lm, _prompt_ids(lm, "hello world"), 16)
    assert r.choices[0].message.content == lm.tokenizer.decode(ref, skip_special_tokens=True)
    assert r.usage.prompt_tokens == len(_prompt_ids(lm, "hello world"))
    assert r.usage.completion_tokens == len(ref)

    chunks = list(client.chat.completions.create(
        model="tiny-llama", messages=[{"role": "system", "content": "be brief"},
                                      {"role": "user", "content": "hello world"}],
        max_tokens=16, temperature=0, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert isinstance(text, str) and len(chunks) >= 3

    # streamed text equals the non-streamed text for the same request
    msgs = [{"role": "user", "content": "the quick brown fox"}]
    plain = client.chat.completions.create(model="tiny-llama", messages=msgs, max_tokens=20, temperature=0)
    streamed = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="tiny-llama", messages=msgs, max_tokens=20, temperature=0, stream=True))
    assert streamed == plain.choices[0].message.content


def test_completions_and_models(server, lm):
    client = server.client()
    r = client.completions.create(model="tiny-llama", prompt="the quick brown", max_tokens=8, temperature=0)
    assert r.object == "text_completion" and r.choices[0].finish_reason == "length"
    assert r.usage.completion_tokens == 8 or r.choices[0].finish_reason == "stop"
    chunks = list(client.completions.create(model="tiny-llama", prompt="the quick brown", max_tokens=8, temperature=0,
                                            stream=True))
    assert "".join(c.choices[0].text for c in chunks) == r.choices[0].text
    if len(r.choices[0].text) > 3:   # a stop string cuts the text before it
        cut = r.choices[0].text[2:4]
        stopped = client.completions.create(model="tiny-llama", prompt="the quick brown", max_tokens=8, temperature=0, stop=[cut])
        assert stopped.choices[0].text == r.choices[0].text[:r.choices[0].text.find(cut)]
        assert stopped.choices[0].finish_reason == "stop"
    assert chunks[-1].choices[0].finish_reason == "length"
    sampled = client.completions.create(model="tiny-llama", prompt="the", max_tokens=8, temperature=0.8, top_p=0.9, seed=1)
    assert sampled.usage.completion_tokens >= 1
    models = client.models.list()
    assert [m.id for m in models.data] == ["tiny-llama"]


@pytest.mark.parametrize("body,param", [
    ({"messages": []}, "messages"),
    ({"messages": [{"role": "wizard", "content": "hi"}]}, "messages[0].role"),
    ({"messages": [{"role": "user", "content": ""}]}, "messages[0].content"),
    ({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}, "max_tokens"),
    ({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 100000}, "max_tokens"),
    ({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 250}, "max_tokens"),   # prompt + 250 > 256
    ({"messages": [{"role": "user", "content": "the dog " * 300}]}, "messages"),            # prompt > context
    ({"messages": [{"role": "user", "content": "hi"}], "temperature": 3}, "temperature"),
    ({"messages": [{"role": "user", "content": "hi"}], "temperature": -0.5}, "temperature"),
    ({"messages": [{"role": "user", "content": "hi"}], "top_p": 0}, "top_p"),
    ({"messages": [{"role": "user", "content": "hi"}], "top_p": 1.5}, "top_p"),
])
def test_validation_errors(server, body, param):
    r = httpx.post(f"{server.url}/v1/chat/completions", json={"model": "tiny-llama", **body})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == param and err["message"]


def test_validation_through_openai_client(server):
    with pytest.raises(openai.BadRequestError) as exc:
        server.client().completions.create(model="tiny-llama", prompt="hi", max_tokens=-1)
    assert "max_tokens" in str(exc.value)


def test_health_metrics_and_index(server):
    assert httpx.get(f"{server.url}/health").json()["status"] == "ok"
    # Its own requests: with pytest-xdist, this module's other tests may run on another worker's server.
    ok = httpx.post(f"{server.url}/v1/chat/completions", json={"model": "tiny-llama", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3})
    bad = httpx.post(f"{server.url}/v1/chat/completions", json={"messages": []})
    assert (ok.status_code, bad.status_code) == (200, 400)
    text = httpx.get(f"{server.url}/metrics").text
    for name in ("serving_requests_total", "serving_prompt_tokens_total", "serving_completion_tokens_total",
                 "serving_request_latency_seconds_bucket", "serving_active_generations"):
        assert name in text
    assert 'endpoint="/v1/chat/completions",status="200"' in text
    assert 'endpoint="/v1/chat/completions",status="400"' in text
    assert httpx.get(f"{server.url}/").status_code == 200


def test_health_while_loading(lm):
    from serving.api import create_app
    gate = threading.Event()

    def slow_loader():
        gate.wait(20)
        return lm
    with Server(create_app(slow_loader)) as s:
        r = httpx.get(f"{s.url}/health")
        assert r.status_code == 503 and r.json() == {"status": "loading"}
        assert httpx.post(f"{s.url}/v1/completions", json={"prompt": "hi"}).status_code == 503
        gate.set()
        deadline = time.time() + 20
        while httpx.get(f"{s.url}/health").status_code != 200:
            assert time.time() < deadline
            time.sleep(0.05)
        assert httpx.get(f"{s.url}/health").json()["status"] == "ok"


def test_concurrency_limit_429(lm):
    from serving.api import create_app
    with Server(create_app(lm, max_concurrent=2, max_batch_size=4)) as s:
        client = s.client()
        started = threading.Barrier(4)

        def call(i):
            started.wait()
            try:
                stream = client.chat.completions.create(
                    model="tiny-llama", messages=[{"role": "user", "content": f"hello {i}"}], max_tokens=200,
                    temperature=0, stream=True, extra_body={"ignore_eos": True, "min_tokens": 200})
                return sum(1 for _ in stream) and 200
            except openai.RateLimitError as e:
                assert e.status_code == 429 and "busy" in e.message
                return 429
        with ThreadPoolExecutor(4) as pool:
            codes = sorted(pool.map(call, range(4)))
        assert codes == [200, 200, 429, 429]
        text = httpx.get(f"{s.url}/metrics").text
        assert 'endpoint="/v1/chat/completions",status="429"} 2.0' in text


class _SlowModel(torch.nn.Module):
    """The model with a pause in every forward, so that a generation is still running when checked."""

    def __init__(self, inner, pause=0.02):
        super().__init__()
        self.inner, self.config, self.pause = inner, inner.config, pause

    def forward(self, *args, **kwargs):
        time.sleep(self.pause)
        return self.inner(*args, **kwargs)


def test_disconnect_frees_slot(lm):
    import dataclasses
    from serving.api import create_app
    slow = dataclasses.replace(lm, model=_SlowModel(lm.model))
    with Server(create_app(slow, max_concurrent=1, max_batch_size=2)) as s:
        body = {"model": "tiny-llama", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 200,
                "stream": True, "ignore_eos": True}
        with httpx.Client(timeout=30) as h:
            with h.stream("POST", f"{s.url}/v1/chat/completions", json=body) as r:
                assert r.status_code == 200
                lines = r.iter_lines()
                n = 0
                for line in lines:
                    if line.startswith("data:"):
                        n += 1
                        if n >= 3:
                            break
                assert json.loads(line[5:])["object"] == "chat.completion.chunk"
                assert s.metric("serving_active_generations") == 1
                assert httpx.post(f"{s.url}/v1/chat/completions", json={**body, "stream": False}).status_code == 429
        deadline = time.time() + 10
        while s.metric("serving_active_generations") != 0:
            assert time.time() < deadline, "the slot was not freed"
            time.sleep(0.05)
        r = s.client().chat.completions.create(model="tiny-llama", messages=[{"role": "user", "content": "hi"}], max_tokens=4)
        assert r.choices[0].finish_reason in ("stop", "length")


# ------------------------------------------------------------------ an honest API
def test_logprobs_are_the_models_own_and_n_gives_several_choices(server, lm):
    client = server.client()
    r = client.completions.create(model="tiny-llama", prompt="the quick brown", max_tokens=4, temperature=0, logprobs=3)
    lp = r.choices[0].logprobs
    ids = lm.tokenizer("the quick brown", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        dist = lm.model(torch.tensor([ids])).logits[0, -1].float().log_softmax(-1)
    first = int(dist.argmax())
    assert lp.tokens[0] == lm.tokenizer.decode([first])
    assert lp.token_logprobs[0] == pytest.approx(float(dist[first]), abs=1e-4)
    assert len(lp.top_logprobs[0]) == 3 and max(lp.top_logprobs[0].values()) == pytest.approx(float(dist.max()), abs=1e-4)
    assert "".join(lp.tokens) == r.choices[0].text and lp.text_offset[0] == 0

    chat = client.chat.completions.create(model="tiny-llama", messages=[{"role": "user", "content": "hello"}],
                                          max_tokens=5, temperature=0.9, seed=3, n=3, logprobs=True, top_logprobs=2)
    assert [c.index for c in chat.choices] == [0, 1, 2] and chat.usage.completion_tokens == sum(
        len(c.logprobs.content) for c in chat.choices)
    for c in chat.choices:
        for t in c.logprobs.content:
            assert t.logprob <= 0 and len(t.top_logprobs) == 2 and t.top_logprobs[0].logprob >= t.top_logprobs[1].logprob


@pytest.mark.parametrize("extra, param, status", [
    ({"model": "gpt-4o"}, "model", 404), ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools", 400),
    ({"response_format": {"type": "json_object"}}, "response_format", 400), ({"presence_penalty": 0.5}, "presence_penalty", 400),
    ({"logit_bias": {"5": 10}}, "logit_bias", 400), ({"n": 2, "stream": True}, "n", 400),
    ({"logprobs": True, "stream": True}, "logprobs", 400), ({"top_logprobs": 2}, "top_logprobs", 400),
    ({"n": 9}, "n", 400), ({"frequency_penalty": 0, "response_format": {"type": "text"}, "tools": []}, None, 200),
])
def test_unimplemented_fields_are_refused_by_name(server, extra, param, status):
    body = {"model": "tiny-llama", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, **extra}
    r = httpx.post(f"{server.url}/v1/chat/completions", json=body)
    assert r.status_code == status, r.text
    if status != 200:
        assert r.json()["error"]["param"] == param
        assert r.json()["error"]["code"] == ("model_not_found" if status == 404 else None)


@pytest.mark.parametrize("extra, param", [({"echo": True}, "echo"), ({"best_of": 3}, "best_of"), ({"suffix": "x"}, "suffix"),
                                          ({"logprobs": 6}, "logprobs")])
def test_unimplemented_completion_fields_are_refused_by_name(server, extra, param):
    r = httpx.post(f"{server.url}/v1/completions", json={"model": "tiny-llama", "prompt": "hi", "max_tokens": 2, **extra})
    assert r.status_code == 400 and r.json()["error"]["param"] == param, r.text
