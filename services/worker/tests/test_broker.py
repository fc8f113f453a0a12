"""A channel closed after its connection hands its unacknowledged messages back to Redis."""

from typing import Any

import kombu

from waybill_worker.broker import Transport


def test_a_busy_channel_closed_after_its_connection_requeues_its_messages(redis_url: str) -> None:
    queue = "broker-test"
    with kombu.Connection(redis_url) as producer:
        producer.SimpleQueue(queue).put({"n": 1})

    connection = kombu.Connection(redis_url, transport=Transport)
    channel: Any = connection.channel()  # kombu's virtual channel; its stub type lacks basic_get
    message = channel.basic_get(queue, no_ack=False)
    assert message is not None, "the message was taken, unacknowledged"
    # The order of a reconnect under load: the connection lets go of its transport
    # (``transport.client = None``) while a consumer's channel is still open with a
    # message in hand; stock kombu then raises AttributeError ('hostname') and the
    # message stays unacknowledged until the visibility timeout.
    connection._do_close_transport()
    channel.close()

    with kombu.Connection(redis_url) as consumer:
        again = consumer.SimpleQueue(queue).get(timeout=5)
        assert again.payload == {"n": 1}
        again.ack()
