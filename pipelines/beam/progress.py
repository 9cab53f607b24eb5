"""Progress lines for long runs."""
from __future__ import annotations

import sys
import time


def progress(message: str) -> None:
    """Progress on the terminal. Plain stderr: local worker processes share the driver's
    terminal (their log records would arrive wrapped in Beam's log-forwarding format);
    on Dataflow, stderr lands in the worker logs."""
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)
