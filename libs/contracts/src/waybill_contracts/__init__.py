"""Message shapes shared by every Waybill service.

Nothing outside this package defines an event, a task payload, a WebSocket
message or a channel name; services import them from here.
"""
