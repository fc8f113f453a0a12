"""From the organizations' Redis Streams to the WebSocket clients of this replica."""
