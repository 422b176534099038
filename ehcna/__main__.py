"""``python -m ehcna <command>``: the same as the ``ehcna`` console script."""

import sys

from ehcna.cli import main

sys.exit(main())
