"""Pictures as inline SVG strings (no script, no network): the report and the validators' pages share them.

Every label goes through ``html.escape``; labels come from codebooks, manifests and surveys,
which are user data.

* ``matrix_svg``: barrier × condition heatmap for one city or, summed, across cities; a cell
  is the number of interview excerpts carrying both, shaded by its share of the barrier's
  excerpts.
* ``likert_svg``: diverging stacked bars per Likert item, one bar per city, from the
  closed-item summaries' ``shares`` (answer -> share, in scale order from lowest to highest):
  the lower half of the scale extends left of the centre line, the upper half right, a middle
  answer straddles it. Empty string when there is no Likert item.
* ``roles_svg``: prevalence of each barrier by respondent role (share of the role's excerpts).
"""

from __future__ import annotations

from html import escape
from typing import Sequence

from pipeline.summaries.triangulate import Triangulation

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
DIVERGING = ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac")


def _blend(share: float) -> str:
    t = min(1.0, share / 0.6)
    r, g, b = (int(255 + (c - 255) * t) for c in (33, 102, 172))
    return f"#{r:02x}{g:02x}{b:02x}"


def _svg(width: float, height: float, label: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" role="img" '
            f'aria-label="{escape(label)}" font-family="sans-serif" font-size="12"><title>{escape(label)}</title>'
            + "".join(body) + "</svg>")


def matrix_svg(tri: Triangulation, city: str | None = None) -> str:
    """Barrier × condition for ``city`` (``None``: every city summed). Empty without conditions."""
    if not tri.conditions or not tri.barriers:
        return ""
    cities = [tri.city(city)] if city is not None else list(tri.cities)
    where = city if city is not None else "all cities"
    cell_w, cell_h, left, top = 130, 34, 200, 44
    body = []
    for j, condition in enumerate(tri.conditions):
        x = left + j * cell_w + cell_w / 2
        body.append(f'<text x="{x:.0f}" y="{top - 8}" text-anchor="middle" font-size="11">'
                    f'{escape(tri.labels[condition][:24])}</text>')
    for i, barrier in enumerate(tri.barriers):
        y = top + i * cell_h
        body.append(f'<text x="{left - 8}" y="{y + cell_h / 2 + 4:.0f}" text-anchor="end">'
                    f'{escape(tri.labels[barrier])}</text>')
        for j, condition in enumerate(tri.conditions):
            both = of = 0
            for c in cities:
                ev = next(e for e in c.barriers if e.barrier == barrier)
                count = next(k for k in ev.by_condition if k.key == condition)
                both, of = both + count.excerpts, of + count.of_excerpts
            share = both / of if of else 0.0
            x = left + j * cell_w
            tip = (f"{tri.labels[barrier]} with {tri.labels[condition]} in {where}: {both} of the {of} "
                   f"interview excerpts on this barrier")
            body.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{_blend(share)}" '
                        f'stroke="#ccc"><title>{escape(tip)}</title></rect>')
            colour = "#fff" if share > 0.35 else "#000"
            body.append(f'<text x="{x + cell_w / 2:.0f}" y="{y + cell_h / 2 + 4:.0f}" text-anchor="middle" '
                        f'fill="{colour}">{both} ({share:.0%})</text>')
    width = left + cell_w * len(tri.conditions) + 10
    height = top + cell_h * len(tri.barriers) + 10
    return _svg(width, height, f"Barriers read against conditions, {where}", [
        f'<text x="0" y="14" font-weight="bold">Barrier \u00d7 condition, {escape(where)}</text>', *body])


def _scale_colours(n: int) -> list[str]:
    if n <= 1:
        return [DIVERGING[3]]
    return [DIVERGING[round(i * (len(DIVERGING) - 1) / (n - 1))] for i in range(n)]


