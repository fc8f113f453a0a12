"""``worker_jobs``: notification and webhook jobs per second of one Celery worker, against a plain loop.

Shipments are created and cancelled through the Django domain layer while no
worker runs, so their outbox events queue the real tasks in Redis: a
notification per event (the cancellations email the subscribed members over
SMTP) and a webhook delivery per ``shipment.created`` (written by the outbox
relay; the task is a signed POST to a receiver on 127.0.0.1). Then one worker, at the configured
prefetch and concurrency, drains the ``default`` queue (notifications), and
another run the ``webhooks`` queue. Jobs are counted from the worker's own
per-task outcome counters in Redis, from its first finished job to its last
(start-up excluded). The ceiling: the same SMTP sends and HTTP POSTs, at the
same concurrency, from a plain loop without Celery.
"""

import asyncio
import multiprocessing
import os
import smtplib
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from multiprocessing.connection import Connection as Pipe
from pathlib import Path

import httpx
import stages
from celery import Celery
from django_tracking import django_env
from environment import bench_database, bench_personas
from redis import Redis
from report import BENCH_DIR, Section, number

from waybill_contracts.tasks import DELIVER_WEBHOOK, NOTIFY_SHIPMENT_EVENT, Queue
from waybill_devstack import stack
from waybill_devstack.supervisor import ProcessGroup
from waybill_worker.metrics import TASK_OUTCOMES_KEY, outcome_field

WORKER_MANIFEST = BENCH_DIR.parent / "infra" / "k8s" / "base" / "worker.yaml"
PREFETCH_MULTIPLIER = 1
"""``worker_prefetch_multiplier`` in ``waybill_worker.celery_app``."""


def configured_concurrency() -> int:
    """The deployed worker's ``--concurrency`` (prefork pool processes), read from its manifest."""
    lines = [line.strip() for line in WORKER_MANIFEST.read_text().splitlines()]
    return int(lines[lines.index("- --concurrency") + 1].removeprefix("- ").strip('"'))


# -- the receiving side: a webhook receiver and an SMTP server on 127.0.0.1, in their own process --


def _sinks(pipe: Pipe) -> None:
    from aiosmtpd.controller import Controller

    counts = {"http": 0, "smtp": 0}
    lock = threading.Lock()

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 - aiosmtpd calls handlers by this name
            with lock:
                counts["smtp"] += 1
            return "250 OK"

    smtp_port = stack.free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=smtp_port)
    controller.start()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                await reader.readexactly(length)
                with lock:
                    counts["http"] += 1
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        pipe.send((server.sockets[0].getsockname()[1], smtp_port))
        while (command := await asyncio.to_thread(pipe.recv)) != "stop":
            assert command == "count"
            with lock:
                pipe.send(dict(counts))
        server.close()

    asyncio.run(serve())
    controller.stop()


class Sinks:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=_sinks, args=(child,), daemon=True)
        self.process.start()
        self.http_port, self.smtp_port = self.pipe.recv()

    def counts(self) -> dict[str, int]:
        self.pipe.send("count")
        counts: dict[str, int] = self.pipe.recv()
        return counts

    def stop(self) -> None:
        self.pipe.send("stop")
        self.process.join(10)


# -- seeding through the Django domain layer, in a process with Django set up --


def _seed(env: dict[str, str], organization_id: int, owner_email: str, receiver_url: str, count: int) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from waybill_django.accounts.models import User
    from waybill_django.organizations.models import Organization
    from waybill_django.shipments.services import shipment_cancel, shipment_create
    from waybill_django.webhooks.models import WebhookEndpoint
    from waybill_django.webhooks.services import webhook_endpoint_create

    organization = Organization.objects.get(pk=organization_id)
    owner = User.objects.get(email=owner_email)
    if not WebhookEndpoint.objects.in_organization(organization).filter(url=receiver_url).exists():
        webhook_endpoint_create(
            organization=organization, actor=owner, url=receiver_url, event_types=["shipment.created"]
        )
    run = uuid.uuid4().hex[:8]
    for index in range(count):
        shipment = shipment_create(
            organization=organization,
            actor=owner,
            reference=f"BENCH-W-{run}-{index}",
            customer_name="Bench customer",
            customer_email="customer@bench.test",
            origin_address="1 Quay, Rotterdam",
            destination_address="2 Street, Utrecht",
        )
        shipment_cancel(shipment=shipment, actor=owner, reason="bench")


def seed(env: dict[str, str], organization_id: int, owner_email: str, receiver_url: str, count: int) -> None:
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=_seed, args=(env, organization_id, owner_email, receiver_url, count))
    process.start()
    process.join(600)
    if process.exitcode != 0:
        raise RuntimeError(f"seeding the worker's jobs failed (exit code {process.exitcode})")


