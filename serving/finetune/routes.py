"""OpenAI's files and fine-tuning endpoints, so that the official client works:

    POST /v1/files (multipart: file, purpose=fine-tune)      GET /v1/files[?purpose=]
    GET /v1/files/{id}   GET /v1/files/{id}/content   DELETE /v1/files/{id}
    POST /v1/fine_tuning/jobs {training_file, model, suffix?, seed?, hyperparameters? | method?}
    GET /v1/fine_tuning/jobs[?after=&limit=]   GET /v1/fine_tuning/jobs/{id}
    GET /v1/fine_tuning/jobs/{id}/events[?after=&limit=]   POST /v1/fine_tuning/jobs/{id}/cancel

Files and jobs belong to the key that made them; for any other key they do not exist (404).
Errors are APIError (OpenAI's shape), raised by `error(status, message, param, code)`.
"""
from __future__ import annotations

import asyncio
import re
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from serving.finetune.formats import MAX_UPLOAD_BYTES, UploadError, detect
from serving.finetune.store import FINISHED, Store

SUFFIX = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
HYPER_LIMITS = {"n_epochs": (int, 1, 50), "batch_size": (int, 1, 256), "learning_rate_multiplier": (float, 1e-3, 10.0)}
JOB_FIELDS = {"training_file", "model", "suffix", "seed", "hyperparameters", "method", "validation_file", "integrations",
              "metadata"}


def owner_of(request: Request) -> str:
    return getattr(request.state, "api_key", "")


def hyperparameters(raw, error) -> dict:
    if raw is None:
        return {k: "auto" for k in HYPER_LIMITS}
    if not isinstance(raw, dict):
        raise error(400, "'hyperparameters' must be an object", "hyperparameters")
    unknown = sorted(set(raw) - set(HYPER_LIMITS))
    if unknown:
        raise error(400, f"hyperparameters.{unknown[0]} is not supported; the supported ones are "
                         f"{', '.join(HYPER_LIMITS)}", f"hyperparameters.{unknown[0]}")
    out = {}
    for name, (kind, lo, hi) in HYPER_LIMITS.items():
        value = raw.get(name, "auto")
        if value == "auto" or value is None:
            out[name] = "auto"
            continue
        ok = (isinstance(value, int) or (kind is float and isinstance(value, float))) and not isinstance(value, bool)
        if not ok or not lo <= value <= hi:
            raise error(400, f"hyperparameters.{name} must be 'auto' or a {'whole ' if kind is int else ''}number "
                             f"from {lo:g} to {hi:g}, got {value!r}", f"hyperparameters.{name}")
        out[name] = kind(value)
    return out


