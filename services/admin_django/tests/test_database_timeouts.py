"""Every connection Django opens (web and worker alike) bounds how long it waits on PostgreSQL."""

from django.db import connection


def test_a_statement_may_run_thirty_seconds_at_most(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("30s",)


def test_connecting_waits_two_seconds_at_most() -> None:
    assert connection.get_connection_params()["connect_timeout"] == 2