# -- measuring --


@dataclass(frozen=True)
class Drain:
    task: str
    jobs: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.jobs / self.seconds if self.seconds > 0 else float("nan")


def _done(redis: Redis, task: str) -> int:
    return sum(
        int(redis.hget(TASK_OUTCOMES_KEY, outcome_field(task, o)) or 0) for o in ("succeeded", "failed")
    )


def counters(redis: Redis, tasks: list[str]) -> dict[str, int]:
    return {task: _done(redis, task) for task in tasks}


def drain(redis: Redis, expected: dict[str, int], base: dict[str, int], timeout: float) -> list[Drain]:
    """Poll the worker's counters until every task has ``expected`` more jobs done than ``base``; a window each."""
    first: dict[str, tuple[float, int]] = {}
    last: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(last) < len(expected):
        now = time.monotonic()
        for task, want in expected.items():
            done = _done(redis, task) - base[task]
            if done and task not in first:
                first[task] = (now, done)
            if done >= want and task not in last:
                last[task] = now
        time.sleep(0.01)
    results = []
    for task, want in expected.items():
        started, already = first.get(task, (deadline, 0))
        ended = last.get(task, deadline)
        done = _done(redis, task) - base[task]
        # The first poll that saw the task finished had ``already`` jobs done: the window counts the rest.
        # Ended at the first poll: too few jobs, or too fast for the poll, to time (NaN).
        results.append(Drain(task, done - already, ended - started if ended > started else float("nan")))
        if done < want:
            print(f"worker_jobs: {task}: {done} of {want} done in {timeout:.0f} s", flush=True)
    return results


def purge(redis_url: str) -> None:
    """Drop what earlier scenarios queued with no worker running: only this scenario's jobs are counted."""
    with Redis.from_url(redis_url) as redis:
        # kombu keeps a queue in a list of its name, and one per priority: the name, "\x06\x16", the priority.
        for queue in (Queue.DEFAULT, Queue.WEBHOOKS):
            redis.delete(queue, *redis.scan_iter(f"{queue}\x06\x16*"))


def start_worker(group: ProcessGroup, env: dict[str, str], queue: str, concurrency: int) -> None:
    """The worker as deployed, taking only ``queue`` (its jobs were queued before it started)."""
    command = stack.worker_command(concurrency=concurrency)
    command[command.index("--queues") + 1] = queue
    command[command.index("--loglevel") + 1] = "WARNING"
    group.start("worker", command, env=env)


def _timed(jobs: int, concurrency: int, job: Callable[[int], None]) -> float:
    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(job, range(jobs)))
    return time.monotonic() - started


def bare_webhooks(url: str, jobs: int, concurrency: int, body: bytes) -> float:
    """The same POSTs as the worker's (a new client and connection each, as ``webhook_attempt``)."""

    def post(_: int) -> None:
        with httpx.Client(timeout=10, follow_redirects=False) as client:
            client.post(url, content=body, headers={"content-type": "application/json"}).raise_for_status()

    return jobs / _timed(jobs, concurrency, post)


