"""The service's Prometheus metrics, in a registry of its own (one per app)."""

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.open_connections = Gauge(
            "waybill_ws_open_connections",
            "WebSocket connections open on this replica",
            registry=self.registry,
        )
        self.sessions_started = Counter(
            "waybill_ws_sessions",
            "WebSocket sessions started, by write path (direct: frames written to the transport; asgi)",
            ["path"],
            registry=self.registry,
        )
        self.subscriptions = Gauge(
            "waybill_ws_subscriptions", "Channel subscriptions held on this replica", registry=self.registry
        )
        self.messages_sent = Counter(
            "waybill_ws_messages_sent", "Messages queued to WebSocket clients", registry=self.registry
        )
        self.slow_consumers_dropped = Counter(
            "waybill_ws_slow_consumers_dropped",
            "Clients closed with 4002: their socket did not drain in time or their backlog filled",
            registry=self.registry,
        )
        self.stream_entries_read = Counter(
            "waybill_stream_entries_read", "Entries read from organization streams", registry=self.registry
        )
        self.stream_lag_seconds = Gauge(
            "waybill_stream_lag_seconds",
            "Age of the newest stream entry when it was fanned out (from its stream id)",
            registry=self.registry,
        )
        self.streams_read = Gauge(
            "waybill_streams_read", "Organization streams this replica reads", registry=self.registry
        )

        self.ingested_positions = Counter(
            "waybill_ingest_positions",
            "Telemetry positions received, by outcome (accepted, duplicate, rejected)",
            ["outcome"],
            registry=self.registry,
        )
        self.ingest_unavailable = Counter(
            "waybill_ingest_unavailable",
            "Telemetry batches answered 503 because the database was unreachable",
            registry=self.registry,
        )
        self.position_updates_published = Counter(
            "waybill_position_updates_published",
            "Coalesced vehicle.positions_updated events appended to organization streams",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
