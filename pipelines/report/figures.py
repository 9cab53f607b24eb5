"""The report's figures: pure functions from plain data (lists, dicts, numbers) to an SVG string.

Rendered with matplotlib's object API on the Agg canvas (no pyplot state, so any thread or
process may call them) and saved as SVG with text kept as text (`svg.fonttype: none`), so the
labels stay searchable and the page needs no font. Each SVG's ids carry a prefix of their own,
so that many of them can live inline in one HTML page.
"""
from __future__ import annotations

import io
import itertools
import math
import re
import sys
from collections.abc import Mapping, Sequence

import matplotlib

if "matplotlib.pyplot" not in sys.modules:      # headless; never switch a backend that pyplot already uses
    matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib import ticker  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

STYLE = {
    "svg.fonttype": "none",              # <text> elements, not glyph outlines
    "svg.hashsalt": "tigerdata-report",  # the same data gives the same SVG
    "text.parse_math": False,            # a '$' in a source or rule name is just a '$'
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "figure.dpi": 72,
}
KEPT, DROPPED, TARGET, BEFORE = "#2f7ebc", "#d1495b", "#222222", "#9ab8d4"
PALETTE = ["#2f7ebc", "#e08a2c", "#3c9a5f", "#d1495b", "#8767b4", "#8c6d4f", "#d86fb5", "#6f6f6f", "#a9b22f", "#2fb1c4"]
SHARE_CMAP = LinearSegmentedColormap.from_list("share", ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"])
MAX_PANELS = 12
_counter = itertools.count(1)


def _figure(width: float, height: float, layout: str | None = "constrained") -> Figure:
    fig = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(fig)
    return fig


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return scoped_ids(buf.getvalue(), f"f{next(_counter)}-")


def scoped_ids(svg: str, prefix: str) -> str:
    """Drops the XML prolog and prefixes every id (and each reference to it) with `prefix`."""
    svg = svg[svg.index("<svg"):]
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    return re.sub(r'(url\(#|href="#)([^")]+)',
                  lambda m: m.group(1) + (prefix + m.group(2) if m.group(2) in ids else m.group(2)), svg)


def _render(draw, width: float, height: float, layout: str | None = "constrained") -> str:
    with matplotlib.rc_context(STYLE):
        fig = _figure(width, height, layout)
        draw(fig)
        return _svg(fig)


def empty(message: str = "no data", width: float = 6.0, height: float = 1.0) -> str:
    def draw(fig):
        fig.text(0.5, 0.5, message, ha="center", va="center", color="#666666")
    return _render(draw, width, height)


def _log_axis(ax, which: str) -> None:
    """Log scale with plain numbers (1, 10, 100, 1k, ...) and no minor ticks: mathtext is off, and
    dozens of minor ticks per axis are most of the drawing time."""
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=12))
    axis.set_minor_locator(ticker.NullLocator())
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: _short(v)))


def _short(v: float) -> str:
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:g}{suffix}"
    return f"{v:g}"


def _fmt(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.3g}"


# ---------------------------------------------------------------------------------------- counts
def funnel(stages: Sequence[tuple[str, int]], drops: Sequence[tuple[str, int]] = (), title: str = "") -> str:
    """Centred bars, one per stage (top to bottom), each labelled with its count and share of the
    first stage; drops[i] = (what, n) is written between stage i and stage i + 1."""
    if not stages:
        return empty()
    top = max(max(n for _, n in stages), 1)

    def draw(fig):
        ax = fig.subplots()
        k = len(stages)
        for i, (name, n) in enumerate(stages):
            y = k - 1 - i
            ax.barh(y, n, left=(top - n) / 2, height=0.62, color=KEPT if i else "#5a9bd0")
            ax.text(top / 2, y, f"{name}   {n:,}  ({n / top:.1%})", ha="center", va="center", fontsize=9,
                    color="white" if n > 0.45 * top else "#111111", fontweight="bold")
            if i < len(drops) and i < k - 1:
                what, lost = drops[i]
                ax.text(top * 1.02, y - 0.5, f"\u2212{lost:,} {what}", ha="left", va="center", fontsize=8.5,
                        color=DROPPED if lost else "#888888")
        ax.set_xlim(0, top * 1.55)
        ax.set_ylim(-0.6, k - 0.4)
        ax.axis("off")
        if title:
            ax.set_title(title, loc="left")
    return _render(draw, 9.0, 0.5 + 0.5 * len(stages))


