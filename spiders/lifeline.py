"""End a crawl process when the task process that started it dies, so no orphan writes into its retry's output.

When an Airflow worker is killed (OOM killer, a lost node, ``kill -9``), its ``scrapy crawl``
child would otherwise run on, and finish by writing a manifest into the very folder the
task's retry is crawling into. ``newsflow.tasks.run_crawl`` names itself in
``NEWSFLOW_PARENT_PID``; the crawl then asks Linux to SIGKILL it when that parent goes
(``PR_SET_PDEATHSIG``). Done in the child rather than in ``preexec_fn``, which is unsafe in a
threaded parent such as an Airflow task runner. Elsewhere than Linux it does nothing.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PARENT_ENV = "NEWSFLOW_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Arrange SIGKILL on the parent's death when ``NEWSFLOW_PARENT_PID`` names it; True when arranged."""
    expected = os.environ.get(PARENT_ENV)
    if not expected or not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return False
    if os.getppid() != int(expected):  # the parent was already gone before the request took effect
        os.kill(os.getpid(), signal.SIGKILL)
    return True
