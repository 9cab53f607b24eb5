"""Progress lines for long runs."""
from __future__ import annotations

import os
import sys
import time


def progress(message: str) -> None:
    """Progress on the terminal. Plain stderr: local worker processes share the driver's
    terminal (their log records would arrive wrapped in Beam's log-forwarding format);
    on Dataflow, stderr lands in the worker logs."""
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


class Throughput:
    """A worker's running count of records and bytes, printed every `every` seconds and at the end."""

    def __init__(self, every: float = 15.0):
        self.every, self.records, self.nbytes = every, 0, 0
        self.start = self.last = time.monotonic()

    def add(self, records: int, nbytes: int) -> None:
        self.records += records
        self.nbytes += nbytes
        now = time.monotonic()
        if now - self.last >= self.every:
            rate = self.records / max(now - self.start, 1e-9)
            progress(f"worker {os.getpid()}: {self.records} records, {self.nbytes / 1e6:.1f} MB processed ({rate:.0f} records/s)")
            self.last = now

    def done(self) -> None:
        progress(f"worker {os.getpid()} done: {self.records} records, {self.nbytes / 1e6:.1f} MB in {time.monotonic() - self.start:.1f} s")
