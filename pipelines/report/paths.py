"""Where a run report lives in an output folder."""
REPORT_FILE = "report.html"
