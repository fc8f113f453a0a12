"""What every dashboard page puts in its template context."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from waybill_django.dashboard import conf
from waybill_django.dashboard.access import Workspace
from waybill_django.dashboard.navigation import navigation_context
from waybill_django.dashboard.tickets import org_stream_head


def is_partial(request: HttpRequest) -> bool:
    """An htmx request that refreshes a live part of a page (no layout around it)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render_page(
    request: HttpRequest,
    workspace: Workspace,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The full page, or only ``partial`` when htmx asks for a live refresh."""
    if partial is not None and is_partial(request):
        fragment = render(request, partial, {"workspace": workspace, **context}, status=status)
        # The same URL answers a page or a fragment: caches (and the back button) must tell them apart.
        patch_vary_headers(fragment, ["HX-Request"])
        return fragment
    page = {
        **navigation_context(workspace),
        "stream_head": org_stream_head(organization=workspace.organization),
        "tile_url": conf.map_tile_url(),
        "tile_attribution": conf.map_tile_attribution(),
        **context,
    }
    response = render(request, template, page, status=status)
    if partial is not None:
        patch_vary_headers(response, ["HX-Request"])
    return response
