"""Waybill's realtime service: WebSocket streams, telemetry ingest, JWT sign-in for API and devices."""
