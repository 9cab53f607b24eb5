"""`python -m pipelines.sft`: the SFT corpus pipeline (pipelines/sft/run.py)."""
import sys

from pipelines.sft.run import main

sys.exit(main())
