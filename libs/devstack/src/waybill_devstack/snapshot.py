"""The data of a running stack at one moment, put back later under the same running processes.

The browser tests share one stack; before each test its PostgreSQL tables and
its Redis database are put back as they were right after the demo was seeded,
so every test starts from the same data as if the stack were new.
"""

from dataclasses import dataclass

import psycopg
import redis
from psycopg import sql

# Waits on a lock held by a process of the stack fail the restore instead of hanging the run.
LOCK_TIMEOUT = "10s"


@dataclass(frozen=True)
class DatabaseSnapshot:
    """Every row of the ``public`` tables (migrations' bookkeeping apart) and every sequence's position."""

    tables: dict[str, bytes]
    """Table name -> its rows in COPY's binary format."""
    sequences: dict[str, int | None]
    """Sequence name -> its last value (None: never used)."""

    @classmethod
    def take(cls, database_url: str) -> "DatabaseSnapshot":
        with psycopg.connect(database_url) as connection:
            names = [
                row[0]
                for row in connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'django_migrations' ORDER BY tablename"
                )
            ]
            tables = {}
            for name in names:
                with connection.cursor().copy(
                    sql.SQL("COPY {} TO STDOUT (FORMAT binary)").format(sql.Identifier(name))
                ) as copy:
                    tables[name] = b"".join(bytes(chunk) for chunk in copy)
            sequences = {
                str(name): value
                for name, value in connection.execute(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
                )
            }
        return cls(tables, sequences)

    def restore(self, database_url: str) -> None:
        """Empty every table and copy the rows back, in one transaction; sequences continue where they were."""
        with psycopg.connect(database_url) as connection:
            connection.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
            # Rows go back in any order: foreign keys are checked by triggers, which replicas skip.
            connection.execute("SET LOCAL session_replication_role = replica")
            connection.execute(
                sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier(name) for name in self.tables)
                )
            )
            for name, rows in self.tables.items():
                with connection.cursor().copy(
                    sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(sql.Identifier(name))
                ) as copy:
                    copy.write(rows)
            for name, value in self.sequences.items():
                if value is not None:
                    connection.execute(
                        "SELECT setval(%s::regclass, %s)", (sql.Identifier(name).as_string(connection), value)
                    )


@dataclass(frozen=True)
class RedisSnapshot:
    """Every key of one Redis database (streams, queued jobs), as DUMP gives it."""

    keys: dict[bytes, bytes]

    @classmethod
    def take(cls, redis_url: str) -> "RedisSnapshot":
        with redis.Redis.from_url(redis_url) as client:
            dumped = {key: client.dump(key) for key in client.scan_iter(count=1000)}
        return cls({key: value for key, value in dumped.items() if isinstance(value, bytes)})

    def restore(self, redis_url: str) -> None:
        with redis.Redis.from_url(redis_url) as client:
            client.flushdb()
            for key, value in self.keys.items():
                client.restore(key, 0, value)
