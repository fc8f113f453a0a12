import os

import pytest
from celery import Celery
from django.db import connection

from waybill_devstack import stack
from waybill_devstack.polling import wait_until
from waybill_devstack.supervisor import ProcessGroup


@pytest.fixture
def worker(transactional_db: None, redis_url: str, processes: ProcessGroup) -> None:
    """A real Celery worker process on the test database and the test Redis."""
    db = connection.settings_dict
    database_url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    processes.start(
        "worker",
        [*stack.worker_command(concurrency=1), "--without-heartbeat", "--without-mingle", "--without-gossip"],
        env={**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url},
    )
    control = Celery(broker=redis_url, set_as_current=False).control
    wait_until(lambda: control.ping(timeout=0.5), what="the Celery worker to answer a ping", timeout=30)
