"""The fan-out load client's own frame reader: what it counts, however the server's bytes are cut into reads.

Server frames are fed to ``LoadConnection.data_received`` as a socket would hand them over: several frames in
one read, one frame over several reads (its header cut too), control frames between events.
"""

import sys
import time
from pathlib import Path

from websockets.frames import Close, Frame, Opcode
from websockets.protocol import State

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))  # wsload's own imports are the bench directory's modules

import wsload  # noqa: E402 - after the bench directory is on the path

EVENT = (
    '{{"type":"event","channel":"org:1","stream_id":"1-{seq}","event":{{"type":"shipment.created",'
    '"organization_id":1,"shipment_id":1,"reference":"B-{seq}-{published}","status":"draft"}}}}'
)


class Transport:
    """What the connection writes (its pongs), and nothing else of a socket."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return False


def _frame(opcode: Opcode, payload: bytes) -> bytes:
    return Frame(opcode, payload).serialize(mask=False, extensions=[])


def _event(seq: int, published: int) -> bytes:
    return _frame(Opcode.TEXT, EVENT.format(seq=seq, published=published).encode())


async def _connection(*, first_seq: int = 0) -> tuple[wsload.LoadConnection, wsload.Tally, Transport]:
    tally = wsload.Tally(recording=True, first_seq=first_seq)
    connection = wsload.LoadConnection("ws://127.0.0.1:1/ws", {}, None, tally)
    transport = Transport()
    connection.transport = transport  # type: ignore[assignment]  # only write and is_closing are used
    connection.open = True  # past the handshake: data_received reads server frames itself
    connection.conn.state = State.OPEN
    return connection, tally, transport


async def test_every_event_of_a_read_counts_once_with_the_latency_from_its_publish_time() -> None:
    connection, tally, _ = await _connection()
    published = time.monotonic_ns() - 5_000_000  # 5 ms ago
    connection.data_received(b"".join(_event(seq, published) for seq in range(3)))

    assert (tally.received, tally.gaps, tally.out_of_order, connection.last_seq) == (3, 0, 0, 2)
    assert 5 <= tally.histogram.percentile(50) < 1_000


async def test_a_frame_cut_anywhere_across_reads_counts_once_when_its_last_byte_arrives() -> None:
    published = time.monotonic_ns()
    data = _event(0, published) + _event(1, published)
    for cut in range(1, len(data)):
        connection, tally, _ = await _connection()
        connection.data_received(data[:cut])
        assert tally.received == (1 if cut >= len(data) // 2 else 0), cut
        connection.data_received(data[cut:])
        assert (tally.received, connection.last_seq, bytes(connection.buffer)) == (2, 1, b""), cut


async def test_a_gap_and_a_repeat_are_counted_and_a_repeat_is_not_received() -> None:
    connection, tally, _ = await _connection()
    published = time.monotonic_ns()
    connection.data_received(_event(0, published) + _event(3, published) + _event(3, published))

    assert (tally.received, tally.gaps, tally.out_of_order, connection.last_seq) == (2, 2, 1, 3)


async def test_events_before_the_first_recorded_one_are_followed_but_not_counted() -> None:
    connection, tally, _ = await _connection(first_seq=2)
    published = time.monotonic_ns()
    connection.data_received(b"".join(_event(seq, published) for seq in range(4)))

    assert (tally.received, tally.gaps, connection.last_seq) == (2, 0, 3)


async def test_a_ping_between_events_is_answered_and_a_close_is_counted_by_its_code() -> None:
    connection, tally, transport = await _connection()
    published = time.monotonic_ns()
    close = Close(4002, "slow").serialize()
    connection.data_received(
        _event(0, published) + _frame(Opcode.PING, b"hi") + _event(1, published) + _frame(Opcode.CLOSE, close)
    )

    assert tally.received == 2
    assert tally.closes == {4002: 1}
    assert connection.closed
    pong = b"".join(transport.written)
    assert pong[0] == 0x80 | Opcode.PONG.value  # a final, masked client pong carrying the ping's data
    assert len(pong) == 2 + 4 + 2


async def test_an_answer_that_is_not_an_event_is_read_as_such() -> None:
    tally = wsload.Tally()
    connection = wsload.LoadConnection("ws://127.0.0.1:1/ws", {}, b'{"type":"subscribe"}', tally)
    connection.transport = Transport()  # type: ignore[assignment]
    connection.open = True
    connection.conn.state = State.OPEN
    connection.data_received(_frame(Opcode.TEXT, b'{"type":"subscribed","channel":"org:1"}'))

    assert connection.ready.done()
    assert tally.received == 0
