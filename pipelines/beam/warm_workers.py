"""Warm SDK workers for the local runner's multi-process mode, started before the driver imports.

With ``--direct_running_mode=multi_processing`` Beam's local runner starts its worker processes
only once the pipeline runs, after the driver's own imports (~1.7 s), and each then spends ~1.5 s
importing Beam and the pipeline's modules: on two cores ~3 s of every run in which no record
moves. A command's entry point calls :func:`start_early` first thing, before importing Beam, so
the workers import beside the driver; the runner is then given a worker command
(pipelines/beam/worker_launcher.py) that hands each worker's job to one of them
(pipelines/beam/warm_worker_main.py). A launcher finding no warm worker starts an ordinary one,
so a run never depends on them. Workers the run does not use exit when the driver closes them or
goes. On Linux the socket lives in the abstract namespace: no file to remove after a killed run.
Standard library only (and memory.py): this module is imported before everything else.
"""
from __future__ import annotations

import argparse
import atexit
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from pipelines.beam.memory import tune_allocator
from pipelines.beam.worker_launcher import address

LAUNCHER = Path(__file__).with_name("worker_launcher.py")       # run by path: see its docstring
LOCAL_RUNNERS = ("FnApiRunner",)            # the runner Command defaults to (pipelines/beam/command.py)

_early: WarmWorkers | None = None


def wanted(beam_args: list[str]) -> int:
    """How many warm workers a run with these Beam options uses: direct_num_workers (0: one per
    core) for the local runner in multi-process mode, else none."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--runner", default="FnApiRunner")
    parser.add_argument("--direct_running_mode", default="in_memory")
    parser.add_argument("--direct_num_workers", type=int, default=1)
    parser.add_argument("--dry_run")
    try:
        args, _ = parser.parse_known_args(beam_args)
    except SystemExit:                       # a malformed value: Beam's own parser reports it
        return 0
    if (args.runner.rsplit(".", 1)[-1] not in LOCAL_RUNNERS or args.direct_running_mode != "multi_processing"
            or args.dry_run is not None):
        return 0
    return args.direct_num_workers if args.direct_num_workers > 0 else (os.cpu_count() or 1)


class WarmWorkers:
    """n warm worker processes (one started, forked into n once imported) sharing one listening
    socket; `command` is the runner's worker command."""

    def __init__(self, n: int, command: str, beam_args: list[str]):
        self.command_name, self.beam_args, self.n = command, list(beam_args), n
        self._dir = None
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            if sys.platform.startswith("linux"):
                name = f"@beam-warm-{os.getpid()}-{uuid.uuid4().hex}"
                listener.bind(address(name))
            else:
                self._dir = tempfile.mkdtemp(prefix="beam-warm-")
                name = os.path.join(self._dir, "jobs")
                listener.bind(name)
            listener.listen(n)
            tune_allocator()                                # its settings reach the workers through the environment
            # Its own process group: close() can stop it and the workers it forked at once.
            self._proc = subprocess.Popen([sys.executable, "-m", "pipelines.beam.warm_worker_main", str(listener.fileno()),
                                           str(n), f"pipelines.{command}.run"], stdin=subprocess.PIPE,
                                          pass_fds=(listener.fileno(),), process_group=0)
        except BaseException:
            self._remove_socket()
            raise
        finally:
            listener.close()          # held by the workers only: once all took a job or died, launchers start cold ones
        self.command = "exec " + " ".join(shlex.quote(a) for a in (sys.executable, "-I", "-S", str(LAUNCHER), name))

    def close(self, kill: bool = False) -> None:
        """Workers that took no job exit (their stdin closes); those that did have finished. After a
        short wait, or at once with `kill` (no job running: a run that failed or never started),
        whatever is left of them is killed."""
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.wait(timeout=0 if kill else 5)     # the first reaps those it forked before it exits
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)     # forked workers too (they share its group)
            except (ProcessLookupError, PermissionError):
                pass
            self._proc.wait()
        self._remove_socket()

    def _remove_socket(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


def start_early(command: str, argv: list[str]) -> None:
    """The entry point of `python -m pipelines.<command>`, before its imports: starts the warm
    workers its run will use (none for --help, another runner or mode), each importing the
    command's graph (pipelines/<command>/run.py); :func:`take` hands them to the run."""
    global _early
    if not {"-h", "--help"} & set(argv) and (n := wanted(argv)):
        _early = _start(n, command, argv)
        atexit.register(_close_unused)          # a command that ends before its run (a usage error)


def _close_unused() -> None:
    if _early is not None:
        _early.close(kill=True)


def take(command: str, beam_args: list[str]) -> WarmWorkers | None:
    """The warm workers for a run of `command` with these Beam options: those started early for
    it if any (a run in-process starts its own here), else none."""
    global _early
    early, _early = _early, None
    n = wanted(beam_args)
    if early is not None and (not n or early.n != n or early.command_name != command
                              or not set(beam_args) <= set(early.beam_args)):
        early.close(kill=True)
        early = None
    if early is None and n:
        early = _start(n, command, beam_args)
    return early


def _start(n: int, command: str, beam_args: list[str]) -> WarmWorkers | None:
    """WarmWorkers, or None where they cannot start (no Unix sockets, the address in use, a
    temporary folder whose path is too long for one): the runner starts its workers the ordinary way."""
    try:
        return WarmWorkers(n, command, beam_args)
    except (OSError, AttributeError):             # AttributeError: socket.AF_UNIX missing (Windows)
        return None
