"""``newsflow ui``: Airflow's UI over the project's DAGs (``airflow standalone``), with the demo site replayed.

For a look around on one machine: SQLite metadata, the warehouse found as the demo finds
it, every registered source plus the demo source. Stop it with Ctrl-C (SIGINT; SIGTERM
would leave ``standalone``'s children running).
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from newsflow.airflow_env import airflow, airflow_bin, airflow_env, ensure_pools
from newsflow.config import home
from newsflow.demo.run import SITE, demo_database_url
from newsflow.registry import load_sources
from newsflow.replay import ReplayServer

STARTUP_SECONDS = 180


def _password(airflow_home: Path, user: str) -> str | None:
    generated = airflow_home / "simple_auth_manager_passwords.json.generated"
    try:
        return json.loads(generated.read_text())[user]
    except (OSError, ValueError, KeyError):
        return None


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=2):
                return True
        except OSError:
            time.sleep(2)
    return False


def run_ui(port: int = 8080) -> int:
    data = home()
    database_url = demo_database_url(data)
    server = ReplayServer(SITE).start()
    base_url = f"http://127.0.0.1:{port}"
    env = airflow_env(data / "airflow", database_url)
    env.update({
        "NEWSFLOW_DEMO_SITE": server.base_url,
        "NEWSFLOW_HOME": str(data),
        "AIRFLOW__API__PORT": str(port),
        # Tasks reach the API server at this address; it must match the port (FACTS.md).
        "AIRFLOW__API__BASE_URL": base_url,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
    })
    airflow(["db", "migrate"], env)
    ensure_pools(env, sorted(load_sources(env["NEWSFLOW_SOURCES"])))
    log = (data / "airflow" / "standalone.log").open("ab")
    process = subprocess.Popen([airflow_bin(), "standalone"],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not _wait_until_up(base_url, process):
            print(f"Airflow did not come up; see {log.name}")
            return 1
        password = _password(data / "airflow", "admin")
        print(f"Airflow UI: {base_url}  (user admin, password {password or 'see ' + str(data / 'airflow')})")
        print(f"Demo site replayed at {server.base_url}; logs in {log.name}. Ctrl-C stops everything.")
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        server.stop()
        log.close()
    return 0