def likert_svg(closed_items: Sequence[dict]) -> str:
    """One diverging stacked-bar chart per Likert item (cities as bars); ``""`` when none."""
    items: dict[str, list[dict]] = {}
    for row in closed_items:
        if row.get("kind") == "likert" and row.get("shares"):
            items.setdefault(row["item"], []).append(row)
    charts = []
    for item, rows in items.items():
        rows = sorted(rows, key=lambda r: r["city"])
        answers = list(rows[0]["shares"])
        colours = _scale_colours(len(answers))
        left, half, bar_h, top = 130, 220, 18, 40
        centre = left + half
        title = escape(rows[0].get("label") or item)
        body = [f'<text x="0" y="14" font-weight="bold">{title}</text>',
                f'<line x1="{centre}" x2="{centre}" y1="{top - 6}" y2="{top + len(rows) * (bar_h + 8)}" stroke="#333"/>']
        lower = len(answers) // 2
        for i, row in enumerate(rows):
            y = top + i * (bar_h + 8)
            shares = [float(row["shares"].get(a, 0.0)) for a in answers]
            middle = shares[lower] if len(answers) % 2 else 0.0
            x = centre - (sum(shares[:lower]) + middle / 2) * half
            city = escape(str(row["city"]))
            body.append(f'<text x="{left - 8}" y="{y + bar_h - 4}" text-anchor="end">{city} (n={row.get("n")})</text>')
            for a, share, colour in zip(answers, shares, colours):
                w = share * half
                tip = escape(f"{row['city']}: {a} {share:.0%}")
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}" '
                            f'stroke="#fff"><title>{tip}</title></rect>')
                x += w
        ly = top + len(rows) * (bar_h + 8) + 14
        lx = float(left)
        for a, colour in zip(answers, colours):
            body.append(f'<rect x="{lx:.0f}" y="{ly - 10}" width="10" height="10" fill="{colour}" stroke="#999"/>'
                        f'<text x="{lx + 14:.0f}" y="{ly}">{escape(str(a))}</text>')
            lx += 24 + 7 * len(str(a))
        charts.append(_svg(left + 2 * half + 20, ly + 10, f"Answers to {rows[0].get('label') or item} by city", body))
    return "".join(charts)


def roles_svg(tri: Triangulation, city: str) -> str:
    """Share of each role's interview excerpts carrying each barrier, in one city."""
    c = tri.city(city)
    roles = list(c.roles)
    if not roles:
        return ""
    colour = {r: OKABE_ITO[i % len(OKABE_ITO)] for i, r in enumerate(roles)}
    left, plot, bar_h, top = 200, 420, 12, 40
    body, y = [], top
    lx = float(left)
    for r in roles:
        name = escape(r.replace("_", " "))
        body.append(f'<rect x="{lx:.0f}" y="20" width="10" height="10" fill="{colour[r]}"/>'
                    f'<text x="{lx + 14:.0f}" y="29">{name}</text>')
        lx += 30 + 7 * len(r)
    for ev in c.barriers:
        start = y
        for count in ev.by_role:
            w = count.share * plot
            tip = escape(f"{tri.labels[ev.barrier]} · {count.key}: {count.excerpts} of {count.of_excerpts} excerpts")
            body.append(f'<rect x="{left}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{colour[count.key]}">'
                        f'<title>{tip}'
                        f'</title></rect><text x="{left + w + 4:.1f}" y="{y + bar_h - 2}" font-size="10">'
                        f'{count.share:.0%}</text>')
            y += bar_h + 2
        body.append(f'<text x="{left - 8}" y="{(start + y) / 2 + 3:.0f}" text-anchor="end">'
                    f'{escape(tri.labels[ev.barrier])}</text>')
        y += 10
    return _svg(left + plot + 60, y + 10, f"Prevalence of each barrier by respondent role, {city}", [
        f'<text x="0" y="14" font-weight="bold">Prevalence by role, {escape(city)}</text>', *body])


__all__ = ["likert_svg", "matrix_svg", "roles_svg"]
