"""A local runner's SDK worker exits without interpreter teardown, with the status it would have had;
any other process (a driver, a test running a pipeline in-process) is left alone."""
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

SCRIPT = """
import atexit, sys
from pipelines.beam.worker_exit import exit_promptly_at_shutdown
atexit.register(lambda: print("teardown ran", flush=True))     # stands for the interpreter's own teardown
exit_promptly_at_shutdown()
print("buffered output", end="")
if sys.argv[1] == "raise":
    raise RuntimeError("the harness failed")
"""


def _run(tmp_path, name: str, how: str, worker_env: bool, coverage: bool = False):
    script = tmp_path / name
    script.write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("CONTROL_API_SERVICE_DESCRIPTOR", None)
    env.pop("COVERAGE_PROCESS_START", None)
    if coverage:
        env["COVERAGE_PROCESS_START"] = str(tmp_path / ".coveragerc")
    if worker_env:
        env["CONTROL_API_SERVICE_DESCRIPTOR"] = "url: 'localhost:1'"
    return subprocess.run([sys.executable, str(script), how], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("how,status", [("finish", 0), ("raise", 1)])
def test_a_worker_exits_with_its_status_and_its_output_flushed(tmp_path, how, status):
    done = _run(tmp_path, "sdk_worker_main.py", how, worker_env=True)
    assert done.returncode == status
    assert "buffered output" in done.stdout and "teardown ran" not in done.stdout
    assert ("the harness failed" in done.stderr) == (how == "raise")


def test_other_processes_are_left_alone(tmp_path):
    for name, worker_env, coverage in (("driver.py", True, False), ("sdk_worker_main.py", False, False),
                                       ("sdk_worker_main.py", True, True)):          # coverage saves its data at exit
        done = _run(tmp_path, name, "finish", worker_env, coverage)
        assert done.returncode == 0 and "teardown ran" in done.stdout
