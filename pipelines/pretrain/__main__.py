"""`python -m pipelines.pretrain`: the pretraining corpus pipeline (pipelines/pretrain/run.py)."""
import sys

from pipelines.pretrain.run import main

sys.exit(main())
