"""A warm SDK worker: Beam's worker and the pipeline's modules imported before the runner asks.

    python -m pipelines.beam.warm_worker_main FD N [MODULE ...]

Started by the driver (pipelines/beam/warm_workers.py) before its own imports, so that the
~1.5 s a worker process spends importing Beam and the pipeline's modules runs beside the
driver's instead of after it, on the other core. Once imported it forks into N workers, which
share those imports instead of repeating them. Each takes one job from the listening socket FD
(inherited): the Beam variables a launcher (pipelines/beam/worker_launcher.py) sends for a worker
the runner started; runs Beam's SDK harness with them and sends back its exit status. It exits
without interpreter teardown, as every local worker does (pipelines/beam/worker_exit.py), and at
once when the driver goes (stdin closes) or the launcher does (the runner stopped it). The first
process waits for the others it forked, so all stay in the driver's process tree.
"""
from __future__ import annotations

import importlib
import json
import os
import socket
import sys
import threading
import warnings

from apache_beam.runners.worker import sdk_worker_main

from pipelines.beam.worker_exit import exit_now, flush_output
from pipelines.beam.worker_launcher import TAKEN


_finished = threading.Event()         # the job is done: the other ends may close now


def _exit_when_closed(read) -> None:
    """Exits this process once `read` returns nothing (the other end closed), unless the job is done."""
    def watch():
        try:
            while read():
                pass
        except OSError:
            pass
        if not _finished.is_set():
            os._exit(1)
    threading.Thread(target=watch, name="warm-worker-watch", daemon=True).start()


def _take_job(listener: socket.socket) -> tuple[socket.socket, dict]:
    conn, _ = listener.accept()
    listener.close()             # one job per warm worker; with none left a launcher starts a cold worker
    try:
        with conn.makefile("rb") as stream:
            job = json.loads(stream.readline())
        conn.sendall(TAKEN)
    except (OSError, ValueError):            # a launcher that gave up waiting and started a cold worker
        os._exit(0)
    return conn, job


def _fork(n: int) -> list[int]:
    """n - 1 copies of this process; the pids of those forked (none in a copy). None are forked
    while a Python thread runs (a fork copies only the thread that forks; a lock another held
    stays locked): the launchers then start ordinary workers for the jobs this one does not take.
    The C libraries' own threads (OpenBLAS's, jemalloc's) have their fork handlers."""
    if threading.active_count() > 1:
        return []
    sys.stdout.flush()
    sys.stderr.flush()
    forked = []
    with warnings.catch_warnings():         # Python >= 3.12 warns of any OS thread; see above
        warnings.simplefilter("ignore", DeprecationWarning)
        for _ in range(n - 1):
            pid = os.fork()
            if pid == 0:
                return []
            forked.append(pid)
    return forked


def main(argv: list[str]) -> int:
    listener = socket.socket(fileno=int(argv[0]))
    for module in argv[2:]:
        importlib.import_module(module)
    forked = _fork(int(argv[1]))              # before any thread of this module starts: threads do not survive a fork
    _exit_when_closed(lambda: sys.stdin.buffer.read(1))          # the driver went away
    conn, job = _take_job(listener)
    _exit_when_closed(lambda: conn.recv(1))                        # the runner stopped the launcher
    os.environ.clear()
    os.environ.update(job)                   # the driver's environment now, as a worker it started would have
    sys.argv = [sdk_worker_main.__file__]    # as Beam starts its worker: no stray arguments for PipelineOptions
    status = 0
    try:
        sdk_worker_main.main([])
    except BaseException:                                  # Beam logged it (critical) and re-raised
        status = 1
    _finished.set()
    flush_output()                           # before the status: the driver may stop once it has it
    try:
        conn.sendall(bytes([status]))
    except OSError:
        pass
    for pid in forked:                       # they finish with the run, or once the driver closes stdin
        os.waitpid(pid, 0)
    exit_now(status)
    return status                                          # under coverage, which saves its data at exit


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
