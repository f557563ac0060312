"""Charts drawn on the server as SVG: no JavaScript, no CDN, readable without colour.

Every chart is paired with a data table in the template (screen readers read the table; the
SVG is marked as an image with a title and a one-sentence description).
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 44
BAR = "#1f5f99"  # 6.6:1 on white
CAMPAIGN_BAR = "#b34700"  # 5.0:1 on white, with a hatch too so colour is not the only cue
TARGET = "#222222"


def _nice_ceiling(value: int) -> int:
    if value <= 10:
        return 10
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def monthly_chart(by_month, *, chart_id: str = "kpi-monthly") -> SafeString:
    """Bars of supporters per month with the monthly target as a line; May (強化月間) marked."""
    top = _nice_ceiling(max([m.actual for m in by_month] + [m.target or 0 for m in by_month]))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / len(by_month)

    def y(value):
        return TOP + plot_h - plot_h * value / top

    grid = []
    for i in range(5):
        value = top * i / 4
        grid.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d0d0d0"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#333">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                f"{y(value):.1f}",
                f"{y(value):.1f}",
                LEFT - 6,
                f"{y(value) + 4:.1f}",
                f"{int(value):,}",
            )
        )
    bars = []
    points = []
    for i, month in enumerate(by_month):
        x = LEFT + slot * i + slot * 0.15
        w = slot * 0.7
        colour = CAMPAIGN_BAR if month.is_campaign_month else BAR
        fill = "url(#campaign-hatch)" if month.is_campaign_month else colour
        bars.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}"/>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#222">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="#333">{}</text>',
                f"{x:.1f}",
                f"{y(month.actual):.1f}",
                f"{w:.1f}",
                f"{TOP + plot_h - y(month.actual):.1f}",
                fill,
                colour,
                f"{x + w / 2:.1f}",
                f"{y(month.actual) - 4:.1f}",
                f"{month.actual:,}",
                f"{x + w / 2:.1f}",
                HEIGHT - BOTTOM + 18,
                _("%(m)s月") % {"m": int(month.month[5:])},
            )
        )
        if month.target is not None:
            points.append((x + w / 2, y(month.target)))
    target_line = ""
    if points:
        target_line = format_html(
            '<polyline points="{}" fill="none" stroke="{}" stroke-width="2" '
            'stroke-dasharray="6 4"/>{}',
            " ".join(f"{px:.1f},{py:.1f}" for px, py in points),
            TARGET,
            format_html_join(
                "",
                '<circle cx="{}" cy="{}" r="3.5" fill="{}"/>',
                ((f"{px:.1f}", f"{py:.1f}", TARGET) for px, py in points),
            ),
        )
    legend = format_html(
        '<g font-size="12" fill="#222">'
        '<rect x="{}" y="6" width="12" height="12" fill="{}"/><text x="{}" y="16">{}</text>'
        '<rect x="{}" y="6" width="12" height="12" fill="url(#campaign-hatch)" stroke="{}"/>'
        '<text x="{}" y="16">{}</text>{}</g>',
        LEFT,
        BAR,
        LEFT + 16,
        _("実績"),
        LEFT + 70,
        CAMPAIGN_BAR,
        LEFT + 86,
        _("5月（強化月間）"),
        format_html(
            '<line x1="{}" x2="{}" y1="12" y2="12" stroke="{}" stroke-width="2" '
            'stroke-dasharray="6 4"/><text x="{}" y="16">{}</text>',
            LEFT + 200,
            LEFT + 224,
            TARGET,
            LEFT + 230,
            _("月別目標"),
        )
        if points
        else "",
    )
    total = sum(m.actual for m in by_month)
    peak = max(by_month, key=lambda m: m.actual)
    description = _(
        "月別の養成数。合計%(total)s人、最も多いのは%(month)s月の%(peak)s人。"
        "数値は下の表にあります。"
    ) % {"total": f"{total:,}", "month": int(peak.month[5:]), "peak": f"{peak.actual:,}"}
    return format_html(
        '<svg class="kpi-chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<defs><pattern id="campaign-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="{camp}"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern></defs>'
        "{grid}{bars}{target}{legend}</svg>",
        w=WIDTH,
        h=HEIGHT,
        id=chart_id,
        title=_("月別の養成数と目標"),
        desc=description,
        camp=CAMPAIGN_BAR,
        grid=SafeString("".join(grid)),
        bars=SafeString("".join(bars)),
        target=target_line,
        legend=legend,
    )
