"""PostgreSQL failing under a load: a backend terminated mid-transaction, a server restarted or crashed, no server.

The load task (``newsflow.tasks.load_output``) must fail with a clear error and leave no row
behind (one transaction), and its retry must load everything exactly once. The shared server
is never stopped: its loading backend is terminated from another connection, and the restart
test runs its own embedded server (``pgserver``).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from newsflow.runoutput import RunOutputError
from newsflow.tasks import load_output, record_failure
from pipelines.fingerprint import content_hash
from warehouse.db import connect
from warehouse.lsh_filters import unfiltered_keys
from warehouse.migrate import apply_migrations

TABLES = ("sources", "crawl_runs", "articles", "article_revisions", "article_urls", "run_articles",
          "article_minhash", "story_clusters", "cluster_members", "seen_urls")
ARTICLES = 400


def write_output(folder: Path, run_id: str, records: list[dict[str, Any]],
                 make_manifest: Callable[..., dict[str, Any]]) -> str:
    """A finished run output folder as the crawl writes it (articles, stats, manifest)."""
    folder.mkdir(parents=True)
    lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    (folder / "articles.jsonl").write_text(lines, encoding="utf-8")
    (folder / "stats.json").write_text(json.dumps({"newsflow/articles": len(records)}))
    manifest = make_manifest(run_id, records, output_uri=str(folder))
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return str(folder)


def counts(url: str) -> dict[str, int]:
    with connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = target()
        except BaseException as exc:  # the test inspects what the task raised
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def wait_for_blocked_loader(admin: psycopg.Connection, database: str, timeout: float = 120) -> int:
    """The pid of the newsflow backend of ``database`` that waits for a lock (mid-load)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = 'newsflow'"
            " AND wait_event_type = 'Lock' AND xact_start IS NOT NULL", (database,)).fetchone()
        if row:
            return int(row[0])
        time.sleep(0.05)
    raise AssertionError("the load never reached the locked table")


@pytest.fixture
def run_output(tmp_path: Path, make_article: Callable[..., dict[str, Any]],
               make_manifest: Callable[..., dict[str, Any]]) -> str:
    records = [make_article(n) for n in range(ARTICLES)]
    return write_output(tmp_path / "runs" / "mk" / "mk-fault-1", "mk-fault-1", records, make_manifest)


def test_a_load_whose_backend_is_terminated_leaves_nothing_and_its_retry_loads_once(
    migrated_url: str, run_output: str
) -> None:
    database = migrated_url.rsplit("/", 1)[1].split("?")[0]
    with connect(migrated_url) as locker, connect(migrated_url) as admin:
        # Hold a table the load writes late (after articles, URLs and MinHash rows), so that it stops there,
        # mid-transaction, until its backend is terminated.
        locker.execute("BEGIN")
        locker.execute("LOCK TABLE story_clusters IN ACCESS EXCLUSIVE MODE")
        thread, outcome = in_thread(lambda: load_output(run_output, migrated_url))
        pid = wait_for_blocked_loader(admin, database)
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        thread.join(60)
        locker.execute("ROLLBACK")
    error = outcome.get("error")
    assert isinstance(error, psycopg.OperationalError), outcome
    assert "terminat" in str(error)
    assert counts(migrated_url) == dict.fromkeys(TABLES, 0)
    retry = load_output(run_output, migrated_url)
    assert retry["articles_new"] == ARTICLES and not retry["already_loaded"]
    after = counts(migrated_url)
    assert after["articles"] == after["article_urls"] == after["run_articles"] == ARTICLES
    assert after["crawl_runs"] == 1 and after["cluster_members"] == ARTICLES
    assert load_output(run_output, migrated_url)["already_loaded"]
    assert counts(migrated_url) == after


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_load_where_no_server_listens_fails_with_a_clear_error(run_output: str) -> None:
    url = f"postgresql://loader:s3cret-pw@127.0.0.1:{free_port()}/newsflow"
    with pytest.raises(psycopg.OperationalError) as raised:
        load_output(run_output, url)
    message = str(raised.value)
    assert "cannot connect to postgresql://loader:***@127.0.0.1" in message and "s3cret-pw" not in message
    with pytest.raises(psycopg.OperationalError):
        record_failure({"id": "mk"}, "mk-fault-1", run_output, url, "crawl failed")


def test_an_unfinished_output_is_refused_before_the_database_is_touched(migrated_url: str, run_output: str) -> None:
    Path(run_output, "manifest.json").unlink()
    with pytest.raises(RunOutputError, match="did not finish"):
        load_output(run_output, migrated_url)
    assert counts(migrated_url) == dict.fromkeys(TABLES, 0)


