"""The tests' PostgreSQL: a throwaway cluster from xrouter.ops.postgres (shared with `make ui`)."""

from xrouter.ops.postgres import PostgresServer, start_postgres

__all__ = ["PostgresServer", "start_postgres"]
