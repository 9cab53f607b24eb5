"""What the server checks of a request before any route sees it, as one pure ASGI middleware:
the Host header (DNS rebinding), the Origin of a request that changes something (POST / DELETE
from another web origin: a page could otherwise upload files or start jobs on a loopback server
with a multipart form, which needs no preflight), the content type of JSON routes (a web page can
send text/plain cross-origin without a preflight), and the body size (checked on Content-Length, and counted while a
body without one is read, so an oversized body is never held whole). Every refusal is an error in
OpenAI's shape.
"""
from __future__ import annotations

import ipaddress
import json

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def error_body(message: str, type_: str = "invalid_request_error", param: str | None = None,
               code: str | None = None) -> bytes:
    return json.dumps({"error": {"message": message, "type": type_, "param": param, "code": code}}).encode()


async def send_error(send, status: int, message: str, type_: str = "invalid_request_error", code: str | None = None) -> None:
    body = error_body(message, type_, code=code)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def default_allowed_hosts(bind_host: str) -> frozenset[str] | None:
    """Loopback names when the server binds to loopback; None (any Host) otherwise."""
    try:
        loopback = bind_host == "localhost" or ipaddress.ip_address(bind_host).is_loopback
    except ValueError:
        loopback = False
    return LOOPBACK_NAMES | {bind_host} if loopback else None


def _origin_host(origin: str) -> str:
    """'http://127.0.0.1:8000' -> '127.0.0.1:8000'."""
    return origin.split("://", 1)[-1].rstrip("/").lower()


def host_name(header: str) -> str:
    """The host of a Host header, without its port ("[::1]:8000" -> "::1")."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class RequestGuards:
    def __init__(self, app, json_routes: frozenset[str], max_body_bytes: int = 1 << 20,
                 allowed_hosts: frozenset[str] | None = None, allowed_origins: frozenset[str] = frozenset(),
                 json_patterns: tuple = ()):
        """json_routes: exact paths; json_patterns: compiled regexes of paths with ids in them."""
        self.app, self.json_routes, self.max_body_bytes = app, json_routes, max_body_bytes
        self.allowed_hosts, self.allowed_origins, self.json_patterns = allowed_hosts, allowed_origins, json_patterns

    def _same_origin(self, origin: str, headers: dict) -> bool:
        return origin in self.allowed_origins or _origin_host(origin) == headers.get("host", "").lower()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if self.allowed_hosts is not None and host_name(headers.get("host", "")).lower() not in self.allowed_hosts:
            return await send_error(send, 421, f"this server does not answer for host {headers.get('host', '')!r}",
                                    code="misdirected_request")
        origin = headers.get("origin")
        if scope["method"] in ("POST", "DELETE", "PUT", "PATCH") and origin and not self._same_origin(origin, headers):
            return await send_error(send, 403, f"requests from the web origin {origin!r} may not change this server's "
                                               "state (--cors-origins admits an origin)", code="forbidden_origin")
        path = scope["path"]
        json_route = path in self.json_routes or any(p.match(path) for p in self.json_patterns)
        if scope["method"] != "POST" or not json_route:
            return await self.app(scope, receive, send)
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            return await send_error(send, 415, f"the body must be application/json, not {media_type or 'untyped'}",
                                    code="unsupported_media_type")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            return await send_error(send, 413, f"the body is over this server's limit of {self.max_body_bytes} bytes",
                                    code="request_too_large")
        if length is not None:
            return await self.app(scope, receive, send)
        # No Content-Length (chunked): read it here, counting, then hand it on.
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return await send_error(send, 413, f"the body is over this server's limit of {self.max_body_bytes} bytes",
                                        code="request_too_large")
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body, replayed = b"".join(chunks), False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)
