"""The ``newsflow`` command: the jobs that are neither Scrapy's (crawling) nor Airflow's (scheduling)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from newsflow import evaluate
from newsflow.registry import load_sources


def _database_url(args: argparse.Namespace) -> str:
    from warehouse.db import database_url

    return database_url(args.database_url)


def cmd_sources(args: argparse.Namespace) -> int:
    """List the registered sources."""
    for source in load_sources().values():
        discovery = f"{len(source.feeds)} feeds, {len(source.sitemaps)} sitemaps, {len(source.listings)} listings"
        print(f"{source.id:<16} {source.schedule or 'manual':<12} {source.name} ({discovery})")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply pending warehouse migrations."""
    from warehouse.db import connect
    from warehouse.migrate import apply_migrations

    with connect(_database_url(args)) as conn:
        applied = apply_migrations(conn)
    print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    """Load a run's output into the warehouse, then check it."""
    from newsflow.tasks import check_output, load_output

    result = load_output(args.run_uri, _database_url(args))
    print(json.dumps(result))
    check_output(args.run_uri, _database_url(args))
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    """Show recent crawl runs and their counts."""
    from warehouse.db import connect
    from warehouse.queries import recent_runs

    with connect(_database_url(args)) as conn:
        rows = recent_runs(conn, source_id=args.source, limit=args.limit)
    if not rows:
        print("no runs yet")
    for row in rows:
        print(f"{row['started_at']!s:<32} {row['source_id']:<12} {row['status']:<7} "
              f"{row['articles_in_output'] or 0:>6} in output {row['articles_new'] or 0:>6} new  {row['run_id']}")
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    """Is every source healthy? Exit 0 when all are, 1 when any is not (for a cron job or a probe)."""
    from datetime import UTC, datetime

    from newsflow.health import health_report
    from warehouse.db import connect
    from warehouse.migrate import apply_migrations
    from warehouse.queries import source_health

    with connect(_database_url(args)) as conn:
        apply_migrations(conn)
        rows = source_health(conn)
    sources = {} if args.all_in_warehouse else load_sources()
    report = health_report(rows, sources, datetime.now(UTC))
    if args.source:
        report = [h for h in report if h.source_id in args.source]
    if args.json:
        print(json.dumps([h.__dict__ for h in report], ensure_ascii=False, indent=2))
    for health in [] if args.json else report:
        print(f"{'ok  ' if health.healthy else 'FAIL'} {health.source_id:<16} {health.summary}")
        for problem in health.problems:
            print(f"       - {problem}")
    unhealthy = [h.source_id for h in report if not h.healthy]
    if not args.json:
        print(f"{len(report) - len(unhealthy)} of {len(report)} sources healthy"
              + (f"; unhealthy: {', '.join(unhealthy)}" if unhealthy else ""))
    return 1 if unhealthy else 0


def cmd_checks(args: argparse.Namespace) -> int:
    """Show the data-quality checks stored for a run."""
    from warehouse.db import connect
    from warehouse.queries import run_checks

    with connect(_database_url(args)) as conn:
        rows = run_checks(conn, args.run_id)
    if not rows:
        print(f"no checks stored for run {args.run_id}")
        return 1
    for row in rows:
        print(f"{'ok  ' if row['ok'] else 'FAIL'} {row['check_name']:<18} {row['message']}")
    return 0 if all(row["ok"] for row in rows) else 1


def cmd_integrity(args: argparse.Namespace) -> int:
    """List rows naming a run or source the warehouse lacks, and LSH keys their week's filter lacks; exit 1 on any."""
    from warehouse.db import connect
    from warehouse.integrity import dangling_references
    from warehouse.lsh_filters import unfiltered_keys

    with connect(_database_url(args)) as conn:
        found = dangling_references(conn)
        unfiltered = unfiltered_keys(conn)
    for column, rows in found.items():
        print(f"FAIL {column}: {rows} rows name a run or source that is not in the warehouse")
    if not found:
        print("ok: every row names a run and source the warehouse holds")
    if unfiltered:
        print(f"FAIL article_lsh_keys: {unfiltered} keys are missing from their week's filter, so loads would not"
              " find their versions; DELETE FROM lsh_week_filters and the next load rebuilds the filters")
    else:
        print("ok: every stored LSH key is in its week's filter")
    return 1 if found or unfiltered else 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Replay the bundled site, run the demo DAG with Airflow, load into PostgreSQL, print what landed."""
    from newsflow.demo.run import run_demo

    return run_demo(port=args.port)


def cmd_pools(args: argparse.Namespace) -> int:
    """Print one Airflow pool per source, in ``airflow pools import`` format."""
    pools = {f"newsflow_{s.id}": {"slots": s.politeness.max_parallel_crawls,
                                  "description": f"crawls of source {s.id}", "include_deferred": False}
             for s in load_sources().values()}
    print(json.dumps(pools, indent=2))
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    """Start ``airflow standalone`` with the project's DAGs and print where to log in."""
    from newsflow.ui import run_ui

    return run_ui(port=args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int], database: bool = False) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=(handler.__doc__ or "").strip(), description=handler.__doc__)
        sub.set_defaults(handler=handler)
        if database:
            sub.add_argument("--database-url", default=None,
                             help="warehouse URL (default: $NEWSFLOW_DATABASE_URL)")
        return sub

    add("sources", cmd_sources)
    add("migrate", cmd_migrate, database=True)
    load = add("load", cmd_load, database=True)
    load.add_argument("run_uri", help="run output folder or URL (<store>/<source>/<run_id>)")
    runs = add("runs", cmd_runs, database=True)
    runs.add_argument("--source", default=None)
    runs.add_argument("--limit", type=int, default=20)
    health = add("health", cmd_health, database=True)
    health.add_argument("--source", action="append", default=None, help="only this source (repeatable)")
    health.add_argument("--json", action="store_true", help="print the report as JSON")
    health.add_argument("--all-in-warehouse", action="store_true",
                        help="judge the sources the warehouse has runs of, not the registry's")
    checks = add("checks", cmd_checks, database=True)
    checks.add_argument("run_id")
    add("integrity", cmd_integrity, database=True)
    demo = add("demo", cmd_demo)
    demo.add_argument("--port", type=int, default=None, help="replay site port (default 8765, else a free one)")
    add("pools", cmd_pools)
    ui = add("ui", cmd_ui)
    ui.add_argument("--port", type=int, default=int(os.environ.get("NEWSFLOW_UI_PORT", 8080)))
    evaluate.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear one-line error for the user; tracebacks with NEWSFLOW_DEBUG=1
        if os.environ.get("NEWSFLOW_DEBUG"):
            raise
        print(f"newsflow {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
