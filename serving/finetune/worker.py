"""The fine-tuning worker: a process of its own (the server starts one and stops it by its pid),
running one job at a time, the others queued in SQLite.

    python -m serving.finetune.worker --data-dir out/serving --base NAME=MODEL_DIR [--base ...]

A job: the uploaded file goes through the SFT pipeline (its report.html becomes a result file
of the job; its dead letters and rejections become events with their line numbers); a LoRA
adapter is trained on the base model (training.train --adapter lora, 10 % of the examples held
out for the loss); the model is registered as ft:<base>:<suffix>:<job id>. A job cancelled
while it trains stops at the end of the current step. A job that was running when the worker
died is resumed from its last checkpoint when a worker starts again (after MAX_ATTEMPTS crashes
it fails instead); one stopped by SIGTERM, or whose server is gone (checked at every training
step), is queued again at once without counting an attempt. Only one worker runs per data
folder (a lock file): a new one waits for the old one to finish.
"""
from __future__ import annotations

import argparse
import fcntl
import glob
import json
import os
import signal
import time
import traceback
from pathlib import Path

from serving.finetune.formats import sources_yaml
from serving.finetune.store import MAX_ATTEMPTS, Store

AUTO = {"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 1.0}
MAX_LISTED_LINES = 20          # dead letters and rejections named one by one in the events, then summed up


class Stopped(BaseException):
    """The worker is told to stop (SIGTERM) or its server is gone: the job goes back to the queue."""


def parent_alive(parent: int | None) -> bool:
    return parent is None or os.getppid() == parent


# What SIGTERM finds: training checks `stop` at every step (a clean stop, its checkpoints kept);
# anywhere else (the pipeline, waiting for work) the job goes back to the queue and the process ends.
RUNNING = {"job": None, "training": False, "stop": False, "data_dir": None}


def on_sigterm(signum, frame) -> None:
    RUNNING["stop"] = True
    if RUNNING["training"]:
        return
    job_id = RUNNING["job"]
    if job_id is not None:
        store = Store(RUNNING["data_dir"])          # a connection of its own: the main one may be mid-call
        if store.requeue(job_id):
            store.event(job_id, "The server stopped while this job was being prepared; it starts again when "
                                "the server is back", level="warn")
    os._exit(0)


class JobFailed(Exception):
    """The job cannot go on; the message is the job's error."""

    def __init__(self, message: str, code: str = "invalid_training_file"):
        super().__init__(message)
        self.code = code


def resolve_hyperparameters(hp: dict) -> dict:
    return {k: (AUTO[k] if hp.get(k) in (None, "auto") else hp[k]) for k in AUTO}


def model_name(base: str, suffix: str | None, job_id: str) -> str:
    return f"ft:{base}:{suffix or ''}:{job_id}"


def report_bad_lines(store: Store, job_id: str, output: Path) -> None:
    """The SFT pipeline's dead letters and rejections, as events naming their lines."""
    import pyarrow.parquet as pq
    listed = 0
    for kind, pattern, fields in (("dead letter", "dead_letter/*.parquet", ("source_line", "error_kind", "error")),
                                  ("rejected", "rejected/*.parquet", ("source_line", "rule", "reason"))):
        rows = []
        for f in sorted(glob.glob(str(output / pattern))):
            rows.extend(pq.read_table(f, columns=list(fields)).to_pylist())
        rows.sort(key=lambda r: r[fields[0]] or 0)
        for r in rows:
            if listed < MAX_LISTED_LINES:
                store.event(job_id, f"line {r[fields[0]]}: {kind} ({r[fields[1]]}): {r[fields[2]]}", level="warn",
                            data={"line": r[fields[0]], "kind": kind, "rule": r[fields[1]]})
            listed += 1
    if listed > MAX_LISTED_LINES:
        store.event(job_id, f"{listed - MAX_LISTED_LINES} more lines were left out; see the job's report file",
                    level="warn")


def prepare_data(store: Store, job_id: str, owner: str, training_file: str) -> Path:
    from pipelines.sft import run as sft_pipeline

    meta = store.file_meta(owner, training_file)
    if meta is None:
        raise JobFailed(f"the training file {training_file} was deleted", "file_not_found")
    job_dir = store.paths.job(job_id)
    job_dir.mkdir(parents=True, exist_ok=True)
    sources = job_dir / "sources.yaml"
    sources.write_text(sources_yaml("upload", str(store.paths.file(training_file).resolve()), meta), encoding="utf-8")
    store.event(job_id, f"Validating training file: {training_file} ({meta['format']} format, {meta['lines']} lines)")
    output = job_dir / "sft"
    try:
        manifest = sft_pipeline.run(["--sources", str(sources), "--output", str(output), "--overwrite"])
    except Exception as e:  # noqa: BLE001 - the job fails with the pipeline's message
        raise JobFailed(f"the SFT pipeline failed on the training file: {type(e).__name__}: {e}", "pipeline_failed") from e
    report_bad_lines(store, job_id, output)
    if (output / "report.html").is_file():
        store.add_result(job_id, store.add_result_file(owner, f"{job_id}-report.html", output / "report.html"))
    counts = manifest["counts"]
    store.event(job_id, f"Training file read: {counts['read']} records, {counts['written']} usable, "
                        f"{counts['rejected']} rejected, {counts['dead_letter']} dead letters",
                data={"read": counts["read"], "written": counts["written"], "rejected": counts["rejected"],
                      "dead_letter": counts["dead_letter"]})
    if not counts["written"]:
        raise JobFailed(f"the training file has no usable record ({counts['read']} read: {counts['rejected']} rejected, "
                        f"{counts['dead_letter']} dead letters; the events name the lines)")
    return output


def cancel_callback(store: Store, job_id: str, parent: int | None = None):
    from transformers import TrainerCallback

    class JobProgress(TrainerCallback):
        """Events for the training log; stops training at the end of a step once the job is cancelled,
        and the worker when its server is gone (the job then resumes from its last checkpoint)."""

        def on_log(self, args, state, control, logs=None, **kw):
            if logs and "loss" in logs:
                store.event(job_id, f"Step {state.global_step}/{state.max_steps}: training loss={logs['loss']:.4f}",
                            data={"step": state.global_step, "total_steps": state.max_steps, "train_loss": logs["loss"]})

        def on_step_end(self, args, state, control, **kw):
            if RUNNING["stop"] or not parent_alive(parent):
                raise Stopped()
            if store.status(job_id) == "cancelled":
                control.should_training_stop = True
                control.should_save = False

    return JobProgress()


def train_adapter(store: Store, job_id: str, base_dir: str, data: Path, hp: dict, seed: int, base_lr: float,
                  max_length: int, parent: int | None = None) -> dict:
    from transformers import AutoConfig

    from training.train import parse_args, train

    context = getattr(AutoConfig.from_pretrained(base_dir), "max_position_embeddings", None) or max_length
    max_length = min(max_length, context)
    store.event(job_id, f"Fine-tuning a LoRA adapter: {hp['n_epochs']} epochs, batch size {hp['batch_size']}, "
                        f"learning rate {base_lr * hp['learning_rate_multiplier']:g}")
    args = parse_args(["--stage", "sft", "--data", str(data), "--model", base_dir, "--out",
                       str(store.paths.job(job_id) / "model"), "--adapter", "lora", "--deepspeed", "none",
                       "--epochs", str(hp["n_epochs"]), "--batch-size", str(hp["batch_size"]),
                       "--lr", str(base_lr * hp["learning_rate_multiplier"]), "--eval-fraction", "0.1",
                       "--save-steps", "10", "--resume", "auto", "--max-length", str(max_length),
                       "--seed", str(seed), "--logging-steps", "2"])
    RUNNING["training"] = True
    try:
        if RUNNING["stop"]:
            raise Stopped()
        return train(args, callbacks=(cancel_callback(store, job_id, parent),))
    finally:
        RUNNING["training"] = False


def run_job(store: Store, job_id: str, bases: dict[str, str], base_lr: float, max_length: int,
            parent: int | None = None) -> None:
    row = store.job_row(job_id)
    owner, base, training_file, suffix, hp, seed = row[1], row[2], row[3], row[4], json.loads(row[5]), row[14]
    if row[13] > 1:
        store.event(job_id, f"Resuming (attempt {row[13]}) from the last checkpoint")
    if base not in bases:
        raise JobFailed(f"the base model {base!r} is not served by this server any more", "model_not_found")
    data = prepare_data(store, job_id, owner, training_file)
    if store.status(job_id) == "cancelled":
        return
    summary = train_adapter(store, job_id, bases[base], data, resolve_hyperparameters(hp), seed, base_lr, max_length,
                            parent)
    if store.status(job_id) == "cancelled":
        store.event(job_id, f"Job cancelled after step {summary['steps']}")
        return
    if summary.get("eval_loss") is not None:
        store.event(job_id, f"Held-out loss: {summary['eval_loss']:.4f} on {summary['eval_examples']} examples",
                    data={"eval_loss": summary["eval_loss"], "eval_examples": summary["eval_examples"]})
    name = model_name(base, suffix, job_id)
    if store.set_status(job_id, "succeeded", fine_tuned_model=name, trained_tokens=int(summary["tokens_seen"] or 0),
                        only_from=("running",)):
        store.event(job_id, f"New fine-tuned model created: {name}")
        store.event(job_id, "The job has successfully completed")


def recover(store: Store) -> None:
    """Jobs that were running when a worker died: queued again to resume, or failed after MAX_ATTEMPTS."""
    for job_id, attempts in store.interrupted():
        if attempts >= MAX_ATTEMPTS:
            store.set_status(job_id, "failed", only_from=("running",), error={
                "code": "interrupted", "param": None,
                "message": f"the worker stopped while this job was running, {attempts} times"})
            store.event(job_id, f"Job failed: interrupted {attempts} times", level="error")
        elif store.set_status(job_id, "queued", only_from=("running",)):
            store.event(job_id, "The worker stopped while this job was running; it will resume from its last checkpoint",
                        level="warn")


def work(store: Store, bases: dict[str, str], base_lr: float, max_length: int, poll: float, parent: int | None) -> None:
    recover(store)
    while parent_alive(parent):
        job_id = store.claim_next()
        if job_id is None:
            time.sleep(poll)
            continue
        RUNNING["job"] = job_id
        try:
            run_job(store, job_id, bases, base_lr, max_length, parent)
        except Stopped:
            # told to stop, not a crash: back to the queue without counting an attempt
            if store.requeue(job_id):
                store.event(job_id, "The server stopped while this job was running; it resumes from its last "
                                    "checkpoint when the server is back", level="warn")
            return
        except JobFailed as e:
            store.set_status(job_id, "failed", error={"code": e.code, "message": str(e), "param": "training_file"},
                             only_from=("running",))
            store.event(job_id, f"Job failed: {e}", level="error")
        except Exception as e:  # noqa: BLE001 - one job's failure is its own; the worker goes on
            traceback.print_exc()
            store.set_status(job_id, "failed", error={"code": "server_error", "param": None,
                                                      "message": f"{type(e).__name__}: {e}"}, only_from=("running",))
            store.event(job_id, f"Job failed: {type(e).__name__}: {e}", level="error")
        finally:
            RUNNING["job"] = None


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    ap = argparse.ArgumentParser(prog="python -m serving.finetune.worker", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--base", action="append", default=[], help="NAME=MODEL_DIR: a base model jobs may name")
    ap.add_argument("--base-lr", type=float, default=1e-3, help="the learning rate a multiplier of 1 means")
    ap.add_argument("--max-length", type=int, default=512, help="tokens per training example")
    ap.add_argument("--poll", type=float, default=0.5, help="seconds between looks at the queue")
    ap.add_argument("--parent", type=int, default=None, help="exit when this process (the server) is gone")
    args = ap.parse_args(argv)
    bases = dict(b.split("=", 1) for b in args.base)
    store = Store(args.data_dir)

    RUNNING["data_dir"] = args.data_dir
    signal.signal(signal.SIGTERM, on_sigterm)
    lock = open(Path(args.data_dir) / "worker.lock", "a+")
    while True:               # one worker per data folder: a new one waits for the old one to finish
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            if not parent_alive(args.parent):
                return 0
            time.sleep(1)
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()))
    lock.flush()
    work(store, bases, args.base_lr, args.max_length, args.poll, args.parent)     # Stopped ends a job inside
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
