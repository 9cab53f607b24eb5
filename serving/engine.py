"""Batched generation for the server: one background thread decodes every running request together.

`GenerationEngine.submit(prompt_ids, params)` queues a request and returns a `Request` at once.
The engine thread keeps one batch of running sequences with a shared, left-padded KV cache
(transformers' DynamicCache). At every step boundary it

1. drops the sequences that finished or were cancelled (their rows leave the cache, and the
   leading columns that became padding for every row are cut off);
2. admits waiting requests (up to `max_batch_size` rows): their prompts are prefilled together,
   left-padded with an attention mask, and their caches are merged into the running batch's
   (the shorter side is padded on the left);
3. runs one decode step for the whole batch: every row feeds its last sampled token, with its own
   position id (the count of its real tokens), and samples its next token.

This is continuous batching: a request never waits for a whole wave to finish. Sampling is per
sequence: greedy when temperature == 0, else repetition penalty, temperature, top-p and a
multinomial draw (with the request's own generator when it has a seed). Greedy output equals
`model.generate(..., do_sample=False)` on the prompt alone (up to float rounding of batched
matmuls, which does not move an argmax in practice; tests/test_serving_api.py checks it).

A `Request` yields its token ids as they are produced, from a thread-safe queue (`for tok in req`)
or, when submitted from an event loop, an asyncio queue (`async for tok in req`). The stop token
(EOS or a stop id) is not yielded and not part of `output_ids`; `finish_reason` says why it ended
("stop", "length" or "cancelled"). `cancel()` frees the request's concurrency slot at once and the
engine drops its row at the next step boundary.
"""
from __future__ import annotations

import asyncio
import queue
import threading
import time
from dataclasses import dataclass
from typing import Iterator, Sequence

import torch

_DONE = object()


class EngineBusy(RuntimeError):
    """More requests in flight (running + waiting) than the engine's max_concurrent."""


@dataclass
class SamplingParams:
    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    stop_token_ids: Sequence[int] | None = None   # None: the model's EOS ids
    seed: int | None = None
    min_new_tokens: int = 0      # stop tokens are masked out until this many tokens were produced
    ignore_eos: bool = False     # never stop on a stop token (runs to max_new_tokens)
    logprobs: int | None = None  # k: record each produced token's log-probability and the k most likely


