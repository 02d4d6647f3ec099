"""The demo: a bundled replay site, its source, and the command that runs a DAG over it."""
