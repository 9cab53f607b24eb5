"""The knowledge-base endpoints (an extension of OpenAI's API, in its error shape):

    POST /v1/knowledge_bases {name, chunk_size?, chunk_overlap?, weights?, top_k?, prompt_prefix?}
    GET /v1/knowledge_bases   GET /v1/knowledge_bases/{id}   DELETE /v1/knowledge_bases/{id}
    POST /v1/knowledge_bases/{id}/documents   JSON {"documents": [{id?, text | html, source?}]}
                                              or multipart `file` (JSON lines, .html, plain text)
    POST /v1/knowledge_bases/{id}/search {query, top_k?, weights?: {lexical, dense}}

`{id}` may also be the base's name. Documents go through the pretraining pipeline's cleaning
(retrieval/ingest.py) off the event loop; the answer says how many were kept and rejected.
"""
from __future__ import annotations

import asyncio
import json
import tempfile

from fastapi import APIRouter, Request

from retrieval.ingest import DocumentError, clean, documents_rows, parse_upload
from serving.finetune.formats import MAX_UPLOAD_BYTES
from serving.knowledge import KnowledgeError, KnowledgeStore, hit_json

MAX_JSON_BYTES = 8 << 20


def make_router(store: KnowledgeStore, error, owner_of) -> APIRouter:
    router = APIRouter()

    def fail(e: KnowledgeError):
        return error(e.status, str(e), e.param, "not_found" if e.status == 404 else None)

    async def json_body(request: Request) -> dict:
        too_large = error(413, f"the body is over this route's limit of {MAX_JSON_BYTES >> 20} MB", None,
                          "request_too_large")
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_JSON_BYTES:
            raise too_large
        chunks, size = [], 0
        async for piece in request.stream():          # counted while read: an oversized body is never held whole
            size += len(piece)
            if size > MAX_JSON_BYTES:
                raise too_large
            chunks.append(piece)
        try:
            body = json.loads(b"".join(chunks))
        except (ValueError, RecursionError):
            raise error(400, "the request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise error(400, "the request body must be a JSON object")
        return body

    @router.post("/v1/knowledge_bases")
    async def create(request: Request):
        try:
            return store.create(owner_of(request), await json_body(request))
        except KnowledgeError as e:
            raise fail(e) from None

    @router.get("/v1/knowledge_bases")
    async def listing(request: Request):
        return {"object": "list", "data": store.list(owner_of(request)), "has_more": False}

    @router.get("/v1/knowledge_bases/{kb}")
    async def get(request: Request, kb: str):
        try:
            return store.get(owner_of(request), kb)
        except KnowledgeError as e:
            raise fail(e) from None

    @router.delete("/v1/knowledge_bases/{kb}")
    async def delete(request: Request, kb: str):
        try:
            kb_id = await asyncio.to_thread(store.delete, owner_of(request), kb)      # its folder removed off the loop
            return {"id": kb_id, "object": "knowledge_base", "deleted": True}
        except KnowledgeError as e:
            raise fail(e) from None

    @router.post("/v1/knowledge_bases/{kb}/documents")
    async def add_documents(request: Request, kb: str):
        owner = owner_of(request)
        try:
            info = store.get(owner, kb)
        except KnowledgeError as e:
            raise fail(e) from None
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if media == "multipart/form-data":
                form = await request.form(max_part_size=MAX_UPLOAD_BYTES)
                upload = form.get("file")
                if upload is None or isinstance(upload, str):
                    raise error(400, "'file' must be an uploaded file", "file")
                fmt, rows = parse_upload(upload.filename or "upload.txt", await upload.read())
            else:
                body = await json_body(request)
                fmt, rows = documents_rows(body.get("documents"))
        except DocumentError as e:
            raise error(400, str(e), "documents") from None

        def work():
            with tempfile.TemporaryDirectory(dir=store.folder(info["id"]).parent) as tmp:
                docs, counts = clean(rows, fmt, tmp)
            return store.add_documents(owner, info["id"], docs, counts)
        try:
            return await asyncio.to_thread(work)
        except KnowledgeError as e:
            raise fail(e) from None

    @router.post("/v1/knowledge_bases/{kb}/search")
    async def search(request: Request, kb: str):
        body = await json_body(request)
        unknown = sorted(set(body) - {"query", "top_k", "weights"})
        if unknown:
            raise error(400, f"'{unknown[0]}' is not a search field", unknown[0])
        try:
            info, hits = await asyncio.to_thread(store.search, owner_of(request), kb, body.get("query"),
                                                 body.get("top_k"), body.get("weights"))
        except KnowledgeError as e:
            raise fail(e) from None
        return {"object": "list", "knowledge_base": info["id"], "data": [hit_json(h, i + 1) for i, h in enumerate(hits)]}

    return router
