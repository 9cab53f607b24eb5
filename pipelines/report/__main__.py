"""`python -m pipelines.report OUT [--sample-rows N]`: (re)builds OUT/report.html from
OUT/manifest.json and OUT's Parquet outputs (a local folder or a gs:// URL)."""
from __future__ import annotations

import argparse
import sys
import time

from pipelines.beam import storage as mf
from pipelines.beam.command import resolve_output
from pipelines.report import write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.report", description=__doc__)
    parser.add_argument("output", help="a pipeline's output folder (holds manifest.json)")
    parser.add_argument("--sample-rows", type=int, default=None,
                        help="rows read at most from each output folder (default 20000)")
    args = parser.parse_args(argv)
    from apache_beam.io.filesystems import FileSystems

    output = resolve_output(args.output)
    if not FileSystems.exists(mf.join(output, "manifest.json")):
        print(f"error: {output} holds no manifest.json", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    path = write_report(output, args.sample_rows)
    print(f"report: {path} ({time.monotonic() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
