"""Telemetry ingest: validate a batch item by item, store it in one statement, publish and enqueue after commit."""
