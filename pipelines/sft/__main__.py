"""`python -m pipelines.sft`: the SFT corpus pipeline (pipelines/sft_pipeline.py)."""
import sys

from pipelines.sft_pipeline import main

sys.exit(main())
