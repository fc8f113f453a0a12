"""Reports: volume by day and on-time rate, as charts and as CSV."""

import csv
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from waybill_contracts.ids import parse_id
from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.selectors import DailyFigures, daily_figures
from waybill_django.dashboard.views.common import render_page

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30


@dataclass(frozen=True)
class Bar:
    """One bar of a server-drawn SVG chart (no chart library: the numbers are also in a table)."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


def _period(request: HttpRequest) -> int:
    days = parse_id(request.GET.get("days", ""))
    return days if days in PERIODS else DEFAULT_PERIOD


def _bars(values: list[float | None], labels: list[str], formatted: list[str]) -> list[Bar]:
    top = max((v for v in values if v is not None), default=0) or 1
    width = 100 / max(len(values), 1)
    bars = []
    for index, (value, label, text) in enumerate(zip(values, labels, formatted, strict=True)):
        height = (value or 0) / top * 100
        bars.append(
            Bar(
                x=index * width + width * 0.1,
                y=100 - height,
                width=width * 0.8,
                height=height,
                label=label,
                value=text,
            )
        )
    return bars


def _rate(figure: DailyFigures) -> str:
    return "—" if figure.on_time_rate is None else f"{figure.on_time_rate:.0%}"


@require_GET
@workspace_view()
def reports(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    days = _period(request)
    figures = daily_figures(organization=workspace.organization, days=days, today=timezone.now().date())
    labels = [f"{f.day:%b %d}" for f in figures]
    with_window = sum(f.delivered_with_window for f in figures)
    context = {
        "days": days,
        "periods": PERIODS,
        "figures": figures,
        "volume": _bars([f.created for f in figures], labels, [str(f.created) for f in figures]),
        "on_time": _bars([f.on_time_rate for f in figures], labels, [_rate(f) for f in figures]),
        "total_created": sum(f.created for f in figures),
        "total_delivered": sum(f.delivered for f in figures),
        "overall_rate": (sum(f.delivered_on_time for f in figures) / with_window) if with_window else None,
    }
    return render_page(request, workspace, "dashboard/reports.html", context)


@require_GET
@workspace_view()
def reports_csv(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    days = _period(request)
    figures = daily_figures(organization=workspace.organization, days=days, today=timezone.now().date())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="waybill-daily-{days}d.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["day", "created", "delivered", "delivered_with_window", "delivered_on_time", "on_time_rate"]
    )
    for f in figures:
        rate = "" if f.on_time_rate is None else f"{f.on_time_rate:.4f}"
        writer.writerow(
            [f.day.isoformat(), f.created, f.delivered, f.delivered_with_window, f.delivered_on_time, rate]
        )
    return response