def bare_notifications(port: int, jobs: int, concurrency: int, recipients: int) -> float:
    """The same emails as a notification job: one SMTP connection per job, one message per recipient."""

    def send(number: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            for recipient in range(recipients):
                message = EmailMessage()
                message["From"] = "Waybill <no-reply@waybill.test>"
                message["To"] = f"member{recipient}@bench.test"
                message["Subject"] = f"Shipment BENCH-{number} cancelled"
                message.set_content("Your shipment was cancelled.\n" * 20)
                smtp.send_message(message)

    return jobs / _timed(jobs, concurrency, send)


def run(out: Path, *, smoke: bool) -> Section:
    count = 6 if smoke else 150
    concurrency = configured_concurrency()
    database_url, redis_url = bench_database(), os.environ["REDIS_URL"]
    personas = bench_personas()
    sinks = Sinks()
    try:
        receiver_url = f"http://127.0.0.1:{sinks.http_port}/hooks"
        with tempfile.TemporaryDirectory() as media:
            env = {
                **django_env(database_url, redis_url, media, stack.free_port()),
                "EMAIL_URL": f"smtp+plain://127.0.0.1:{sinks.smtp_port}",
                "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",  # the receiver is on 127.0.0.1
            }
            purge(redis_url)
            seed(env, personas.acme_id, personas.acme_owner, receiver_url, count)
            stages.lap(stages.SEED, f"{count} shipments and their jobs, no worker running")
            before = sinks.counts()
            with (
                Redis.from_url(redis_url) as redis,
                Path(os.devnull).open("w") as quiet,
                ProcessGroup(output=quiet) as group,
            ):
                tasks = [NOTIFY_SHIPMENT_EVENT, DELIVER_WEBHOOK]
                base = counters(redis, tasks)
                start_worker(group, env, Queue.DEFAULT, concurrency)
                notifications = drain(redis, {NOTIFY_SHIPMENT_EVENT: 2 * count}, base, timeout=120)
                stages.lap(stages.MEASURE, "a worker starts and drains the notifications")
                # The same worker, warm, now takes the webhooks queue instead (Celery's remote control).
                control = Celery(broker=redis_url, set_as_current=False).control
                # No waiting for replies: the counters are polled from the first job on.
                control.cancel_consumer(Queue.DEFAULT)
                control.add_consumer(Queue.WEBHOOKS)
                webhooks = drain(redis, {DELIVER_WEBHOOK: count}, base, timeout=120)
                stages.lap(stages.MEASURE, "the same worker drains the webhooks")
        after = sinks.counts()
        emails = after["smtp"] - before["smtp"]
        posts = after["http"] - before["http"]
        recipients = round(emails / count) if count else 0
        bare_hooks = bare_webhooks(
            receiver_url, count, concurrency, b'{"type":"shipment.created"}' + b" " * 400
        )
        bare_mail = bare_notifications(sinks.smtp_port, count, concurrency, max(recipients, 1))
        stages.lap(stages.MEASURE, "the bare webhook and mail ceilings")
    finally:
        sinks.stop()
    return _section(notifications + webhooks, concurrency, count, emails, posts, bare_hooks, bare_mail)


def _section(
    drains: list[Drain],
    concurrency: int,
    count: int,
    emails: int,
    posts: int,
    bare_hooks: float,
    bare_mail: float,
) -> Section:
    by = {d.task: d for d in drains}
    ceilings = {NOTIFY_SHIPMENT_EVENT: bare_mail, DELIVER_WEBHOOK: bare_hooks}
    rows = []
    for d in drains:
        ceiling = ceilings.get(d.task, float("nan"))
        rows.append(
            [
                d.task,
                str(d.jobs),
                number(d.seconds, 2),
                number(d.per_second, 0),
                number(d.per_second / concurrency, 1),
                number(ceiling, 0),
                number(d.per_second / ceiling, 2) if ceiling == ceiling else "",
            ]
        )
    notify, deliver = by[NOTIFY_SHIPMENT_EVENT], by[DELIVER_WEBHOOK]
    return Section(
        name="worker_jobs",
        title="Worker: notification and webhook jobs per second",
        summary=(
            f"{count} shipments created then cancelled through the domain layer with no worker running; their"
            f" outbox events queued {2 * count} notification jobs (half of them, the cancellations, email the"
            f" subscribed members: {emails} emails over SMTP to 127.0.0.1) and"
            f" {count} webhook deliveries (signed POSTs, {posts} received on 127.0.0.1). One production-mode Celery"
            f" worker, prefork, --concurrency {concurrency} (as the deployed manifest), prefetch multiplier"
            f" {PREFETCH_MULTIPLIER}, acks late, drained the `default` queue, then (told by Celery's remote control) the `webhooks` queue."
            " Jobs counted by the worker's own outcome counters in Redis, from its first finished job to its"
            f" last. The ceiling: the same {concurrency} concurrent SMTP sends (a connection per job) and HTTP"
            " POSTs (a new httpx client per POST, as the worker) from a plain thread pool, no Celery, no database."
        ),
        table_header=[
            "task",
            "jobs timed (after the first)",
            "seconds",
            "jobs/s",
            "jobs/s per pool process",
            "plain loop /s",
            "vs plain",
        ],
        table_rows=rows,
        targets=[
            [
                f"worker: notification jobs/s (1 worker, concurrency {concurrency}, prefetch {PREFETCH_MULTIPLIER})",
                f"{notify.per_second:,.0f}/s ({notify.per_second / concurrency:,.1f}/s per process);"
                f" plain SMTP loop {bare_mail:,.0f}/s",
                "measured (no figure set)",
            ],
            [
                f"worker: webhook deliveries/s (1 worker, concurrency {concurrency}, prefetch {PREFETCH_MULTIPLIER})",
                f"{deliver.per_second:,.0f}/s ({deliver.per_second / concurrency:,.1f}/s per process);"
                f" plain httpx loop {bare_hooks:,.0f}/s",
                "measured (no figure set)",
            ],
        ],
        notes=[
            "A notification job reads the organization's settings, the shipment and its recipients, writes one"
            " `Notification` row per recipient in its own transaction and sends over SMTP; a delivery locks its"
            " row, signs, POSTs and records the attempt. The plain loop does only the network part: the gap is"
            " Celery, Django and PostgreSQL per job.",
            "Jobs for created shipments (draft) email nobody by the default settings, so half of the notification"
            " jobs are reads only.",
        ],
    )
