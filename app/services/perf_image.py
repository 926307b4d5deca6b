"""The perf query drawn as a PNG, for a pull-request comment or a README.

matplotlib is imported when the first image is drawn, never at start-up (it costs ~0.3 s),
and only through its object API (``matplotlib.figure.Figure`` on the Agg canvas): ``pyplot``
keeps global figure state, which a threaded server must not share between requests.

What is drawn: up to :data:`MAX_SERIES` series as lines, one y axis per measure (at most two:
the second on the right), an axis in log scale when its values span :data:`LOG_SPAN` or more;
each series' boundary limits as dashed lines in a darker shade of its colour; an
:data:`ALERT_COLOR` triangle on every alerted value. An empty selection draws "No data".

Speed: a series of 10,000 points is cut to at most two points per pixel column before it is
drawn (the lowest and the highest value of each column, which is what a line plot can show at
that width) plus every alerted point; path simplification is on. The Agg renderer then draws a
few thousand segments instead of tens of thousands.
"""

from __future__ import annotations

import io
from datetime import UTC

import numpy as np

from app.errors import BadRequest
from app.models import Project
from app.services.perf import PerfQuery, PlotSeries, plot_points

MAX_SERIES = 10
MAX_MEASURES = 2
LOG_SPAN = 10.0
DPI = 100
ALERT_COLOR = "#ff0000"
#: matplotlib's tab10 without its red, which is the alert colour.
SERIES_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                 "#bcbd22", "#17becf", "#393b79")  # fmt: skip
#: Room for the tick labels, axis labels and title, in pixels.
MARGINS = {"left": 80, "right": 20, "right_axis": 80, "bottom": 50, "top": 35}
#: Two pixels: at least one row of a horizontal line is drawn in its exact colour.
LINE_WIDTH = 2.0
#: How much of the series colour a limit line keeps (the rest is black).
LIMIT_SHADE = 0.6


def perf_png(project: Project, query: PerfQuery, *, title: str | None, width: int,
             height: int) -> bytes:  # fmt: skip
    """The PNG of ``query``'s series: ``width`` x ``height`` pixels."""
    if len({ref for ref in query.measures if ref}) > MAX_MEASURES:
        raise BadRequest(f"an image shows at most {MAX_MEASURES} measures (one per y axis): "
                         "name fewer in 'measures'")  # fmt: skip
    series = plot_points(project, query)
    return render_png(series, title=title or project.name, width=width, height=height)


def limit_color(series_color: str) -> str:
    """The dashed limit lines' colour for a series drawn in ``series_color``."""
    red, green, blue = (int(series_color[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c * LIMIT_SHADE):02x}" for c in (red, green, blue))


def downsample(times: np.ndarray, values: np.ndarray, alerts: np.ndarray,
               columns: int) -> np.ndarray:  # fmt: skip
    """Indices (ascending) of the points to draw at ``columns`` pixel columns: per column the
    lowest and the highest value, plus every alerted point and both ends."""
    if len(times) <= 2 * columns:
        return np.arange(len(times))
    span = times[-1] - times[0]
    if span <= 0:
        bins = np.zeros(len(times), dtype=np.int64)
    else:
        bins = ((times - times[0]) / span * (columns - 1)).astype(np.int64)
    by_value = np.lexsort((values, bins))  # grouped by column, lowest value first
    starts = np.flatnonzero(np.r_[True, bins[by_value][1:] != bins[by_value][:-1]])
    ends = np.r_[starts[1:], len(by_value)] - 1
    keep = np.concatenate(
        (by_value[starts], by_value[ends], np.flatnonzero(alerts), [0, len(times) - 1])
    )
    return np.unique(keep)


def render_png(series: list[PlotSeries], *, title: str, width: int, height: int) -> bytes:
    """Draw ``series`` (points oldest first) as a ``width`` x ``height`` PNG."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axis = figure.add_subplot()
    axis.set_title(title, fontsize=11)
    if not series:
        axis.set_axis_off()
        axis.text(0.5, 0.5, "No data", ha="center", va="center", fontsize=16, color="#555555",
                  transform=axis.transAxes)  # fmt: skip
    else:
        _draw(figure, axis, series, width, height)
    output = io.BytesIO()
    with matplotlib.rc_context({"path.simplify": True, "path.simplify_threshold": 1.0,
                                "agg.path.chunksize": 10000}):  # fmt: skip
        figure.savefig(output, format="png", dpi=DPI)
    return output.getvalue()


def _draw(figure, axis, series: list[PlotSeries], width: int, height: int) -> None:
    import matplotlib.dates as mdates
    from matplotlib import ticker

    shown = series[:MAX_SERIES]
    measures = list(dict.fromkeys(s.series.measure.id for s in shown))
    axes = {measures[0]: axis}
    if len(measures) > 1:
        axes[measures[1]] = axis.twinx()
    spans: dict[int, list[float]] = {m: [] for m in measures}
    for index, points in enumerate(shown):
        color = SERIES_COLORS[index % len(SERIES_COLORS)]
        target = axes[points.series.measure.id]
        times, values, alerts = points.times, points.values, points.alerts
        keep = downsample(times, values, alerts, width)
        days = times[keep] / 86400.0  # matplotlib's dates: days since 1970-01-01
        target.plot(days, values[keep], color=color, linewidth=LINE_WIDTH, label=_label(points))
        for limits in (points.lower, points.upper):
            line = limits[keep]
            if not np.isnan(line).all():
                target.plot(days, line, color=limit_color(color), linewidth=LINE_WIDTH,
                            linestyle=(0, (5, 3)))  # fmt: skip
                spans[points.series.measure.id].extend(line[~np.isnan(line)].tolist())
        if alerts.any():
            target.plot(times[alerts] / 86400.0, values[alerts], linestyle="none", marker="^",
                        markersize=8, color=ALERT_COLOR, zorder=5)  # fmt: skip
        spans[points.series.measure.id].extend(values[keep].tolist())
    for measure_id, target in axes.items():
        measure = next(s.series.measure for s in shown if s.series.measure.id == measure_id)
        target.set_ylabel(f"{measure.name}, {measure.units}")
        found = np.asarray(spans[measure_id])
        if len(found) and found.min() > 0 and found.max() / found.min() >= LOG_SPAN:
            target.set_yscale("log")
            # Plain numbers (20, 50, 100), not 2x10^1, on every labelled tick.
            target.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            target.yaxis.set_minor_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    locator = mdates.AutoDateLocator()
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=UTC))
    handles = [h for a in axes.values() for h in a.get_legend_handles_labels()[0]]
    labels = [lbl for a in axes.values() for lbl in a.get_legend_handles_labels()[1]]
    if len(series) > MAX_SERIES:
        axis.set_title(f"{axis.get_title()} ({MAX_SERIES} of {len(series)} series shown)",
                       fontsize=11)  # fmt: skip
    # On the axes drawn last, so that no line crosses the legend.
    list(axes.values())[-1].legend(handles, labels, loc="upper left", fontsize=8, framealpha=0.9)
    axis.grid(True, alpha=0.3)
    # Fixed margins in pixels: tight_layout would draw the whole figure once more to measure it.
    right = MARGINS["right_axis"] if len(axes) > 1 else MARGINS["right"]
    figure.subplots_adjust(
        left=MARGINS["left"] / width,
        right=1 - right / width,
        bottom=MARGINS["bottom"] / height,
        top=1 - MARGINS["top"] / height,
    )


def _label(points: PlotSeries) -> str:
    s = points.series
    return f"{s.benchmark.name} · {s.measure.name} · {s.branch.slug} · {s.testbed.slug}"
