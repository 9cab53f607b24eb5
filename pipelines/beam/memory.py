"""Resident memory of a run's processes: glibc's allocator tuned, and freed memory handed back.

The runner's gRPC and worker threads each get a glibc malloc arena (up to 8 per core), and freed
chunks stay in them: on the 30 MB benchmark the two-worker run's processes held ~35 % more
resident memory than they used. Two arenas, and a trim threshold, keep that down. The mmap
threshold goes with it: a fixed trim threshold also fixes glibc's mmap threshold at 128 KB, and
then every batch's text and arrays (a few hundred KB to a few MB, allocated and freed per batch)
were mapped and unmapped afresh, page faults and all: ~10 % of the workers' CPU time, as system
time. At 4 MB each, the two-worker run with dedupe used 9 % less CPU for 1 % more peak memory.
Settings a user exported are kept; other platforms are left alone.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

MALLOC_ENV = {"MALLOC_ARENA_MAX": "2", "MALLOC_TRIM_THRESHOLD_": str(4 << 20), "MALLOC_MMAP_THRESHOLD_": str(4 << 20)}
_MALLOPT = {"MALLOC_TRIM_THRESHOLD_": -1, "MALLOC_MMAP_THRESHOLD_": -3, "MALLOC_ARENA_MAX": -8}   # mallopt parameters (malloc.h)


def _glibc():
    path = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(path) if path else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()


def tune_allocator() -> None:
    """MALLOC_ENV for this process (mallopt) and, through the environment, for the worker processes
    it starts (the local runner's SDK workers, a cluster's workers)."""
    for name, value in MALLOC_ENV.items():
        os.environ.setdefault(name, value)
    if _LIBC is None:
        return
    for name, param in _MALLOPT.items():
        try:
            _LIBC.mallopt(param, int(os.environ[name]))
        except ValueError:                  # a value the user exported that is not a number: glibc ignores it too
            pass


def release_memory() -> None:
    """Hands freed memory back to the system after a large unit of work: Arrow's pool and glibc
    keep it otherwise, and a worker's resident memory would keep the size of its largest unit."""
    import pyarrow as pa              # here: this module is imported before everything else (warm_workers.py)

    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