def bars(labels: Sequence[str], values: Sequence[float], title: str = "", xlabel: str = "records",
         color: str = DROPPED, total: float | None = None) -> str:
    """Horizontal bars, largest on top, each labelled with its value and its share of `total`
    (default: the sum of the values)."""
    if not labels:
        return empty()
    order = sorted(range(len(labels)), key=lambda i: -values[i])
    labels = [str(labels[i]) for i in order]
    values = [values[i] for i in order]
    total = total or sum(values) or 1

    def draw(fig):
        ax = fig.subplots()
        y = np.arange(len(labels))[::-1]
        ax.barh(y, values, color=color, height=0.7)
        ax.set_yticks(y, labels)
        for yi, v in zip(y, values):
            ax.text(v, yi, f"  {_fmt(v)} ({v / total:.1%})", va="center", fontsize=8)
        ax.set_xlim(0, max(values) * 1.3 or 1)
        if all(float(v).is_integer() for v in values):
            ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        ax.set_xlabel(xlabel)
        if title:
            ax.set_title(title, loc="left")
    return _render(draw, 8.0, 0.7 + 0.28 * len(labels))


# ---------------------------------------------------------------------------------- distributions
def histograms(groups: Mapping[str, Sequence[float]], title: str = "", xlabel: str = "", log_x: bool = False,
               bins: int = 30, extra: Mapping[str, Sequence[float]] | None = None, extra_label: str = "",
               label: str = "", lines: Mapping[str, float] | None = None, line_label: str = "") -> str:
    """One small histogram per group (the MAX_PANELS largest groups), on shared bins; `extra`
    (same keys) is stacked on in a second colour, `lines[group]` drawn as a dashed vertical line."""
    extra = extra or {}
    lines = lines or {}
    keys = sorted(set(groups) | set(extra), key=lambda g: -(len(groups.get(g, ())) + len(extra.get(g, ()))))[:MAX_PANELS]
    keys = [g for g in keys if len(groups.get(g, ())) + len(extra.get(g, ()))]
    if not keys:
        return empty()
    values = np.concatenate([np.asarray(list(groups.get(g, ())) + list(extra.get(g, ())), dtype=float) for g in keys])
    values = values[np.isfinite(values)]
    if not len(values):
        return empty()
    lo, hi = float(values.min()), float(values.max())
    if log_x:
        lo = max(lo, 1.0)
        hi = max(hi, lo * 1.01)
        edges = np.geomspace(lo, hi, bins + 1)
    else:
        hi = hi if hi > lo else lo + 1.0
        edges = np.linspace(lo, hi, bins + 1)
    ncols = min(len(keys), 4)
    nrows = math.ceil(len(keys) / ncols)

    def draw(fig):
        axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
        for ax, g in zip(axes, keys):
            kept, _ = np.histogram(np.clip(np.asarray(groups.get(g, ()), dtype=float), edges[0], edges[-1]), bins=edges)
            n = int(kept.sum())
            if len(extra.get(g, ())):       # stacked: the extra values on top of the kept ones
                more, _ = np.histogram(np.clip(np.asarray(extra[g], dtype=float), edges[0], edges[-1]), bins=edges)
                ax.stairs(kept + more, edges, baseline=kept, fill=True, color=DROPPED, label=extra_label or "other")
                n += int(more.sum())
            ax.stairs(kept, edges, fill=True, color=KEPT, label=label or "kept")
            if g in lines and lines[g] is not None:
                ax.axvline(lines[g], color=TARGET, linestyle="--", linewidth=1, label=line_label or None)
            ax.set_title(f"{g}  (n={n:,})", loc="left", fontsize=9)
            if log_x:
                _log_axis(ax, "x")
            ax.set_ylim(bottom=0)
            ax.tick_params(labelsize=7.5)
        for ax in axes[len(keys):]:
            ax.set_visible(False)
        for ax in axes[(nrows - 1) * ncols:(nrows - 1) * ncols + ncols]:
            ax.set_xlabel(xlabel, fontsize=8)
        if extra or lines:
            handles, names = axes[0].get_legend_handles_labels()
            for ax in axes[1:len(keys)]:
                for h, nm in zip(*ax.get_legend_handles_labels()):
                    if nm not in names:
                        handles.append(h)
                        names.append(nm)
            fig.legend(handles, names, loc="lower center", ncols=len(names), fontsize=8, frameon=False)
        if title:
            fig.suptitle(title, x=0.01, ha="left", fontsize=10, fontweight="bold")
        # a fixed layout: constrained layout would draw the many ticks of a grid twice
        top_in, bottom_in = (0.55 if title else 0.3), (0.85 if (extra or lines) else 0.6)
        fig.subplots_adjust(left=0.055, right=0.99, wspace=0.28, hspace=0.5,
                            top=1 - top_in / height, bottom=bottom_in / height)
    height = 0.9 + 2.0 * nrows + (0.25 if title else 0) + (0.25 if extra or lines else 0)
    return _render(draw, 11.0, height, layout=None)


