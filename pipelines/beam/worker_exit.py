"""SDK worker processes exit without tearing the interpreter down.

When a local run ends, Beam's runner stops its SDK worker processes one after the other and waits
for each to exit; a worker then spent ~0.35 s finalising its interpreter (module teardown, gRPC,
every object freed), ~0.8 s of every two-worker run. By then the worker's work is done and
committed: its bundles finished, its output files renamed into place, its log channel closed. So
a worker process exits at once at that point: with status 1 after an unhandled exception, else 0
(a `sys.exit(n)` inside a worker would exit 0; neither Beam's worker nor this project calls it).
The exit handlers registered before it (multiprocessing's, weakref finalizers) do not run; none
of them has work left in a worker. It applies to processes started as Beam's SDK worker
(`apache_beam.runners.worker.sdk_worker_main`: the local runner's, and a portable runner's or
Dataflow's containers), never to a driver or a test that runs a pipeline in-process, and not
when coverage measures subprocesses (COVERAGE_PROCESS_START: its data is saved at exit).
"""
from __future__ import annotations

import atexit
import logging
import os
import sys

_installed = False


def _is_sdk_worker() -> bool:
    main = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "CONTROL_API_SERVICE_DESCRIPTOR" in os.environ and main.startswith("sdk_worker_main") and not _coverage()


def _coverage() -> bool:
    return bool(os.environ.get("COVERAGE_PROCESS_START"))


def exit_promptly_at_shutdown() -> None:
    """In an SDK worker process: exit without interpreter teardown once the worker stops (call
    from a DoFn's setup; once per process)."""
    global _installed
    if not _installed and _is_sdk_worker():
        _installed = True
        atexit.register(_exit_now)      # the last registered runs first: the handlers before it are teardown


def _exit_now() -> None:
    exit_now(1 if getattr(sys, "last_value", None) is not None else 0)   # an unhandled exception ended the worker


def exit_now(code: int) -> None:
    """Exits this worker process with `code`, logs and output flushed, without teardown (returns
    under coverage, which saves its data at exit)."""
    if _coverage():
        return
    flush_output()
    os._exit(code)


def flush_output() -> None:
    """Logging handlers and the standard streams flushed (what a process exiting normally would)."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
