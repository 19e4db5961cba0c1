"""``python -m coprod.experiments.cli``: the ``coprod`` command without the console script."""

import sys

from coprod.experiments.cli import main

sys.exit(main())