def size_histogram(sizes: Mapping[int, int], title: str = "", xlabel: str = "cluster size (documents)",
                   ylabel: str = "kept documents") -> str:
    """Counts by integer size: sizes 1-5 one bar each, larger sizes in bins; log-scaled counts."""
    if not sizes:
        return empty()
    bins = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 10), (11, 20), (21, 50), (51, 100), (101, 1000), (1001, None)]
    rows = []
    for lo, hi in bins:
        n = sum(v for s, v in sizes.items() if s >= lo and (hi is None or s <= hi))
        rows.append((str(lo) if lo == hi else f"{lo}+" if hi is None else f"{lo}\u2013{hi}", n))
    while rows and rows[-1][1] == 0 and len(rows) > 1:
        rows.pop()
    total = sum(n for _, n in rows) or 1

    def draw(fig):
        counts = [n for _, n in rows]
        ax = _labelled_bars(fig, [name for name, _ in rows], counts,
                            [f"{n:,}\n{n / total:.1%}" if n else "" for n in counts], xlabel, ylabel, title)
        _log_axis(ax, "y")
        ax.set_ylim(0.8, max(counts) * 3)
    return _render(draw, 8.0, 3.0)


def binned_counts(bins: Mapping[str, int], title: str = "", xlabel: str = "", ylabel: str = "pairs") -> str:
    """Vertical bars for already-binned counts, in the order of their (numeric where possible) labels."""
    if not bins:
        return empty()

    def key(label):
        try:
            return (0, float(label), label)
        except ValueError:
            return (1, 0.0, label)
    labels = sorted(bins, key=key)

    def draw(fig):
        counts = [bins[k] for k in labels]
        ax = _labelled_bars(fig, [str(k) for k in labels], counts, [f"{n:,}" for n in counts], xlabel, ylabel, title)
        ax.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    return _render(draw, 6.0, 2.6)


