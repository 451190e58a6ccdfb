"""Inline SVG charts, as geometry for a template to draw (the template escapes every label).

No JavaScript and no external file: the chart is part of the page and of the exported summary.
"""

from __future__ import annotations

from dataclasses import dataclass

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
"""Okabe-Ito: tells series apart for readers with colour-vision deficiencies too."""


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str
    href: str | None
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    plot_width: int
    groups: tuple[tuple[str, float], ...]
    """Group label and its y (centre)."""
    bars: tuple[Bar, ...]
    legend: tuple[tuple[str, str, float], ...]
    """Series label, colour, x."""
    ticks: tuple[tuple[str, float], ...]
    title: str


def grouped_bars(title: str, groups: list[tuple[str, list[tuple[str, int, int, str | None]]]], *,
                 width: int = 720, label_width: int = 190, bar_height: int = 13, gap: int = 12) -> Chart:
    """``groups``: ``(group label, [(series, count, of, href)])``; bar length is count/of."""
    series: list[str] = []
    for _, bars in groups:
        for name, *_ in bars:
            if name not in series:
                series.append(name)
    colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series)}
    plot = width - label_width - 60
    top = 34
    y = top
    placed, labels = [], []
    for label, bars in groups:
        start = y
        for name, count, of, href in bars:
            share = count / of if of else 0.0
            placed.append(Bar(label_width, y, max(share * plot, 0.0), bar_height, colour[name],
                              f"{share:.0%}", href, f"{label} · {name}: {count} of {of} excerpts ({share:.0%})"))
            y += bar_height + 2
        labels.append((label, (start + y - 2) / 2))
        y += gap
    legend, lx = [], float(label_width)
    for name in series:
        legend.append((name, colour[name], lx))
        lx += 14 + 7.2 * len(name) + 18
    ticks = tuple((f"{p}%", label_width + plot * p / 100) for p in (0, 25, 50, 75, 100))
    return Chart(width, int(y + 20), label_width, plot, tuple(labels), tuple(placed), tuple(legend), ticks, title)
