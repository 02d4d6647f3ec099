"""Where newsflow keeps its local state; the environment is read here and in settings only.

``NEWSFLOW_HOME`` (default ``./.data``) holds run output, the embedded PostgreSQL and the
demo's Airflow home. ``NEWSFLOW_RUN_STORE`` moves run output elsewhere (any fsspec URL).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout: holds ``dags/``, ``scrapy.cfg`` and the README."""


def home() -> Path:
    return Path(os.environ.get("NEWSFLOW_HOME") or Path.cwd() / ".data").resolve()


def run_store() -> str:
    return os.environ.get("NEWSFLOW_RUN_STORE") or str(home() / "runs")