def _labelled_bars(fig, names: list[str], counts: list[int], notes: list[str], xlabel: str, ylabel: str, title: str):
    """Vertical bars, each with its note on top; returns the axes for scale tweaks."""
    ax = fig.subplots()
    x = np.arange(len(names))
    ax.bar(x, counts, color=KEPT)
    ax.set_xticks(x, names)
    for xi, n, note in zip(x, counts, notes):
        if note:
            ax.text(xi, n, note, ha="center", va="bottom", fontsize=7.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left")
    return ax


# ----------------------------------------------------------------------------------------- shares
def shares(rows: Sequence[tuple[str, float, float, float | None]], title: str = "",
           before_label: str = "before sampling", after_label: str = "after sampling") -> str:
    """rows: (stratum, share before, share after, target share or None): paired horizontal bars
    with the target as a black tick."""
    if not rows:
        return empty()

    def draw(fig):
        ax = fig.subplots()
        y = np.arange(len(rows))[::-1]
        h = 0.38
        ax.barh(y + h / 2, [r[1] for r in rows], height=h, color=BEFORE, label=before_label)
        ax.barh(y - h / 2, [r[2] for r in rows], height=h, color=KEPT, label=after_label)
        targets = [(yi, r[3]) for yi, r in zip(y, rows) if r[3] is not None]
        if targets:
            ax.scatter([t for _, t in targets], [yi for yi, _ in targets], marker="|", s=260, linewidths=2,
                       color=TARGET, label="target", zorder=3)
        for yi, r in zip(y, rows):
            ax.text(max(r[1], r[2], r[3] or 0), yi, f"  {r[2]:.1%}" + (f" (target {r[3]:.1%})" if r[3] is not None else ""),
                    va="center", fontsize=7.5)
        ax.set_yticks(y, [r[0] for r in rows])
        top = max(max(r[1], r[2], r[3] or 0) for r in rows) or 1
        ax.set_xlim(0, top * 1.45)
        ax.xaxis.set_major_formatter(ticker.PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("share")
        fig.legend(loc="outside upper right", ncols=3, fontsize=8, frameon=False)
        if title:
            ax.set_title(title, loc="left")
    return _render(draw, 8.5, 1.2 + 0.42 * len(rows))


def heatmap(values: Sequence[Sequence[float | None]], row_labels: Sequence[str], col_labels: Sequence[str],
            annotations: Sequence[Sequence[str]] | None = None, title: str = "", colorbar: str = "share",
            percent: bool = True, cell: tuple[float, float] = (0.95, 0.55)) -> str:
    """A matrix as coloured cells (None: blank), each annotated (default: its value)."""
    if not row_labels or not col_labels:
        return empty()
    m = np.array([[np.nan if v is None else float(v) for v in row] for row in values], dtype=float)
    finite = m[np.isfinite(m)]
    vmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0

    def draw(fig):
        ax = fig.subplots()
        ax.spines[:].set_visible(False)
        # vector cells (pcolormesh), not a raster image
        im = ax.pcolormesh(np.arange(m.shape[1] + 1) - 0.5, np.arange(m.shape[0] + 1) - 0.5, np.ma.masked_invalid(m),
                           cmap=SHARE_CMAP, vmin=0, vmax=vmax, edgecolors="white", linewidth=1.5)
        ax.set_xlim(-0.5, m.shape[1] - 0.5)
        ax.set_ylim(m.shape[0] - 0.5, -0.5)
        ax.set_xticks(np.arange(len(col_labels)), [str(c) for c in col_labels])
        ax.set_yticks(np.arange(len(row_labels)), [str(r) for r in row_labels])
        ax.tick_params(length=0)
        for i, j in itertools.product(range(m.shape[0]), range(m.shape[1])):
            v = m[i, j]
            text = annotations[i][j] if annotations else ("" if np.isnan(v) else (f"{v:.1%}" if percent else _fmt(v)))
            if text:
                dark = np.isfinite(v) and v > 0.55 * vmax
                ax.text(j, i, text, ha="center", va="center", fontsize=7.5, color="white" if dark else "#111111")
        cb = fig.colorbar(im, ax=ax, shrink=0.8, pad=0.01)
        if cb.solids is not None:
            cb.solids.set_rasterized(False)      # vector, not an embedded PNG
        cb.set_label(colorbar)
        if percent:
            cb.ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0, decimals=1))
        if title:
            ax.set_title(title, loc="left")
    width = 1.9 + cell[0] * len(col_labels) + 0.075 * max(len(str(r)) for r in row_labels)
    return _render(draw, min(width, 11.8), 1.2 + cell[1] * len(row_labels))


# ---------------------------------------------------------------------------------- comparisons
def grouped_bars(groups: Sequence[str], series: Mapping[str, Sequence[float | None]], title: str = "",
                 ylabel: str = "", reference: float | None = None) -> str:
    """Vertical bars: one cluster per group, one bar per series (a missing value leaves a gap),
    each labelled with its value; a dashed line at `reference` (e.g. 1.0 = the baseline)."""
    if not groups or not series:
        return empty()
    names = list(series)
    width = 0.8 / len(names)
    top = max([v for vs in series.values() for v in vs if v is not None] + [reference or 0, 1e-9])

    def draw(fig):
        ax = fig.subplots()
        x = np.arange(len(groups))
        for k, name in enumerate(names):
            xs = x - 0.4 + width * (k + 0.5)
            vals = series[name]
            present = [(xi, v) for xi, v in zip(xs, vals) if v is not None]
            if present:
                ax.bar([p[0] for p in present], [p[1] for p in present], width=width * 0.92,
                       color=PALETTE[k % len(PALETTE)], label=name)
                for xi, v in present:
                    ax.text(xi, v, f"{v:.2f}", ha="center", va="bottom", fontsize=7)
        if reference is not None:
            ax.axhline(reference, color=TARGET, linestyle="--", linewidth=1)
        ax.set_xticks(x, list(groups), rotation=30 if len(groups) > 4 else 0, ha="right" if len(groups) > 4 else "center")
        ax.set_ylim(0, top * 1.18)
        ax.set_ylabel(ylabel)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
        if title:
            ax.set_title(title, loc="left")
    return _render(draw, min(4.0 + 0.55 * len(groups) * max(1, len(names) / 2), 12.0), 3.6)