class Request:
    """One generation: iterate it (sync or async) for token ids as they come."""

    _ids = 0
    _ids_lock = threading.Lock()

    def __init__(self, prompt_ids: Sequence[int], params: SamplingParams, engine: "GenerationEngine",
                 loop: asyncio.AbstractEventLoop | None):
        with Request._ids_lock:
            Request._ids += 1
            self.id = Request._ids
        self.prompt_ids = list(prompt_ids)
        self.params = params
        self.output_ids: list[int] = []
        # with params.logprobs: per produced token (its logprob, [(token id, logprob)] of the top k), from
        # the model's distribution before any sampling transform (as OpenAI and vLLM report them)
        self.logprobs: list[tuple[float, list[tuple[int, float]]]] = []
        self.finish_reason: str | None = None
        self.created = time.monotonic()
        self.first_token_at: float | None = None
        self.finished_at: float | None = None
        self._engine = engine
        self._queue: queue.Queue = queue.Queue()
        self._loop = loop
        self._aqueue: asyncio.Queue | None = asyncio.Queue() if loop is not None else None
        self._done = threading.Event()
        self._cancelled = threading.Event()
        self._released = False
        # False: the asyncio side only hears of the end (no event-loop wake-up per token); `async for`
        # then yields nothing and `output_ids` holds the tokens once it ends
        self.stream_tokens = True
        self._finish_lock = threading.Lock()
        self.generator: torch.Generator | None = None
        if params.seed is not None:
            self.generator = torch.Generator().manual_seed(int(params.seed))

    # --- engine side ---
    def _push(self, item) -> None:
        self._queue.put(item)
        if self._loop is not None and (self.stream_tokens or item is _DONE or isinstance(item, BaseException)):
            try:
                self._loop.call_soon_threadsafe(self._aqueue.put_nowait, item)
            except RuntimeError:   # the loop is closed: nobody listens any more
                pass

    def _emit(self, token: int, logprob: tuple[float, list[tuple[int, float]]] | None = None) -> None:
        if logprob is not None:
            self.logprobs.append(logprob)
        if self.first_token_at is None:
            self.first_token_at = time.monotonic()
        self.output_ids.append(token)
        self._push(token)

    def _finish(self, reason: str) -> None:
        with self._finish_lock:
            if self.finish_reason is not None:
                return
            self.finish_reason = reason
        self.finished_at = time.monotonic()
        self._engine._release(self)
        self._done.set()
        self._push(_DONE)

    # --- client side ---
    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Stops the generation; its slot is free at once, its batch row goes at the next step."""
        if self._done.is_set():
            return
        self._cancelled.set()
        self._finish("cancelled")
        self._engine._wake()

    def __iter__(self) -> Iterator[int]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    async def __aiter__(self):
        if self._aqueue is None:
            raise RuntimeError("async iteration needs a request submitted from a running event loop")
        while True:
            item = await self._aqueue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def result(self, timeout: float | None = None) -> list[int]:
        if not self._done.wait(timeout):
            raise TimeoutError(f"request {self.id} not finished after {timeout}s")
        return list(self.output_ids)


class _Seq:
    """A running row of the batch."""
    __slots__ = ("req", "tokens", "pos", "last", "stop_ids", "seen")

    def __init__(self, req: Request, stop_ids: set[int]):
        self.req = req
        self.tokens = list(req.prompt_ids)   # prompt + generated (for the repetition penalty)
        self.pos = len(req.prompt_ids)       # position id of the next fed token
        self.last: int | None = None         # sampled, not yet in the cache
        self.stop_ids = stop_ids


class GenerationEngine:
    def __init__(self, loaded, max_batch_size: int = 16, max_concurrent: int = 32, context_length: int | None = None):
        self.model = loaded.model
        self.model.eval()
        self.device = torch.device(getattr(loaded, "device", None) or next(self.model.parameters()).device)
        self.context_length = int(context_length or getattr(loaded, "context_length", 0) or 1 << 30)
        self.max_batch_size = max(1, int(max_batch_size))
        self.max_concurrent = max(1, int(max_concurrent))
        self.eos_ids = self._eos_ids(loaded)
        tok = getattr(loaded, "tokenizer", None)
        pad = getattr(self.model.config, "pad_token_id", None)
        if pad is None and tok is not None:
            pad = tok.pad_token_id
        self.pad_id = int(pad if pad is not None else (sorted(self.eos_ids)[0] if self.eos_ids else 0))
        # counters (read by the metrics endpoint)
        self.requests_total = 0
        self.prompt_tokens_total = 0
        self.completion_tokens_total = 0
        self.steps_total = 0
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._waiting: list[Request] = []
        self._in_flight = 0
        self._running: list[_Seq] = []
        self._cache = None                 # DynamicCache of the running rows
        self._mask: torch.Tensor | None = None   # [rows, cache columns] 1 = real token
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="generation-engine", daemon=True)
        self._thread.start()

    @staticmethod
    def _eos_ids(loaded) -> set[int]:
        ids: set[int] = set()
        for src in (getattr(loaded, "generation_config", None), loaded.model.config,
                    getattr(loaded, "tokenizer", None)):
            eos = getattr(src, "eos_token_id", None) if src is not None else None
            if eos is None:
                continue
            ids.update(eos if isinstance(eos, (list, tuple)) else [eos])
            if ids:
                break
        return {int(i) for i in ids}

    # ---------------------------------------------------------------- public API
    @property
    def active(self) -> int:
        """Requests being decoded (rows of the running batch not yet finished)."""
        return sum(1 for s in list(self._running) if not s.req.done)

    @property
    def queued(self) -> int:
        return len(self._waiting)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def submit(self, prompt_ids: Sequence[int], params: SamplingParams | None = None,
               stream_tokens: bool = True) -> Request:
        params = params or SamplingParams()
        if not prompt_ids:
            raise ValueError("empty prompt")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        req = Request(prompt_ids, params, self, loop)
        req.stream_tokens = stream_tokens
        with self._cond:
            if self._stop:
                raise RuntimeError("engine is shut down")
            if self._in_flight >= self.max_concurrent:
                raise EngineBusy(f"{self._in_flight} requests in flight (limit {self.max_concurrent})")
            self._in_flight += 1
            self.requests_total += 1
            self.prompt_tokens_total += len(req.prompt_ids)
            self._waiting.append(req)
            self._cond.notify_all()
        return req

    def shutdown(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout)
        for req in list(self._waiting) + [s.req for s in self._running]:
            req._finish("cancelled")

    def _release(self, req: Request) -> None:
        with self._cond:
            if not req._released:
                req._released = True
                self._in_flight -= 1
                if req in self._waiting:
                    self._waiting.remove(req)
            self._cond.notify_all()

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    # ---------------------------------------------------------------- the loop
    def _loop(self) -> None:
        torch.set_grad_enabled(False)
        while True:
            with self._cond:
                while not self._stop and not self._waiting and not self._running:
                    self._cond.wait()
                if self._stop:
                    return
                room = self.max_batch_size - len(self._running)
                admit = self._waiting[:max(0, room)]
                del self._waiting[:len(admit)]
            try:
                self._drop_finished()
                admit = [r for r in admit if not r.done]
                if admit:
                    self._prefill(admit)
                    self._drop_finished()          # a sequence that ended (or failed) at its first token
                if self._running:
                    self._decode_step()
                self._drop_finished()
            except BaseException as exc:  # noqa: BLE001 - a failing step must not hang clients
                for seq in self._running:
                    seq.req._push(RuntimeError(f"generation failed: {exc!r}"))
                    seq.req._finish("error")
                for req in admit:
                    if not req.done:
                        req._push(RuntimeError(f"generation failed: {exc!r}"))
                        req._finish("error")
                self._running, self._cache, self._mask = [], None, None

    def _drop_finished(self) -> None:
        keep = [i for i, s in enumerate(self._running) if not s.req.done]
        if len(keep) == len(self._running):
            return
        if not keep:
            self._running, self._cache, self._mask = [], None, None
            return
        idx = torch.tensor(keep, device=self.device)
        self._running = [self._running[i] for i in keep]
        mask = self._mask.index_select(0, idx)
        # cut the leading columns that are padding for every remaining row
        used = mask.any(dim=0).nonzero()
        start = int(used[0]) if len(used) else 0
        self._mask = mask[:, start:]
        self._cache = self._rebuild(self._cache, lambda t: t.index_select(0, idx)[:, :, start:])

    @staticmethod
    def _layers(cache) -> list[tuple[torch.Tensor, torch.Tensor]]:
        return [(layer.keys, layer.values) for layer in cache.layers]

    def _rebuild(self, cache, fn):
        from transformers import DynamicCache
        return DynamicCache(ddp_cache_data=[(fn(k), fn(v)) for k, v in self._layers(cache)], config=self.model.config)

    def _prefill(self, reqs: list[Request]) -> None:
        from transformers import DynamicCache
        longest = max(len(r.prompt_ids) for r in reqs)
        ids = torch.full((len(reqs), longest), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(reqs), longest), dtype=torch.long)
        for i, r in enumerate(reqs):
            n = len(r.prompt_ids)
            ids[i, longest - n:] = torch.tensor(r.prompt_ids, dtype=torch.long)
            mask[i, longest - n:] = 1
        ids, mask = ids.to(self.device), mask.to(self.device)
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        cache = DynamicCache(config=self.model.config)
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache,
                         use_cache=True, logits_to_keep=1)
        cache = out.past_key_values
        seqs = []
        for r in reqs:
            stop = set(r.params.stop_token_ids) if r.params.stop_token_ids is not None else set(self.eos_ids)
            seqs.append(_Seq(r, stop))
        self._merge(seqs, cache, mask)
        self._sample_and_emit(seqs, out.logits[:, -1, :])

    def _merge(self, seqs: list[_Seq], cache, mask: torch.Tensor) -> None:
        if not self._running:
            self._running, self._cache, self._mask = seqs, cache, mask
            return
        old_len, new_len = self._mask.shape[1], mask.shape[1]
        width = max(old_len, new_len)

        def pad_left(t: torch.Tensor, n: int, dim: int) -> torch.Tensor:
            if n == 0:
                return t
            shape = list(t.shape)
            shape[dim] = n
            return torch.cat([t.new_zeros(shape), t], dim=dim)

        old_layers, new_layers = self._layers(self._cache), self._layers(cache)
        from transformers import DynamicCache
        data = []
        for (ok, ov), (nk, nv) in zip(old_layers, new_layers):
            data.append((torch.cat([pad_left(ok, width - old_len, 2), pad_left(nk, width - new_len, 2)], 0),
                         torch.cat([pad_left(ov, width - old_len, 2), pad_left(nv, width - new_len, 2)], 0)))
        self._cache = DynamicCache(ddp_cache_data=data, config=self.model.config)
        self._mask = torch.cat([pad_left(self._mask, width - old_len, 1), pad_left(mask, width - new_len, 1)], 0)
        self._running = self._running + seqs

    def _decode_step(self) -> None:
        seqs = self._running
        ids = torch.tensor([[s.last] for s in seqs], dtype=torch.long, device=self.device)
        pos = torch.tensor([[s.pos] for s in seqs], dtype=torch.long, device=self.device)
        self._mask = torch.cat([self._mask, self._mask.new_ones((len(seqs), 1))], dim=1)
        out = self.model(input_ids=ids, attention_mask=self._mask, position_ids=pos,
                         past_key_values=self._cache, use_cache=True)
        self._cache = out.past_key_values
        for s in seqs:
            s.pos += 1
        self.steps_total += 1
        self._sample_and_emit(seqs, out.logits[:, -1, :])

    # ---------------------------------------------------------------- sampling
    def _sample_and_emit(self, seqs: list[_Seq], logits: torch.Tensor) -> None:
        logits = logits.float()
        next_ids: list[int | None] = [None] * len(seqs)
        dists: list[torch.Tensor | None] = [None] * len(seqs)
        for i, s in enumerate(seqs):
            try:
                if s.req.params.logprobs is not None:
                    dists[i] = logits[i].log_softmax(-1)      # before _next_token changes the row
                next_ids[i] = self._next_token(s, logits[i])
            except Exception as exc:  # noqa: BLE001 - this sequence ends; the others in the batch go on
                s.req._push(RuntimeError(f"generation failed: {type(exc).__name__}: {exc}"))
                s.req._finish("error")
        for s, tok, dist in zip(seqs, next_ids, dists):
            req = s.req
            if req.done or tok is None:
                continue
            s.last = tok
            s.tokens.append(tok)
            with self._lock:
                self.completion_tokens_total += 1
            p = req.params
            if tok in s.stop_ids and not p.ignore_eos:
                req._finish("stop")
                continue
            req._emit(tok, None if dist is None else self._logprob(dist, tok, p.logprobs))
            if len(req.output_ids) >= p.max_new_tokens or s.pos + 1 >= self.context_length:
                req._finish("length")

    @staticmethod
    def _logprob(dist: torch.Tensor, token: int, k: int) -> tuple[float, list[tuple[int, float]]]:
        top = []
        if k:
            values, ids = dist.topk(k)
            top = [(int(i), float(v)) for i, v in zip(ids, values)]
        return float(dist[token]), top

    def _next_token(self, s: _Seq, row: torch.Tensor) -> int:
        """One sequence's next token from its row of logits (changed in place)."""
        p = s.req.params
        if p.min_new_tokens and len(s.req.output_ids) < p.min_new_tokens and s.stop_ids:
            row[list(s.stop_ids)] = float("-inf")
        if p.repetition_penalty and p.repetition_penalty != 1.0:
            idx = torch.tensor(sorted(set(s.tokens)), dtype=torch.long, device=row.device)
            score = row.index_select(0, idx)
            score = torch.where(score < 0, score * p.repetition_penalty, score / p.repetition_penalty)
            row.index_copy_(0, idx, score)
        if p.temperature and p.temperature > 0:
            return self._sample(row, p, s.req.generator)
        return int(row.argmax())

    @staticmethod
    def _sample(row: torch.Tensor, p: SamplingParams, generator: torch.Generator | None) -> int:
        row = row / float(p.temperature)
        if p.top_p is not None and p.top_p < 1.0:
            sorted_logits, order = torch.sort(row, descending=True)
            probs = sorted_logits.softmax(-1)
            cum = probs.cumsum(-1)
            remove = (cum - probs) >= p.top_p   # keep the smallest prefix whose mass reaches top_p
            remove[0] = False
            sorted_logits = sorted_logits.masked_fill(remove, float("-inf"))
            row = torch.full_like(row, float("-inf")).scatter(0, order, sorted_logits)
        probs = row.softmax(-1)
        return int(torch.multinomial(probs, 1, generator=generator))
