"""`python -m pipelines.pretrain`: the pretraining corpus pipeline (pipelines/pretrain/run.py)."""
import sys

from pipelines.beam.warm_workers import start_early

start_early("pretrain", sys.argv[1:])        # first: its worker processes import beside the imports below
from pipelines.pretrain.run import main  # noqa: E402

sys.exit(main())
