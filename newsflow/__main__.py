"""``python -m newsflow`` runs the ``newsflow`` command."""

import sys

from newsflow.cli import main

sys.exit(main())
