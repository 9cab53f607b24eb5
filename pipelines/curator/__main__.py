import sys

from pipelines.curator.cli import main

sys.exit(main())
