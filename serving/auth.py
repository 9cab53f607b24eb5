"""API keys on every /v1/* route, and a per-key request rate, as one pure ASGI middleware.

A key is required once the store holds a key (active or revoked: revoking the last key does not
open the server again) or when the server is told so (it binds to a non-loopback address); it is read from `Authorization: Bearer <key>`. A missing, unknown or
revoked key gets 401 in OpenAI's error shape. The store is asked on every request, so a key
created or revoked with `python -m serving.keys` counts at once. Each key has a token bucket of
`rate_per_minute` requests (0: no limit): past it, 429 with Retry-After. The route handlers find
the caller's key id in `request.state.api_key` ("" when no key is needed and none was given).
/health, /metrics and the page stay open.
"""
from __future__ import annotations

import asyncio
import math
import threading
import time

from serving.guards import error_body
from serving.keys import KeyStore


class RateLimiter:
    """Token buckets per key: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def refund(self, key: str) -> None:
        """Gives back the token a successful attempt took from its 'failed attempts' bucket."""
        with self.lock:
            if key in self.buckets:
                tokens, then = self.buckets[key]
                self.buckets[key] = (min(self.capacity, tokens + 1), then)

    def take(self, key: str) -> float:
        """0 when the request may go, else the seconds until it may."""
        if self.capacity <= 0:
            return 0.0
        now = time.monotonic()
        with self.lock:
            tokens, then = self.buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.rate)
            if tokens >= 1:
                self.buckets[key] = (tokens - 1, now)
                return 0.0
            self.buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


async def _refuse(send, status: int, message: str, code: str, type_: str, headers: list | None = None) -> None:
    body = error_body(message, type_, code=code)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class ApiKeyAuth:
    def __init__(self, app, store: KeyStore, always_required: bool = False, rate_per_minute: int = 0):
        self.app, self.store, self.always_required = app, store, always_required
        self.limiter = RateLimiter(rate_per_minute)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith("/v1/"):
            return await self.app(scope, receive, send)
        header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"authorization"), "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        key = None
        if token:
            guess = "bad:" + token.split("-", 2)[1] if token.count("-") >= 2 else "bad:?"
            wait = self.limiter.take(guess)
            if wait > 0:            # wrong secrets for one key id count against a bucket of their own
                return await _refuse(send, 429, f"too many failed attempts; retry in {math.ceil(wait)} s",
                                     "rate_limit_exceeded", "rate_limit_error",
                                     [(b"retry-after", str(math.ceil(wait)).encode())])
            key = await asyncio.to_thread(self.store.verify, token)     # scrypt: off the event loop
            if key is not None:
                self.limiter.refund("bad:" + key.id)
        if key is None and (self.always_required or self.store.any_key()):
            message = ("Incorrect API key provided, or the key was revoked" if token else
                       "You didn't provide an API key: send it as 'Authorization: Bearer <key>' "
                       "(make one with `python -m serving.keys create --name NAME`)")
            return await _refuse(send, 401, message, "invalid_api_key", "invalid_request_error",
                                 [(b"www-authenticate", b'Bearer realm="api"')])
        owner = key.id if key else ""
        wait = self.limiter.take(owner)
        if wait > 0:
            return await _refuse(send, 429, f"rate limit of {int(self.limiter.capacity)} requests per minute reached "
                                            f"for this key; retry in {math.ceil(wait)} s", "rate_limit_exceeded",
                                 "rate_limit_error", [(b"retry-after", str(math.ceil(wait)).encode())])
        scope.setdefault("state", {})["api_key"] = owner
        return await self.app(scope, receive, send)
