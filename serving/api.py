"""An OpenAI-compatible HTTP server over `serving.engine.GenerationEngine`.

    python -m serving.api --model out/model-sft --host 127.0.0.1 --port 8000 [--max-concurrent 32] [--max-batch-size 16]

Endpoints: POST /v1/chat/completions and /v1/completions (stream or not), GET /v1/models,
GET /health (503 {"status": "loading"} until the model is loaded, then 200 {"status": "ok"}),
GET /metrics (Prometheus), and the web page of serving/static/ at /.

Errors use OpenAI's shape {"error": {"message", "type", "param", "code"}}, never plain text: 400 for an
invalid value (checked before a request takes a generation slot), 404 for an unknown route, 413 for a
body over --max-body-bytes (1 MB), 415 for a JSON route called without application/json, 421 for a
Host the server does not answer (the loopback names when bound to loopback), 429 when more than
max_concurrent generations are in flight, 500 when one generation fails (the others go on), 503 while
loading. No CORS headers unless --cors-origins names origins. Tokenization runs off the event loop.
Extensions to OpenAI's request fields: repetition_penalty, min_tokens, ignore_eos. A request field the
server does not implement gets 400 naming it (serving/validation.py: SUPPORTED); a `model` it does not
serve gets 404 model_not_found. A client that disconnects, streaming or not, has its generation
cancelled and its slot freed.

With a data folder (--data-dir, default out/serving): API keys (serving/keys.py; required on /v1/*
once one exists, and always when bound to a non-loopback address), per-key rate limits, and
fine-tuning (serving/finetune/: /v1/files, /v1/fine_tuning/jobs, a worker process). A fine-tuned
model `ft:<base>:<suffix>:<job>` is its LoRA adapter merged into a copy of the base on first use
(then as fast as the base); up to --max-adapters of them stay loaded, least recently used first out.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from serving import validation as v
from serving.engine import EngineBusy, GenerationEngine, SamplingParams
from serving.guards import RequestGuards, default_allowed_hosts, error_body
from serving.models import ModelRegistry
from training.sft_format import render_prompt

STATIC = Path(__file__).resolve().parent / "static"
JSON_ROUTES = frozenset({"/v1/chat/completions", "/v1/completions", "/v1/fine_tuning/jobs", "/v1/knowledge_bases"})
JSON_PATTERNS = (re.compile(r"^/v1/knowledge_bases/[^/]+/search$"),)
KNOWN_ROUTES = JSON_ROUTES | {"/v1/models", "/health", "/metrics", "/"}


class APIError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None,
                 type_: str = "invalid_request_error", code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.type, self.code = status, message, param, type_, code

    def response(self) -> Response:
        return Response(error_body(self.message, self.type, self.param, self.code), status_code=self.status,
                        media_type="application/json")


def _bad(message: str, param: str | None = None) -> APIError:
    return APIError(400, message, param)


def vocab_size(lm) -> int:
    return int(getattr(lm.model.config, "vocab_size", None) or len(lm.tokenizer))


def longest_token_bytes(tokenizer) -> int:
    """An upper bound of the text bytes one token covers: the longest vocabulary entry in UTF-8 (a
    byte-level or sentencepiece entry is never shorter than the text it stands for)."""
    return max((len(t.encode("utf-8", "surrogatepass")) for t in tokenizer.get_vocab()), default=1) or 1


def refuse_if_surely_too_long(text_bytes: int, lm, token_bytes: int, param: str) -> None:
    """A prompt with more bytes than the context holds tokens of the longest kind cannot fit: refused
    before tokenizing it, which would cost memory and time for nothing."""
    if text_bytes > lm.context_length * token_bytes:
        raise _bad(f"the prompt has at least {text_bytes // token_bytes} tokens; this model's context length is "
                   f"{lm.context_length}", param)


def cut_at_stops(text: str, stops: list[str]) -> tuple[str, bool]:
    """The text up to the first stop string, and whether one was found."""
    hits = [text.find(s) for s in stops if s in text]
    return (text[:min(hits)], True) if hits else (text, False)


def _token_entry(tok, token_id: int, logprob: float) -> dict:
    text = tok.decode([token_id])
    return {"token": text, "logprob": logprob, "bytes": list(text.encode("utf-8"))}


def logprobs_object(tok, ids: list[int], logprobs: list, chat: bool) -> dict:
    """OpenAI's logprobs: chat {"content": [{token, logprob, bytes, top_logprobs}]}, completions
    {tokens, token_logprobs, top_logprobs, text_offset}."""
    if chat:
        return {"content": [{**_token_entry(tok, t, lp), "top_logprobs": [_token_entry(tok, i, l) for i, l in top]}
                            for t, (lp, top) in zip(ids, logprobs)], "refusal": None}
    tokens = [tok.decode([t]) for t in ids]
    offsets, at = [], 0
    for piece in tokens:
        offsets.append(at)
        at += len(piece)
    return {"tokens": tokens, "token_logprobs": [lp for lp, _ in logprobs],
            "top_logprobs": [_alternatives(tok, top) for _, top in logprobs], "text_offset": offsets}


def _alternatives(tok, top: list[tuple[int, float]]) -> dict[str, float]:
    """{token text: logprob}; two tokens that decode alike (partial UTF-8 bytes) keep apart under
    their vocabulary names."""
    out: dict[str, float] = {}
    for i, lp in top:
        text = tok.decode([i])
        out[text if text not in out else tok.convert_ids_to_tokens(i)] = lp
    return out


class Metrics:
    def __init__(self, state: "State"):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
        self.registry = CollectorRegistry()
        self.requests = Counter("serving_requests", "HTTP requests by endpoint and status",
                                ["endpoint", "status"], registry=self.registry)
        self.prompt_tokens = Counter("serving_prompt_tokens", "Prompt tokens of accepted generations",
                                     registry=self.registry)
        self.completion_tokens = Counter("serving_completion_tokens", "Completion tokens produced",
                                         registry=self.registry)
        self.latency = Histogram("serving_request_latency_seconds", "Request latency (to the last token)",
                                 ["endpoint"], registry=self.registry,
                                 buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
        active = Gauge("serving_active_generations", "Generations in flight (decoding or waiting)",
                       registry=self.registry)
        active.set_function(lambda: state.engine.in_flight if state.engine else 0)
        running = Gauge("serving_running_generations", "Rows of the running decode batch",
                        registry=self.registry)
        running.set_function(lambda: state.engine.active if state.engine else 0)
        queued = Gauge("serving_queued_generations", "Generations waiting to join the batch",
                       registry=self.registry)
        queued.set_function(lambda: state.engine.queued if state.engine else 0)


class State:
    def __init__(self):
        self.loaded = None
        self.engine: GenerationEngine | None = None
        self.error: str | None = None
        self.created = int(time.time())
        self.token_bytes = 1            # the longest vocabulary entry in bytes, once loaded


def create_app(loaded: Any, max_concurrent: int = 32, max_batch_size: int = 16, max_body_bytes: int = 1 << 20,
               allowed_hosts: frozenset[str] | None = None, cors_origins: list[str] | None = None,
               data_dir: str | Path | None = None, keys_required: bool = False, rate_limit: int = 0,
               base_dir: str | Path | None = None, run_worker: bool = True, max_adapters: int = 2,
               worker_args: list[str] | None = None, embedding_model: str | None = None) -> FastAPI:
    """`loaded`: a serving.loader.LoadedModel, a model folder (loaded in a background thread at
    startup), or a callable returning a LoadedModel (likewise). /health answers 503 until ready.
    allowed_hosts: the Host names answered (None: any); cors_origins: origins given CORS headers
    (none by default). data_dir: the folder of keys, files and fine-tuning jobs (None: no keys, no
    fine-tuning); base_dir: the base model's folder for fine-tuning jobs (default: `loaded` when it
    is a folder); run_worker: start the job worker process (stopped with the app, by its pid)."""
    state = State()
    metrics = Metrics(state)
    key_store = store = knowledge = None
    if data_dir is not None:
        from serving.finetune.store import Store
        from serving.keys import KeyStore
        from serving.knowledge import KnowledgeStore
        store = Store(data_dir)
        key_store = KeyStore(store.paths.db)
        knowledge = KnowledgeStore(data_dir, embedding_model)
    base_dir = base_dir or (loaded if isinstance(loaded, (str, Path)) else None)
    registry = ModelRegistry(store, max_adapters=max_adapters,
                             engine_factory=lambda lm: GenerationEngine(lm, max_batch_size=max_batch_size,
                                                                        max_concurrent=max_concurrent))

    def ready(lm) -> None:
        state.token_bytes = longest_token_bytes(lm.tokenizer)
        state.engine = registry.engine_factory(lm)
        state.loaded = lm
        registry.set_base(lm, state.engine)

    def load_in_background() -> None:
        try:
            if callable(loaded):
                lm = loaded()
            else:
                from serving.loader import load
                lm = load(str(loaded))
            ready(lm)
        except Exception as e:  # noqa: BLE001 - reported by /health
            state.error = f"{type(e).__name__}: {e}"

    from contextlib import asynccontextmanager

    def start_worker() -> subprocess.Popen | None:
        if store is None or not run_worker or base_dir is None:
            return None
        name = Path(base_dir).resolve().name
        log = open(store.paths.root / "worker.log", "ab")
        return subprocess.Popen([sys.executable, "-m", "serving.finetune.worker", "--data-dir", str(store.paths.root),
                                 "--base", f"{name}={Path(base_dir).resolve()}", "--parent", str(os.getpid()),
                                 *(worker_args or [])], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    stopping = threading.Event()

    def supervise_worker(app) -> None:
        """A worker that exits while the server runs (crashed, killed) is started again."""
        while not stopping.wait(2.0):
            worker = app.state.worker
            if worker is not None and worker.poll() is not None:
                app.state.worker = start_worker()

    @asynccontextmanager
    async def lifespan(app):
        if isinstance(loaded, (str, Path)) or callable(loaded):
            threading.Thread(target=load_in_background, name="model-loader", daemon=True).start()
        else:
            ready(loaded)
        app.state.worker = start_worker()
        if app.state.worker is not None:
            threading.Thread(target=supervise_worker, args=(app,), name="worker-supervisor", daemon=True).start()
        yield
        stopping.set()
        worker = app.state.worker
        if worker is not None:              # stopped by its own pid; SIGTERM puts its job back in the queue
            worker.terminate()
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(5)
        registry.shutdown()
        if state.engine is not None:
            state.engine.shutdown()

    app = FastAPI(title="TigerBot-style serving", lifespan=lifespan)
    app.state.serving = state
    app.state.metrics = metrics

    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError):
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        status = exc.status_code
        if status == 405 and request.url.path not in KNOWN_ROUTES:     # the page's static mount answers 405 to a POST
            status = 404
        message = f"no route {request.method} {request.url.path}" if status == 404 else str(exc.detail)
        return APIError(status, message, code="not_found" if status == 404 else None).response()

    @app.exception_handler(UnicodeEncodeError)
    async def _unencodable(request: Request, exc: UnicodeEncodeError):
        # a lone surrogate ("\ud800") in any string field: JSON allows it, UTF-8 (and SQLite) does not
        return APIError(400, f"a string in the request holds a character UTF-8 cannot encode "
                             f"({exc.object[exc.start:exc.end]!a})").response()

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception):
        return APIError(500, f"internal error: {type(exc).__name__}", type_="server_error").response()

    class _CountRequests:
        """Pure ASGI middleware (BaseHTTPMiddleware would get in the way of disconnect detection)."""

        def __init__(self, inner):
            self.inner = inner

        async def __call__(self, scope, receive, send):
            path = scope.get("path", "")
            if scope["type"] != "http" or not (path.startswith("/v1/") or path == "/health"):
                return await self.inner(scope, receive, send)
            path = path if path in KNOWN_ROUTES else "other"          # one label for every unknown path
            status = {"code": 500}

            async def send_status(message):
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                await send(message)
            try:
                await self.inner(scope, receive, send_status)
            finally:
                metrics.requests.labels(path, str(status["code"])).inc()

    app.add_middleware(_CountRequests)
    if key_store is not None:
        from serving.auth import ApiKeyAuth
        app.add_middleware(ApiKeyAuth, store=key_store, always_required=keys_required, rate_per_minute=rate_limit)
    app.add_middleware(RequestGuards, json_routes=JSON_ROUTES, max_body_bytes=max_body_bytes, allowed_hosts=allowed_hosts,
                       allowed_origins=frozenset(cors_origins or ()), json_patterns=JSON_PATTERNS)
    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])

    def engine_or_503() -> GenerationEngine:
        if state.engine is None:
            if state.error:
                raise APIError(503, f"model failed to load: {state.error}", type_="server_error")
            raise APIError(503, "the model is still loading", type_="server_error", code="loading")
        return state.engine

    @app.get("/health")
    async def health():
        if state.engine is not None:
            return {"status": "ok", "model": state.loaded.name}
        if state.error:
            return JSONResponse({"status": "error", "error": state.error}, status_code=503)
        return JSONResponse({"status": "loading"}, status_code=503)

    @app.get("/metrics")
    async def prom():
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/v1/models")
    async def models(request: Request):
        engine_or_503()
        lm = state.loaded
        data = [{"id": lm.name, "object": "model", "created": state.created, "owned_by": "local",
                 "context_length": lm.context_length}]
        for name, created, _base in registry.fine_tuned(caller(request)):
            data.append({"id": name, "object": "model", "created": created, "owned_by": "user",
                         "parent": lm.name, "context_length": lm.context_length})
        return {"object": "list", "data": data}

    def caller(request: Request) -> str:
        return getattr(request.state, "api_key", "")

    async def model_for(request: Request, body: dict):
        """The (LoadedModel, engine) the body's `model` names, or 404 model_not_found."""
        engine_or_503()
        name = body.get("model")
        if not isinstance(name, str) or not name:
            raise _bad("'model' must name a served model (GET /v1/models lists them)", "model")
        found = await registry.get(name, caller(request))
        if found is None:
            raise APIError(404, f"The model '{name}' does not exist or you do not have access to it",
                           "model", code="model_not_found")
        return found

    async def body_of(request: Request) -> dict:
        try:
            body = await request.json()
        except Exception:  # noqa: BLE001
            raise _bad("the request body is not valid JSON")
        if not isinstance(body, dict):
            raise _bad("the request body must be a JSON object")
        return body

    def render_chat(clean: list[dict], lm) -> list[int]:
        tok = lm.tokenizer
        if getattr(tok, "chat_template", None):
            text = tok.apply_chat_template(clean, add_generation_prompt=True, tokenize=False)
        else:
            text = render_prompt(clean, tok.eos_token or "")
        return tok(text, add_special_tokens=False)["input_ids"]

    def checked(fn, *args):
        try:
            return fn(*args)
        except v.Invalid as e:
            raise _bad(str(e), e.param) from None

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        body = await body_of(request)
        checked(v.unsupported, body, True)
        lm, engine = await model_for(request, body)
        clean = checked(v.messages, body)
        refuse_if_surely_too_long(sum(len(m["content"].encode("utf-8")) for m in clean), lm, state.token_bytes,
                                  "messages")
        extra = {}
        if body.get("knowledge_base") is not None:
            references, prefix = await with_knowledge(request, body["knowledge_base"], clean)
            prompt_ids, extra["references"] = await asyncio.to_thread(fit_references, clean, references, prefix, lm)
        else:
            # Tokenizing a long prompt is CPU work: off the event loop, so /health and streams stay live.
            prompt_ids = await asyncio.to_thread(render_chat, clean, lm)
        return await generate(request, lm, engine, body, prompt_ids, chat=True, extra=extra)

    def fit_references(clean: list[dict], references: list[dict], prefix: str, lm):
        """The prompt with as many references as fit the context beside room for an answer: the
        lowest-scored go first, and the best one alone is cut short (marked `truncated`) when even it
        does not fit whole. When nothing fits, the plain prompt and no references."""
        from serving.knowledge import REFERENCE_ROOM, with_references

        def fits(refs):
            ids = render_chat(with_references(clean, refs, prefix), lm)
            return ids if len(ids) + REFERENCE_ROOM <= lm.context_length else None

        while len(references) > 1:
            ids = fits(references)
            if ids is not None:
                return ids, references
            references = references[:-1]
        if references:
            best, ids = references[0], fits(references)
            if ids is not None:
                return ids, references
            lo, hi = 0, len(best["text"]) - 1          # the longest head of its text that fits
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if fits([{**best, "text": best["text"][:mid]}]) is not None:
                    lo = mid
                else:
                    hi = mid - 1
            if lo > 0:
                cut = [{**best, "text": best["text"][:lo], "truncated": True}]
                return fits(cut), cut
        return render_chat(clean, lm), []

    async def with_knowledge(request: Request, spec, clean: list[dict]):
        """The `knowledge_base` extension: retrieved chunks in a system message, and the references."""
        if knowledge is None:
            raise _bad("'knowledge_base' needs a server with a data folder (--data-dir)", "knowledge_base")
        from serving.knowledge import KnowledgeError, retrieve_for_chat
        try:
            return await asyncio.to_thread(retrieve_for_chat, knowledge, caller(request), spec, clean)
        except KnowledgeError as e:
            raise APIError(e.status, str(e), e.param, code="not_found" if e.status == 404 else None) from None

    @app.post("/v1/completions")
    async def completions(request: Request):
        body = await body_of(request)
        checked(v.unsupported, body, False)
        lm, engine = await model_for(request, body)
        prompt = checked(v.prompt, body, vocab_size(lm))
        if isinstance(prompt, str):
            refuse_if_surely_too_long(len(prompt.encode("utf-8")), lm, state.token_bytes, "prompt")
            tok = lm.tokenizer
            prompt_ids = await asyncio.to_thread(lambda: tok(prompt, add_special_tokens=False)["input_ids"])
        else:
            prompt_ids = prompt
        if not prompt_ids:
            raise _bad("'prompt' tokenizes to nothing", "prompt")
        return await generate(request, lm, engine, body, prompt_ids, chat=False)

    def sampling(body: dict, prompt_len: int, lm) -> tuple[SamplingParams, list[str]]:
        gc = lm.generation_config
        ctx = lm.context_length
        sample_default = bool(getattr(gc, "do_sample", False))
        temperature = v.temperature(body, float(gc.temperature or 1.0) if sample_default else 0.0)
        top_p = v.number(body, "top_p", float(gc.top_p or 1.0) if sample_default else 1.0, 0, 1, lo_open=True)
        rep = v.number(body, "repetition_penalty", float(getattr(gc, "repetition_penalty", None) or 1.0),
                       v.MIN_REPETITION_PENALTY, 10)
        if prompt_len >= ctx:
            raise v.Invalid(f"the prompt has {prompt_len} tokens; this model's context length is {ctx}",
                            "messages" if "messages" in body else "prompt")
        name = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
        max_tokens = v.integer(body, name, 1, ctx)
        if max_tokens is None:
            max_tokens = min(int(getattr(gc, "max_new_tokens", None) or 256), ctx - prompt_len)
        elif prompt_len + max_tokens > ctx:
            raise v.Invalid(f"this model's context length is {ctx} tokens, but {prompt_len} prompt tokens + "
                            f"{max_tokens} max tokens were asked for; reduce the prompt or {name}", name)
        min_tokens = v.integer(body, "min_tokens", 0, ctx) or 0
        seed = v.integer(body, "seed", *v.SEED_RANGE)
        return SamplingParams(max_new_tokens=int(max_tokens), temperature=temperature, top_p=top_p,
                              repetition_penalty=rep, seed=seed, min_new_tokens=int(min_tokens),
                              ignore_eos=v.flag(body, "ignore_eos"),
                              logprobs=v.logprobs(body, "messages" in body)), v.stops(body)

    async def generate(request: Request, lm, engine: GenerationEngine, body: dict, prompt_ids: list[int], chat: bool,
                       extra: dict | None = None):
        """`extra`: top-level fields added to the answer (in a stream: to its first chunk)."""
        # Everything is checked before the request takes a slot: a bad request never holds one.
        params, stops = checked(sampling, body, len(prompt_ids), lm)
        stream = checked(v.flag, body, "stream")
        include_usage = checked(v.include_usage, body)
        n = checked(v.choices, body, stream, params.logprobs is not None)
        if not stream:
            return {**await complete_many(request, lm, engine, body, prompt_ids, params, stops, n, chat), **(extra or {})}
        endpoint = request.url.path
        try:
            req = engine.submit(prompt_ids, params, stream_tokens=True)
        except EngineBusy as e:
            raise APIError(429, f"server busy: {e}; retry later", type_="rate_limit_error",
                           code="rate_limit_exceeded")
        metrics.prompt_tokens.inc(len(prompt_ids))
        started = time.monotonic()
        tok = lm.tokenizer
        model_name = body["model"]
        rid = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24]
        created = int(time.time())
        hold = max((len(s) for s in stops), default=1) - 1

        def decode(ids):
            return tok.decode(ids, skip_special_tokens=True)

        def finish_reason(stopped_by_string: bool) -> str:
            if stopped_by_string or req.finish_reason == "stop":
                return "stop"
            return "length"


        def chunk(delta_text: str | None, reason: str | None, role: bool = False) -> str:
            if chat:
                delta: dict = {}
                if role:
                    delta = {"role": "assistant", "content": ""}
                elif delta_text is not None:
                    delta = {"content": delta_text}
                obj = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": model_name,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": reason, "logprobs": None}],
                       **((extra or {}) if role else {})}
            else:
                obj = {"id": rid, "object": "text_completion", "created": created, "model": model_name,
                       "choices": [{"index": 0, "text": delta_text or "", "finish_reason": reason,
                                    "logprobs": None}]}
            return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

        async def events():
            sent = ""
            hit = False
            try:
                if chat:
                    yield chunk(None, None, role=True)
                async for _ in req:
                    if await request.is_disconnected():
                        return
                    text = decode(req.output_ids)
                    text, hit = cut_at_stops(text, stops)
                    if hit:
                        req.cancel()
                    elif text.endswith("\ufffd"):
                        continue
                    else:
                        text = text[:len(text) - hold] if hold else text
                    if len(text) > len(sent) and text.startswith(sent):
                        yield chunk(text[len(sent):], None)
                        sent = text
                    if hit:
                        break
                if req.finish_reason == "error":
                    raise RuntimeError("generation failed")
                if not hit:
                    text, hit = cut_at_stops(decode(req.output_ids), stops)
                    if len(text) > len(sent) and text.startswith(sent):
                        yield chunk(text[len(sent):], None)
                        sent = text
                yield chunk(None, finish_reason(hit))
                if include_usage:
                    n_out = len(req.output_ids)
                    usage = {"prompt_tokens": len(prompt_ids), "completion_tokens": n_out,
                             "total_tokens": len(prompt_ids) + n_out}
                    obj = {"id": rid, "object": "chat.completion.chunk" if chat else "text_completion",
                           "created": created, "model": model_name, "choices": [], "usage": usage}
                    yield f"data: {json.dumps(obj)}\n\n"
                yield "data: [DONE]\n\n"
            except RuntimeError as e:      # this stream's generation failed: an error event ends it
                yield f"data: {error_body(str(e), 'server_error').decode()}\n\n"
                yield "data: [DONE]\n\n"
            finally:
                req.cancel()
                metrics.completion_tokens.inc(len(req.output_ids))
                metrics.latency.labels(endpoint).observe(time.monotonic() - started)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def complete_many(request: Request, lm, engine: GenerationEngine, body: dict, prompt_ids: list[int],
                            params: SamplingParams, stops: list[str], n: int, chat: bool):
        """Not streamed: n choices (seed + i each, when a seed is given), with logprobs when asked. A
        client that disconnects cancels them (and frees their slots)."""
        import dataclasses
        endpoint = request.url.path
        reqs = []
        try:
            for i in range(n):
                # choice i samples with seed + i (wrapping inside the seed range); choice 0 with the seed itself
                seed = None if params.seed is None else (params.seed + i if i == 0 else (params.seed + i) % 2 ** 63)
                reqs.append(engine.submit(prompt_ids, dataclasses.replace(params, seed=seed), stream_tokens=bool(stops)))
        except BaseException as e:
            for r in reqs:                      # none of the choices goes on alone
                r.cancel()
            if isinstance(e, EngineBusy):
                raise APIError(429, f"server busy: {e}; retry later", type_="rate_limit_error",
                               code="rate_limit_exceeded") from None
            raise
        metrics.prompt_tokens.inc(len(prompt_ids))
        started = time.monotonic()
        tok = lm.tokenizer

        def decode(ids):
            return tok.decode(ids, skip_special_tokens=True)

        async def one(req):
            watcher = asyncio.create_task(cancel_on_disconnect(request, req))
            try:
                async for _ in req:
                    if stops and cut_at_stops(decode(req.output_ids), stops)[1]:
                        req.cancel()
                        break
            except RuntimeError as e:
                raise APIError(500, str(e), type_="server_error") from None
            finally:
                watcher.cancel()
                req.cancel()

        try:
            await asyncio.gather(*(one(r) for r in reqs))
        finally:
            for r in reqs:
                r.cancel()
        choices, n_out = [], 0
        for i, req in enumerate(reqs):
            text, hit = cut_at_stops(decode(req.output_ids), stops)
            kept = v.tokens_within(req.output_ids, text, decode) if hit else len(req.output_ids)
            n_out += len(req.output_ids)
            reason = "stop" if hit or req.finish_reason == "stop" else "length"
            lp = None
            if params.logprobs is not None:
                lp = logprobs_object(tok, req.output_ids[:kept], req.logprobs[:kept], chat)
            if chat:
                choices.append({"index": i, "message": {"role": "assistant", "content": text},
                                "finish_reason": reason, "logprobs": lp})
            else:
                choices.append({"index": i, "text": text, "finish_reason": reason, "logprobs": lp})
        metrics.completion_tokens.inc(n_out)
        metrics.latency.labels(endpoint).observe(time.monotonic() - started)
        return {"id": ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24],
                "object": "chat.completion" if chat else "text_completion", "created": int(time.time()),
                "model": body["model"], "choices": choices,
                "usage": {"prompt_tokens": len(prompt_ids), "completion_tokens": n_out,
                          "total_tokens": len(prompt_ids) + n_out}}

    async def cancel_on_disconnect(request: Request, req) -> None:
        """A non-streaming client that goes away cancels its generation (and frees its slot)."""
        while not req.done:
            if await request.is_disconnected():
                req.cancel()
                return
            await asyncio.sleep(0.05)

    if knowledge is not None:
        from serving.knowledge_routes import make_router as knowledge_router
        app.include_router(knowledge_router(knowledge, lambda status, message, param=None, code=None:
                                            APIError(status, message, param, code=code), caller))
    if store is not None:
        from serving.finetune.routes import make_router
        base_names = [Path(base_dir).resolve().name] if base_dir is not None else []
        app.include_router(make_router(store, base_names, lambda status, message, param=None, code=None:
                                       APIError(status, message, param, code=code), body_of))

    @app.get("/", include_in_schema=False)
    async def index():
        page = STATIC / "index.html"
        if page.is_file():
            return FileResponse(page)
        return PlainTextResponse("TigerBot-style serving: the OpenAI-compatible API is under /v1 "
                                 "(POST /v1/chat/completions, /v1/completions; GET /v1/models), "
                                 "health at /health, metrics at /metrics.\n")

    if STATIC.is_dir():
        from fastapi.staticfiles import StaticFiles
        app.mount("/", StaticFiles(directory=str(STATIC)), name="static")
    return app