def make_router(store: Store, base_models: list[str], error, body_of) -> APIRouter:
    """`error(status, message, param=None, code=None)` builds the API's error; `body_of` reads a JSON body."""
    router = APIRouter()

    def not_found(kind: str, ident: str, param: str | None = None):
        return error(404, f"no {kind} with id {ident!r}", param, "not_found")

    # ------------------------------------------------------------------ files
    @router.post("/v1/files")
    async def upload(request: Request):
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_UPLOAD_BYTES + 65536:
            raise error(413, f"the file is over this server's limit of {MAX_UPLOAD_BYTES >> 20} MB", "file",
                        "request_too_large")
        try:
            form = await request.form(max_part_size=MAX_UPLOAD_BYTES)
        except Exception as e:  # noqa: BLE001 - not multipart, or a part over the limit
            raise error(400, f"the body must be multipart/form-data with 'file' and 'purpose' ({e})", "file") from None
        purpose, upload_file = form.get("purpose"), form.get("file")
        if purpose != "fine-tune":
            raise error(400, f"'purpose' must be 'fine-tune', got {purpose!r}", "purpose")
        if upload_file is None or isinstance(upload_file, str):
            raise error(400, "'file' must be an uploaded file", "file")
        content = await upload_file.read()
        if len(content) > MAX_UPLOAD_BYTES:
            raise error(413, f"the file is over this server's limit of {MAX_UPLOAD_BYTES >> 20} MB", "file",
                        "request_too_large")
        try:
            detected = await asyncio.to_thread(detect, content)        # up to 64 MB of JSON lines: off the event loop
        except UploadError as e:
            raise error(400, f"{upload_file.filename or 'the file'}: {e}", "file", "invalid_file") from None
        return await asyncio.to_thread(store.add_file, owner_of(request), upload_file.filename or "upload.jsonl", purpose,
                                       content, detected.meta())

    @router.get("/v1/files")
    async def list_files(request: Request, purpose: str | None = None):
        return {"object": "list", "data": store.list_files(owner_of(request), purpose), "has_more": False}

    def owned_or_404(getter, kind: str, param: str, request: Request, ident: str) -> dict:
        found = getter(owner_of(request), ident)
        if found is None:
            raise not_found(kind, ident, param)
        return found

    def file_or_404(request: Request, file_id: str) -> dict:
        return owned_or_404(store.get_file, "file", "file_id", request, file_id)

    @router.get("/v1/files/{file_id}")
    async def get_file(request: Request, file_id: str):
        return file_or_404(request, file_id)

    @router.get("/v1/files/{file_id}/content")
    async def file_content(request: Request, file_id: str):
        found = file_or_404(request, file_id)
        # only the server's own result reports are HTML; an upload is never served as a page from this origin
        own_report = found["purpose"] == "fine-tune-results" and found["filename"].endswith(".html")
        return FileResponse(store.paths.file(file_id),
                            media_type="text/html; charset=utf-8" if own_report else "application/octet-stream",
                            headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
                                     **({} if own_report else {"Content-Disposition": f'attachment; filename="{file_id}"'})})

    @router.delete("/v1/files/{file_id}")
    async def delete_file(request: Request, file_id: str):
        if not store.delete_file(owner_of(request), file_id):
            raise not_found("file", file_id, "file_id")
        return {"id": file_id, "object": "file", "deleted": True}

    # ------------------------------------------------------------------ jobs
    @router.post("/v1/fine_tuning/jobs")
    async def create_job(request: Request):
        body = await body_of(request)
        owner = owner_of(request)
        unknown = sorted(k for k in set(body) - JOB_FIELDS)
        if unknown:
            raise error(400, f"'{unknown[0]}' is not a fine-tuning job field", unknown[0])
        for name in ("validation_file", "integrations", "metadata"):
            if body.get(name):
                raise error(400, f"'{name}' is not supported by this server", name)
        training_file = body.get("training_file")
        if not isinstance(training_file, str) or store.get_file(owner, training_file) is None:
            raise error(400, f"'training_file' must be the id of one of your uploaded files, got {training_file!r}",
                        "training_file", "invalid_training_file")
        model = body.get("model")
        if model not in base_models:
            raise error(400, f"'model' {model!r} cannot be fine-tuned here; the base models are "
                             f"{', '.join(base_models)}", "model", "model_not_available")
        suffix = body.get("suffix")
        if suffix is not None and (not isinstance(suffix, str) or not SUFFIX.match(suffix)):
            raise error(400, "'suffix' must be 1-40 letters, digits, '-' or '_'", "suffix")
        raw = body.get("hyperparameters")
        method = body.get("method")
        if method is not None:
            if not isinstance(method, dict) or method.get("type", "supervised") != "supervised":
                raise error(400, "only method.type 'supervised' is supported", "method")
            supervised = method.get("supervised") or {}
            if not isinstance(supervised, dict):
                raise error(400, "method.supervised must be an object", "method.supervised")
            raw = supervised.get("hyperparameters", raw)
        seed = body.get("seed")
        if seed is None:
            seed = secrets.randbelow(2 ** 31)
        elif isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 31:
            raise error(400, "'seed' must be an integer from 0 to 2147483647", "seed")
        return store.add_job(owner, model, training_file, suffix, hyperparameters(raw, error), seed)

    def page_args(request: Request) -> tuple[str | None, int]:
        limit = request.query_params.get("limit", "20")
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            raise error(400, "'limit' must be a whole number from 1 to 100", "limit")
        return request.query_params.get("after"), int(limit)

    @router.get("/v1/fine_tuning/jobs")
    async def list_jobs(request: Request):
        after, limit = page_args(request)
        jobs, more = store.list_jobs(owner_of(request), after, limit)
        return {"object": "list", "data": jobs, "has_more": more}

    def job_or_404(request: Request, job_id: str) -> dict:
        return owned_or_404(store.get_job, "fine-tuning job", "fine_tuning_job_id", request, job_id)

    @router.get("/v1/fine_tuning/jobs/{job_id}")
    async def get_job(request: Request, job_id: str):
        return job_or_404(request, job_id)

    @router.get("/v1/fine_tuning/jobs/{job_id}/events")
    async def job_events(request: Request, job_id: str):
        job_or_404(request, job_id)
        after, limit = page_args(request)
        events, more = store.events(job_id, after, limit)
        return {"object": "list", "data": events, "has_more": more}

    @router.post("/v1/fine_tuning/jobs/{job_id}/cancel")
    async def cancel_job(request: Request, job_id: str):
        job = job_or_404(request, job_id)
        if job["status"] in FINISHED:
            raise error(400, f"the job has already {job['status']}", "fine_tuning_job_id", "job_finished")
        if store.set_status(job_id, "cancelled", only_from=("validating_files", "queued", "running")):
            store.event(job_id, "Job cancelled by the user"
                        + (" (training stops at the end of the current step)" if job["status"] == "running" else ""))
        return job_or_404(request, job_id)

    return router
