"""``GET /metrics`` in the Prometheus text format."""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from waybill_realtime.deps import ResourcesDep

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response)
async def metrics(resources: ResourcesDep) -> Response:
    return Response(resources.metrics.render(), media_type=CONTENT_TYPE_LATEST)
