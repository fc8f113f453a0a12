"""The ``/ws`` protocol (messages in ``waybill_contracts.ws``): handshake, then a session per connection."""
