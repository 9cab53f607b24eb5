"""`python -m pipelines.dedupe`: dedupe and sample a clean corpus (pipelines/dedupe/run.py)."""
import sys

from pipelines.beam.warm_workers import start_early

start_early("dedupe", sys.argv[1:])        # first: its worker processes import beside the imports below
from pipelines.dedupe.run import main  # noqa: E402

sys.exit(main())
