"""The local runner's worker processes start warm (pipelines/beam/warm_workers.py): a two-worker run
uses them and leaves no process behind; without them (none left, one that died) a run still
completes on ordinary workers; a worker's failure fails the run; unused ones go with the driver."""
import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import apache_beam as beam
import psutil
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.beam import warm_workers
from pipelines.beam.local_runner import WarmWorkerRunner
from tests.conftest import REPO

SAMPLE = REPO / "pipelines" / "samples" / "pretrain" / "sources.yaml"
TWO_WORKERS = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]


def _descendants_while_running(cmd: list[str]) -> tuple[int, dict[int, str]]:
    """Runs cmd; the command lines of every process seen under it while it ran, by pid."""
    proc = psutil.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = {}
    while proc.poll() is None:
        for child in proc.children(recursive=True):
            try:
                seen.setdefault(child.pid, " ".join(child.cmdline()))
            except psutil.Error:
                pass
        time.sleep(0.05)
    return proc.returncode, seen


def test_a_two_worker_run_uses_warm_workers_and_leaves_no_process_behind(tmp_path):
    code, seen = _descendants_while_running([sys.executable, "-m", "pipelines.pretrain", "--sources", str(SAMPLE),
                                             "--output", str(tmp_path / "out"), *TWO_WORKERS])
    assert code == 0
    commands = list(seen.values())
    assert any("warm_worker_main" in c for c in commands)
    assert any("worker_launcher.py" in c for c in commands)
    assert not any("sdk_worker_main" in c for c in commands)          # no worker started cold
    time.sleep(0.5)
    assert not [pid for pid in seen if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]


def _run_upper(runner, out):
    options = PipelineOptions(TWO_WORKERS)
    with beam.Pipeline(runner=runner, options=options) as p:
        (p | beam.Create(["a", "b", "c", "d"]) | beam.Map(str.upper)
         | beam.io.WriteToText(str(out / "part"), shard_name_template=""))
    return sorted((out / "part").read_text().split())


def test_without_warm_workers_a_run_starts_ordinary_ones(tmp_path):
    pool = warm_workers.WarmWorkers(2, "no_such_command", [])     # its import fails: the warm process exits
    try:
        pool._proc.wait(timeout=60)
        assert _run_upper(WarmWorkerRunner(pool.command), tmp_path) == ["A", "B", "C", "D"]
    finally:
        pool.close()


def test_a_warm_worker_failure_fails_the_run(tmp_path):
    pool = warm_workers.WarmWorkers(2, "pretrain", [])
    try:
        with pytest.raises(Exception, match="invalid literal for int"):
            with beam.Pipeline(runner=WarmWorkerRunner(pool.command), options=PipelineOptions(TWO_WORKERS)) as p:
                p | beam.Create(["1", "x"]) | beam.Map(int)
    finally:
        pool.close()


def test_unused_warm_workers_exit_with_the_driver(tmp_path):
    driver = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                               "from pipelines.beam.warm_workers import start_early\n"
                               f"start_early('pretrain', {TWO_WORKERS!r})\n"
                               "print('started', flush=True)\n"
                               "time.sleep(600)\n"], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert driver.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 60
        workers = []
        while len(workers) < 2 and time.monotonic() < deadline:      # the first, then its fork once imported
            workers = psutil.Process(driver.pid).children(recursive=True)
            time.sleep(0.1)
        assert len(workers) == 2
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive


@pytest.mark.parametrize("argv,expected", [
    (TWO_WORKERS, 2),
    (["--direct_running_mode=multi_processing", "--direct_num_workers=0"], os.cpu_count()),
    (["--direct_num_workers=2"], 0),                                   # in-memory: one process
    ([*TWO_WORKERS, "--runner=apache_beam.runners.dask.dask_runner.DaskRunner"], 0),
    ([*TWO_WORKERS, "--dry_run=true"], 0),
])
def test_warm_workers_only_for_the_local_multi_process_mode(argv, expected):
    assert warm_workers.wanted(argv) == expected


def test_where_no_socket_can_be_made_the_run_has_no_warm_workers(monkeypatch):
    taken = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    name = f"beam-warm-{os.getpid()}-{uuid.UUID(int=1).hex}"
    taken.bind("\0" + name)                                      # the address already in use
    monkeypatch.setattr(warm_workers.uuid, "uuid4", lambda: uuid.UUID(int=1))
    try:
        assert warm_workers.take("pretrain", TWO_WORKERS) is None
    finally:
        taken.close()


def test_a_run_that_ends_before_it_starts_leaves_no_process(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.txt").write_text("an earlier run's file")          # without --overwrite: a usage error
    code, seen = _descendants_while_running([sys.executable, "-m", "pipelines.pretrain", "--sources", str(SAMPLE),
                                             "--output", str(out), *TWO_WORKERS])
    assert code == 2
    time.sleep(0.5)
    assert not [pid for pid in seen if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]


def test_a_warm_worker_gets_the_environment_of_the_run_not_of_its_start(tmp_path, monkeypatch):
    pool = warm_workers.WarmWorkers(2, "pretrain", [])
    monkeypatch.setenv("WARM_WORKER_PROBE", "set after the workers started")
    try:
        with beam.Pipeline(runner=WarmWorkerRunner(pool.command), options=PipelineOptions(TWO_WORKERS)) as p:
            (p | beam.Create(["WARM_WORKER_PROBE"])
             | beam.Map(lambda name: f"{os.environ.get(name, 'missing')}|{' '.join(psutil.Process().cmdline())}")
             | beam.io.WriteToText(str(tmp_path / "env"), shard_name_template=""))
    finally:
        pool.close()
    value, worker = (tmp_path / "env").read_text().strip().split("|")
    assert "warm_worker_main" in worker                             # run by a warm worker, started before the variable
    assert value == "set after the workers started"
