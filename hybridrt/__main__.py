"""``python -m hybridrt``: the command line (see ``hybridrt.cli``)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