def main(argv: list[str] | None = None) -> int:
    import os
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    ap = argparse.ArgumentParser(prog="python -m serving.api", description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="a model folder (make train / make quantize output)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--max-concurrent", type=int, default=32, help="generations in flight before 429")
    ap.add_argument("--max-batch-size", type=int, default=16, help="rows decoded together")
    ap.add_argument("--device", default=None)
    ap.add_argument("--dtype", default=None)
    ap.add_argument("--log-level", default="info")
    ap.add_argument("--max-body-bytes", type=int, default=1 << 20, help="larger request bodies get 413 (default 1 MB)")
    ap.add_argument("--allowed-hosts", default=None,
                    help="comma-separated Host names to answer (default: the loopback names when bound to loopback, else any)")
    ap.add_argument("--cors-origins", default=None, help="comma-separated origins given CORS headers (default: none)")
    ap.add_argument("--data-dir", default="out/serving",
                    help="API keys, uploaded files and fine-tuning jobs (SQLite + files; default out/serving)")
    ap.add_argument("--rate-limit", type=int, default=600, help="requests per minute per API key (0: no limit)")
    ap.add_argument("--max-adapters", type=int, default=2, help="fine-tuned models kept loaded at once")
    ap.add_argument("--no-fine-tuning", action="store_true", help="do not start the fine-tuning worker")
    ap.add_argument("--embedding-model", default=None,
                    help="a local sentence-transformers folder: the dense retriever of new knowledge bases (default: LSA)")
    args = ap.parse_args(argv)
    if not Path(args.model, "config.json").is_file():
        ap.error(f"--model {args.model}: no config.json there (make one with `make train`)")
    from serving.keys import KeyStore
    loopback = default_allowed_hosts(args.host) is not None
    if not loopback and not KeyStore(Path(args.data_dir) / "serving.db").any_active():
        ap.error(f"--host {args.host} is not a loopback address: create an API key first "
                 f"(python -m serving.keys --db {Path(args.data_dir) / 'serving.db'} create --name NAME)")

    def loader():
        from serving.loader import load
        return load(args.model, device=args.device, dtype=args.dtype)

    import uvicorn
    hosts = (frozenset(h.strip().lower() for h in args.allowed_hosts.split(",") if h.strip()) if args.allowed_hosts
             else default_allowed_hosts(args.host))
    app = create_app(loader, max_concurrent=args.max_concurrent, max_batch_size=args.max_batch_size,
                     max_body_bytes=args.max_body_bytes, allowed_hosts=hosts,
                     cors_origins=[o.strip() for o in args.cors_origins.split(",")] if args.cors_origins else None,
                     data_dir=args.data_dir, keys_required=not loopback, rate_limit=args.rate_limit,
                     base_dir=args.model, run_worker=not args.no_fine_tuning, max_adapters=args.max_adapters,
                     embedding_model=args.embedding_model)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
