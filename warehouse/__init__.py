"""The PostgreSQL warehouse: schema migrations, the run loader, post-load checks and read queries.

Modules: ``db`` (connections and their URL), ``migrate`` (numbered SQL files), ``run_output``
(checks a run's output before loading), ``load`` (that output into the tables), ``checks``
(is a loaded run complete), ``queries`` (what the CLI shows), ``server`` (a server for
development and tests).
"""
