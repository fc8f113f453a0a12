"""``waybill-worker-check``: exit 0 when the broker and the database answer (for probes)."""

import sys

import redis
from django.db import connection

from waybill_worker.celery_app import settings


def main() -> int:
    problems: list[str] = []
    try:
        redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        problems.append(f"broker unreachable: {type(error).__name__}: {error}")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means not ready, and says why
        problems.append(f"database unreachable: {type(error).__name__}: {error}")
    for problem in problems:
        print(problem, file=sys.stderr)  # noqa: T201 - a command-line check reports on stderr
    if not problems:
        print("ok")  # noqa: T201 - a command-line probe answers on stdout
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
