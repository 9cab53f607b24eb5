"""`python -m pipelines.dedupe`: dedupe and sample a clean corpus (pipelines/dedupe/run.py)."""
import sys

from pipelines.dedupe.run import main

sys.exit(main())
