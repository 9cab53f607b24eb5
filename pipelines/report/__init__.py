"""OUT/report.html: a self-contained page (inline CSS and SVG, nothing fetched) that shows a
pipeline run from its manifest and a bounded sample of its records.

    from pipelines.report import write_report
    write_report("out/pretrain")            # -> "out/pretrain/report.html"

    python -m pipelines.report OUT          # rebuilds the report of an existing output folder

matplotlib is imported on first use only, so importing this package stays cheap.
"""
from __future__ import annotations

import logging

from pipelines.beam import storage as mf
from pipelines.report.paths import REPORT_FILE

__all__ = ["REPORT_FILE", "report_line", "try_write_report", "write_report"]


def write_report(output: str, sample_rows: int | None = None) -> str:
    """Builds OUT/report.html from OUT/manifest.json and a sample of OUT's Parquet files; returns its path."""
    from pipelines.report.build import SAMPLE_ROWS, write_report as _write    # matplotlib: only when a report is made
    return _write(output, SAMPLE_ROWS if sample_rows is None else sample_rows)


def try_write_report(output: str, log: logging.Logger) -> str | None:
    """write_report for the end of a pipeline run: a failure is logged as a warning, never raised."""
    try:
        return write_report(output)
    except Exception as e:  # noqa: BLE001  (the run's outputs and manifest are written: the report is extra)
        log.warning("report: could not write %s/%s: %s: %s", output.rstrip("/"), REPORT_FILE, type(e).__name__, e,
                    exc_info=log.isEnabledFor(logging.DEBUG))
        return None


def report_line(output: str) -> str:
    """The summary's last line: where the report is, or that there is none."""
    from apache_beam.io.filesystems import FileSystems
    path = mf.join(output, REPORT_FILE)
    return f"report:   {path}" if FileSystems.exists(path) else "report:   not written (see the warning above)"
