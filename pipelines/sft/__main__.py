"""`python -m pipelines.sft`: the SFT corpus pipeline (pipelines/sft/run.py)."""
import sys

from pipelines.beam.warm_workers import start_early

start_early("sft", sys.argv[1:])        # first: its worker processes import beside the imports below
from pipelines.sft.run import main  # noqa: E402

sys.exit(main())
