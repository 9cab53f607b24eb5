import sys

from evaluation.run import main

sys.exit(main())
