"""A local dask.distributed cluster for Beam's Dask runner: one scheduler and N worker processes,
all on loopback, stopped by their own process ids.

    python -m pipelines.dask_cluster start [--workers 2] [--port 8786] [--state .cluster]
    python -m pipelines.dask_cluster stop [--state .cluster]

`start` returns once every worker has joined and prints the address to pass to a pipeline:
`--runner apache_beam.runners.dask.dask_runner.DaskRunner --dask_client_address tcp://127.0.0.1:8786`.
For a real cluster, point --dask_client_address at its scheduler instead (README, "Running at scale").
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pipelines.beam.memory import MALLOC_ENV

HOST = "127.0.0.1"
DASK_RUNNER = "apache_beam.runners.dask.dask_runner.DaskRunner"


def runner_args(address: str, partitions: int) -> list[str]:
    """The Beam options that run a pipeline on the cluster at `address`. `partitions`: the Dask
    runner keeps the first PCollection's partitioning for the whole pipeline, so this many
    partitions is how many tasks can run at once (about one per worker process)."""
    return ["--runner", DASK_RUNNER, "--dask_client_address", address, f"--dask_npartitions={partitions}"]


def _dask(*args: str) -> list[str]:
    return [sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]]


def start(workers: int = 2, port: int = 8786, state: str | Path = ".cluster", timeout: float = 60.0) -> dict:
    state = Path(state)
    state.mkdir(parents=True, exist_ok=True)
    if (state / "cluster.json").exists():
        raise RuntimeError(f"{state}/cluster.json exists: a cluster may be running (stop it first)")
    address = f"tcp://{HOST}:{port}"
    logs = open(state / "cluster.log", "ab")
    env = {**MALLOC_ENV, **os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    # Own process groups: stopping the cluster ends the worker processes a nanny starts too.
    scheduler = subprocess.Popen(_dask("scheduler", "--host", HOST, "--port", str(port), "--dashboard-address", f"{HOST}:0"),
                                 stdout=logs, stderr=logs, env=env, start_new_session=True)
    info = {"address": address, "workers": workers, "pids": [scheduler.pid]}
    (state / "cluster.json").write_text(json.dumps(info))
    try:
        _wait_for(address, 0, timeout, scheduler)
        worker = subprocess.Popen(_dask("worker", address, "--host", HOST, "--nworkers", str(workers), "--nthreads", "1",
                                        "--dashboard-address", f"{HOST}:0"),
                                  stdout=logs, stderr=logs, env=env, start_new_session=True)
        info["pids"].append(worker.pid)
        (state / "cluster.json").write_text(json.dumps(info))
        _wait_for(address, workers, timeout, worker)
    except Exception:
        stop(state)
        raise
    return info


def _wait_for(address: str, workers: int, timeout: float, process: subprocess.Popen) -> None:
    from distributed import Client
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dask process exited with {process.returncode} (see the cluster log)")
        try:
            with Client(address, timeout=2) as client:
                if workers == 0 or len(client.scheduler_info()["workers"]) >= workers:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the cluster at {address} did not get {workers} worker(s) within {timeout:.0f} s")


def _alive(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)            # reaps it when this process started it
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def stop(state: str | Path = ".cluster") -> bool:
    """Ends the cluster's process groups by the ids `start` recorded; False when none was recorded."""
    path = Path(state) / "cluster.json"
    if not path.exists():
        return False
    for pid in reversed(json.loads(path.read_text())["pids"]):
        for sig in (signal.SIGTERM, signal.SIGKILL):        # politely, then for sure
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + 5
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if not _alive(pid):
                break
    path.unlink()
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.dask_cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop"])
    parser.add_argument("--workers", type=int, default=2, help="worker processes, one thread each (default 2)")
    parser.add_argument("--port", type=int, default=8786, help="scheduler port on 127.0.0.1 (default 8786)")
    parser.add_argument("--state", default=".cluster", help="folder for the process ids and the log (default .cluster)")
    args = parser.parse_args(argv)
    if args.command == "stop":
        print("cluster stopped" if stop(args.state) else f"no cluster recorded in {args.state}")
        return 0
    try:
        info = start(args.workers, args.port, args.state)
    except (RuntimeError, TimeoutError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"dask cluster: scheduler {info['address']}, {info['workers']} worker process(es); log {args.state}/cluster.log\n"
          f"run a pipeline on it with: {' '.join(runner_args(info['address'], info['workers']))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
