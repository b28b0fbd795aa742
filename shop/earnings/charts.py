"""Small bar charts drawn on the server as inline SVG: no chart library, no JavaScript."""
from collections.abc import Callable
from datetime import date

from babel.dates import format_skeleton
from flask_babel import gettext as _
from markupsafe import Markup, escape

from shop.i18n import locale_code, money_filter

WIDTH, HEIGHT = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 10, 24  # room for the value labels on the left and the dates below


def day_label(day: date) -> str:
    """A short date in the reader's language, e.g. "Jun 15" or "6月15日"."""
    return format_skeleton("MMMd", day, locale=locale_code())


def daily_charts(days: list) -> list[tuple[str, Markup]]:
    """Visits, orders and earnings per day (`stats.Day` rows): a title and a small chart each, as scales differ."""
    measures = [("clicks", _("Visits per day"), str), ("orders", _("Orders per day"), str),
                ("earnings", _("Earnings per day"), money_filter)]
    return [
        (title, bar_chart(f"chart-{name}", title, [(d.day, getattr(d, name)) for d in days], label))
        for name, title, label in measures
    ]


def bar_chart(
    chart_id: str, title: str, points: list[tuple[date, int]], label: Callable[[int], str] = str
) -> Markup:
    """One bar per day, scaled to the largest value; zero days keep their (empty) place on the axis."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = max((value for _, value in points), default=0)
    scale = plot_h / peak if peak > 0 else 0
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1)
    base = TOP + plot_h
    parts = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<text class="axis" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{escape(label(peak))}</text>',
        f'<text class="axis" x="{LEFT - 4}" y="{base}" text-anchor="end">{escape(label(0))}</text>',
        f'<line class="baseline" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>',
    ]
    for i, (day, value) in enumerate(points):
        height = max(value, 0) * scale
        x = LEFT + i * slot + (slot - bar_w) / 2
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{base - height:.1f}" width="{bar_w:.1f}" height="{height:.1f}" '
            f'data-day="{day.isoformat()}" data-value="{value}">'
            f"<title>{escape(day_label(day))}: {escape(label(value))}</title></rect>"
        )
    for i, x, anchor in _date_ticks(len(points), slot):
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="{anchor}">'
            f"{escape(day_label(points[i][0]))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704  # all text escaped above


def _date_ticks(n: int, slot: float) -> list[tuple[int, float, str]]:
    """Dates under the first, middle and last bars; the outer ones kept inside the picture."""
    if n == 0:
        return []
    if n == 1:
        return [(0, LEFT + slot / 2, "middle")]
    ticks = [(0, LEFT, "start"), (n - 1, WIDTH - RIGHT, "end")]
    if n >= 5:
        ticks.insert(1, (n // 2, LEFT + (n // 2 + 0.5) * slot, "middle"))
    return ticks
