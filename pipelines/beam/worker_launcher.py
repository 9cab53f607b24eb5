"""The SDK worker command the local runner starts: hands the worker's job to a warm worker.

Run by path with ``python -I -S`` (standard library only, ~10 ms to start), as the command line of
the runner's subprocess environment (pipelines/beam/warm_workers.py). It connects to the warm
workers' socket (argv[1]; "@name": Linux's abstract namespace), sends its environment (the
driver's, with the Beam variables the runner set for this worker: control and logging endpoints,
pipeline options, worker id), waits for a warm worker to take the job, then for its exit status,
and exits with it. When no warm worker takes the job within TAKE_SECONDS (none left, one that
died or is stuck while starting), it becomes an ordinary SDK worker instead: it execs
``python -m apache_beam.runners.worker.sdk_worker_main`` with the same environment.
"""
import json
import os
import socket
import sys

TAKEN = b"T"                     # a warm worker's answer once it holds the job; its exit status follows
TAKE_SECONDS = 60.0              # a warm worker imports in ~1.5 s; one silent this long is not coming


def address(name: str) -> str:
    """The socket address a command line names ("@name": the abstract namespace, no file)."""
    return "\0" + name[1:] if name.startswith("@") else name


def _cold_start() -> None:
    """An ordinary SDK worker: Beam's own command, this environment."""
    os.execv(sys.executable, [sys.executable, "-m", "apache_beam.runners.worker.sdk_worker_main"])


def _receive_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def main() -> int:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(TAKE_SECONDS)
        conn.connect(address(sys.argv[1]))
        conn.sendall(json.dumps(dict(os.environ)).encode("utf-8") + b"\n")
        taken = _receive_exactly(conn, 1) == TAKEN
    except OSError:              # no socket, nobody listening, the connection dropped, no answer in time
        taken = False
    if not taken:
        conn.close()
        _cold_start()
    conn.settimeout(None)        # the job itself takes as long as it takes
    status = _receive_exactly(conn, 1)
    return status[0] if status else 1          # the warm worker died without a status


if __name__ == "__main__":
    sys.exit(main())
