"""The local runner's worker processes exit without tearing the interpreter down.

When a local run ends, Beam's runner stops its SDK worker processes one after the other and waits
for each to exit; a worker then spent ~0.35 s finalising its interpreter (module teardown, gRPC,
every object freed), ~0.8 s of every two-worker run. By then the worker's work is done and
committed: its bundles finished, its output files renamed into place, its log channel closed. So
a worker process exits at once at that point, with the status it would have had (1 after an
unhandled exception). Only SDK worker processes (`apache_beam.runners.worker.sdk_worker_main`)
are affected, never a driver or a test process that runs a pipeline in-process.
"""
from __future__ import annotations

import atexit
import logging
import os
import sys

_installed = False


def _is_sdk_worker() -> bool:
    main = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "CONTROL_API_SERVICE_DESCRIPTOR" in os.environ and main.startswith("sdk_worker_main")


def exit_promptly_at_shutdown() -> None:
    """In an SDK worker process: exit without interpreter teardown once the worker stops (call
    from a DoFn's setup; once per process)."""
    global _installed
    if not _installed and _is_sdk_worker():
        _installed = True
        atexit.register(_exit_now)      # the last registered runs first: the handlers before it are teardown


def _exit_now() -> None:
    code = 1 if getattr(sys, "last_value", None) is not None else 0    # an unhandled exception ended the worker
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
