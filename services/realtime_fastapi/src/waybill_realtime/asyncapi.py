"""The AsyncAPI document of ``/ws``, generated from the contracts.

    python -m waybill_realtime.asyncapi > docs/asyncapi.json

``tests/test_asyncapi.py`` fails when the committed document is stale.
"""

import json
import sys
from typing import Any

from pydantic import TypeAdapter

from waybill_contracts.telemetry import PositionReport
from waybill_contracts.ws import ClientMessage, ServerMessage

REF_TEMPLATE = "#/components/schemas/{model}"


def _asyncapi_discriminators(node: Any) -> Any:
    """pydantic writes OpenAPI's ``{"propertyName": ..., "mapping": ...}``; AsyncAPI's Schema Object wants the name."""
    if isinstance(node, dict):
        converted = {key: _asyncapi_discriminators(value) for key, value in node.items()}
        discriminator = converted.get("discriminator")
        if isinstance(discriminator, dict):
            converted["discriminator"] = discriminator["propertyName"]
        return converted
    if isinstance(node, list):
        return [_asyncapi_discriminators(item) for item in node]
    return node


def _schema(adapter: TypeAdapter[Any], schemas: dict[str, Any]) -> dict[str, Any]:
    schema = _asyncapi_discriminators(adapter.json_schema(ref_template=REF_TEMPLATE, mode="serialization"))
    schemas.update(schema.pop("$defs", {}))
    return dict(schema)


def build() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    schemas["ClientMessage"] = _schema(TypeAdapter(ClientMessage), schemas)
    schemas["ServerMessage"] = _schema(TypeAdapter(ServerMessage), schemas)
    schemas["PositionReport"] = _schema(TypeAdapter(PositionReport), schemas)
    return {
        "asyncapi": "3.1.0",
        "info": {
            "title": "Waybill realtime",
            "version": "1",
            "description": "One WebSocket endpoint; every frame is a JSON object with a `type`. "
            "See docs/protocol.md for authentication, channels, resuming and close codes.",
        },
        "servers": {
            "local": {"host": "127.0.0.1:8001", "protocol": "ws", "pathname": "/ws"},
        },
        "channels": {
            "ws": {
                "address": "/ws",
                "messages": {
                    "client": {"$ref": "#/components/messages/ClientMessage"},
                    "server": {"$ref": "#/components/messages/ServerMessage"},
                },
            }
        },
        "operations": {
            "clientSends": {
                "action": "receive",
                "channel": {"$ref": "#/channels/ws"},
                "messages": [{"$ref": "#/channels/ws/messages/client"}],
            },
            "serverSends": {
                "action": "send",
                "channel": {"$ref": "#/channels/ws"},
                "messages": [{"$ref": "#/channels/ws/messages/server"}],
            },
        },
        "components": {
            "messages": {
                "ClientMessage": {"payload": {"$ref": "#/components/schemas/ClientMessage"}},
                "ServerMessage": {"payload": {"$ref": "#/components/schemas/ServerMessage"}},
            },
            "schemas": dict(sorted(schemas.items())),
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