@pytest.fixture
def embedded_server() -> Iterator[tuple[Any, Path]]:
    pgserver = pytest.importorskip("pgserver")
    # Not under tmp_path: pytest makes its folders 0700, which locks out the system user pgserver runs as (root).
    data_dir = Path(tempfile.mkdtemp(prefix="newsflow-pg-fault-")) / "pg"
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    try:
        yield server, data_dir
    finally:
        server.cleanup_mode = "delete"
        server.cleanup()
        shutil.rmtree(data_dir.parent, ignore_errors=True)


def _pg_ctl(server: Any, data_dir: Path, *args: str) -> None:
    from pgserver._commands import pg_ctl

    pg_ctl(list(args), pgdata=data_dir, user=server.system_user, timeout=60)


def migrated_database(server: Any) -> tuple[str, str]:
    """(the server's admin URL, the URL of a new, migrated database ``newsflow`` on it)."""
    admin_url = server.get_uri(database="postgres")
    url = server.get_uri(database="newsflow")
    with connect(admin_url) as admin:
        admin.execute("CREATE DATABASE newsflow")
    apply_migrations(url)
    return admin_url, url


def crash(server: Any, data_dir: Path) -> None:
    """An immediate stop: no backend finishes anything, and recovery replays the WAL on the next start."""
    _pg_ctl(server, data_dir, "-w", "-m", "immediate", "stop")


def start(server: Any, data_dir: Path, url: str) -> None:
    socket_dir = conninfo_to_dict(url)["host"]
    _pg_ctl(server, data_dir, "-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(data_dir / "log"), "start")


def test_a_server_restarted_mid_load_fails_the_load_cleanly_and_the_retry_loads_once(
    embedded_server: tuple[Any, Path], run_output: str
) -> None:
    server, data_dir = embedded_server
    admin_url, url = migrated_database(server)
    locker = connect(url)
    locker.execute("BEGIN")
    locker.execute("LOCK TABLE story_clusters IN ACCESS EXCLUSIVE MODE")
    thread, outcome = in_thread(lambda: load_output(run_output, url))
    with connect(admin_url) as admin:
        wait_for_blocked_loader(admin, "newsflow")
    crash(server, data_dir)
    thread.join(60)
    with contextlib.suppress(psycopg.Error):
        locker.close()
    error = outcome.get("error")
    assert isinstance(error, psycopg.OperationalError), outcome
    start(server, data_dir, url)
    assert counts(url) == dict.fromkeys(TABLES, 0)
    retry = load_output(run_output, url)
    assert retry["articles_new"] == ARTICLES
    after = counts(url)
    assert after["articles"] == after["article_urls"] == ARTICLES and after["crawl_runs"] == 1
    assert load_output(run_output, url)["already_loaded"] and counts(url) == after


def test_a_crash_empties_the_unlogged_sketches_and_the_next_load_rebuilds_them(
    embedded_server: tuple[Any, Path], run_output: str, tmp_path: Path,
    make_article: Callable[..., dict[str, Any]], make_manifest: Callable[..., dict[str, Any]],
) -> None:
    server, data_dir = embedded_server
    _, url = migrated_database(server)
    load_output(run_output, url)
    with connect(url) as conn:
        sketched = conn.execute("SELECT revision_id, signature FROM article_minhash ORDER BY 1").fetchall()
        assert len(sketched) == ARTICLES
        conn.execute("CHECKPOINT")  # the rows are on disk: only recovery can take them away
    crash(server, data_dir)
    start(server, data_dir, url)
    with connect(url) as conn:
        # Recovery empties unlogged tables; the stories and everything else are as they were.
        assert conn.execute("SELECT count(*) FROM article_minhash").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM article_lsh_keys").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM story_clusters").fetchone() == (ARTICLES,)
    # The next run's first page is a near copy of the first run's first article.
    first = json.loads(Path(run_output, "articles.jsonl").read_text(encoding="utf-8").splitlines()[0])
    body = first["body"] + "\n\n추가 문단이 붙은 사본이다."
    copy = make_article(ARTICLES + 1, body=body, url="https://board.example/copy/1", content_hash=content_hash(body),
                        published_at=first["published_at"], fetched_at=first["fetched_at"])
    load_output(write_output(tmp_path / "copy-run", "copy-run", [copy], make_manifest), url)
    with connect(url) as conn:
        assert conn.execute("SELECT revision_id, signature FROM article_minhash ORDER BY 1").fetchall()[:ARTICLES] \
            == sketched
        assert conn.execute("SELECT count(*) FROM minhash_backfill").fetchone() == (0,)
        assert conn.execute("SELECT evidence FROM story_links").fetchall() == [("near_duplicate",)]
        assert unfiltered_keys(conn) == 0
