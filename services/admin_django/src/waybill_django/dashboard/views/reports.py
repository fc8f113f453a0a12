"""Reports: volume by day, punctuality, and deliveries by vehicle, driver and customer."""

import csv
import math
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from waybill_contracts.ids import parse_id
from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.views.common import render_page
from waybill_django.reports.selectors import (
    BREAKDOWN_LABELS,
    Breakdown,
    DailyFigures,
    daily_figures,
    delivery_breakdown,
)

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30

# The chart's drawing area in SVG units; the SVG keeps its aspect ratio, so its text is not distorted.
WIDTH, HEIGHT = 600, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 592, 12, 212
MAX_X_LABELS = 8


@dataclass(frozen=True)
class Bar:
    """One bar of a server-drawn SVG chart (no chart library: the numbers are also in a table)."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass(frozen=True)
class Tick:
    """One value on an axis, at ``position`` (y for the value axis, x for the day axis)."""

    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM


def _period(request: HttpRequest) -> int:
    days = parse_id(request.GET.get("days", ""))
    return days if days in PERIODS else DEFAULT_PERIOD


def _count_scale(values: list[float]) -> tuple[float, list[tuple[float, str]]]:
    """A top value and four even steps of whole numbers covering ``values``."""
    step = max(1, math.ceil(max(values, default=0) / 4))
    return step * 4, [(step * i, str(step * i)) for i in range(5)]


RATE_SCALE = (1.0, [(i / 4, f"{i * 25}%") for i in range(5)])


def _chart(
    values: list[float | None],
    labels: list[str],
    formatted: list[str],
    scale: tuple[float, list[tuple[float, str]]],
) -> Chart:
    top, ticks = scale
    span_y = BOTTOM - TOP
    slot = (RIGHT - LEFT) / max(len(values), 1)
    bars = []
    for index, (value, label, text) in enumerate(zip(values, labels, formatted, strict=True)):
        height = (value or 0) / top * span_y
        bars.append(
            Bar(
                x=LEFT + index * slot + slot * 0.1,
                y=BOTTOM - height,
                width=slot * 0.8,
                height=height,
                label=label,
                value=text,
            )
        )
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    return Chart(
        bars=bars,
        y_ticks=[Tick(BOTTOM - value / top * span_y, text) for value, text in ticks],
        x_ticks=[Tick(LEFT + (i + 0.5) * slot, label) for i, label in enumerate(labels) if i % every == 0],
    )


def _rate(figure: DailyFigures) -> str:
    return "—" if figure.on_time_rate is None else f"{figure.on_time_rate:.0%}"


@require_GET
@workspace_view()
def reports(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    days = _period(request)
    today = timezone.now().date()
    organization = workspace.organization
    figures = daily_figures(organization=organization, days=days, today=today)
    labels = [f"{f.day:%b %d}" for f in figures]
    created = [float(f.created) for f in figures]
    with_window = sum(f.delivered_with_window for f in figures)
    context = {
        "days": days,
        "periods": PERIODS,
        "figures": figures,
        "volume": _chart(list(created), labels, [str(f.created) for f in figures], _count_scale(created)),
        "on_time": _chart([f.on_time_rate for f in figures], labels, [_rate(f) for f in figures], RATE_SCALE),
        "total_created": sum(f.created for f in figures),
        "total_delivered": sum(f.delivered for f in figures),
        "total_early": sum(f.delivered_early for f in figures),
        "total_late": sum(f.delivered_late for f in figures),
        "overall_rate": (sum(f.delivered_on_time for f in figures) / with_window) if with_window else None,
        "breakdowns": [
            (
                by.value,
                BREAKDOWN_LABELS[by],
                delivery_breakdown(organization=organization, days=days, today=today, by=by),
            )
            for by in Breakdown
        ],
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
        [
            "day",
            "created",
            "delivered",
            "delivered_with_window",
            "delivered_on_time",
            "delivered_early",
            "delivered_late",
            "on_time_rate",
        ]
    )
    for f in figures:
        rate = "" if f.on_time_rate is None else f"{f.on_time_rate:.4f}"
        writer.writerow(
            [
                f.day.isoformat(),
                f.created,
                f.delivered,
                f.delivered_with_window,
                f.delivered_on_time,
                f.delivered_early,
                f.delivered_late,
                rate,
            ]
        )
    return response
