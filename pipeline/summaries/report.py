"""``report.html``: one self-contained page (inline SVG, no scripts, no network) per run.

Every piece of transcript text goes through ``html.escape``: transcripts are user data and
may contain anything, ``<script>`` included.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

import numpy as np

from pipeline.records import Codebook, Quarantined, Topic
from pipeline.summaries.city import CitySummary

PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
           "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6", "#ff7f00", "#6a3d9a", "#b15928", "#8dd3c7"]


def _blend(share: float) -> str:
    """White → deep blue as the share goes 0 → 1 (capped at 60%, where differences matter)."""
    t = min(1.0, share / 0.6)
    r, g, b = (int(255 + (c - 255) * t) for c in (33, 102, 172))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_svg(summaries: Sequence[CitySummary], codebook: Codebook) -> str:
    codes = [c for c in codebook.top_level]
    cities = [s.city for s in summaries]
    cell_w, cell_h, left, top = 120, 38, 170, 30
    width, height = left + cell_w * len(cities) + 10, top + cell_h * len(codes) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="Barrier by city heatmap" font-family="sans-serif" font-size="13">']
    for j, city in enumerate(cities):
        parts.append(f'<text x="{left + j * cell_w + cell_w / 2}" y="{top - 10}" text-anchor="middle">{escape(city)}</text>')
    for i, code in enumerate(codes):
        y = top + i * cell_h
        parts.append(f'<text x="{left - 8}" y="{y + cell_h / 2 + 4}" text-anchor="end">{escape(code.label)}</text>')
        for j, summary in enumerate(summaries):
            p = next((p for p in summary.prevalence if p.code == code.name and p.role == "all"), None)
            share = p.share if p else 0.0
            x = left + j * cell_w
            colour = "#fff" if share > 0.35 else "#000"
            tip = f"{code.label} in {summary.city}: {p.excerpts if p else 0} of {p.of_excerpts if p else 0} excerpts"
            parts.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{_blend(share)}" '
                         f'stroke="#ccc"><title>{escape(tip)}</title></rect>')
            parts.append(f'<text x="{x + cell_w / 2}" y="{y + cell_h / 2 + 4}" text-anchor="middle" fill="{colour}">{share:.0%}</text>')
    parts.append("</svg>")
    return "".join(parts)


def topic_map_svg(vectors: np.ndarray, topic_ids: Sequence[int], topics: Sequence[Topic], texts: Sequence[str]) -> str:
    """Excerpts projected to 2-D (PCA of their embeddings), coloured by topic."""
    width, height, pad = 760, 460, 20
    if len(vectors) < 3:
        return "<p>Too few excerpts for a topic map.</p>"
    centred = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ vt[:2].T
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi - lo == 0, 1, hi - lo)
    xy = (xy - lo) / span
    colour = {t.topic_id: PALETTE[k % len(PALETTE)] for k, t in enumerate(topics)}
    label = {t.topic_id: t.label for t in topics}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="Topic map" font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="#fafafa" stroke="#ddd"/>']
    for (x, y), t, text in zip(xy, topic_ids, texts):
        cx, cy = pad + x * (width - 2 * pad - 220), pad + (1 - y) * (height - 2 * pad)
        tip = f"topic {t}: {label.get(t, '')}\n{text[:160]}"
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{colour.get(t, "#999")}" fill-opacity="0.75">'
                     f'<title>{escape(tip)}</title></circle>')
    for k, t in enumerate(topics[:24]):
        y = pad + 10 + k * 17
        parts.append(f'<circle cx="{width - 210}" cy="{y - 4}" r="5" fill="{colour[t.topic_id]}"/>'
                     f'<text x="{width - 200}" y="{y}">{escape(f"{t.topic_id}: {t.label}"[:34])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_report(
    *,
    run_id: str,
    summaries: Sequence[CitySummary],
    codebook: Codebook,
    topics: Sequence[Topic],
    vectors: np.ndarray,
    topic_ids: Sequence[int],
    texts: Sequence[str],
    quarantined: Sequence[Quarantined],
    counts: dict,
    timings: dict,
    analysis=None,
) -> str:
    """``analysis``: the study's triangulation and narratives (``summaries.study``), drawn after the heatmap."""
    from pipeline.summaries.study import report_sections

    study = report_sections(analysis) if analysis is not None else ""
    labels = {c.name: c.label for c in codebook.codes}
    rows = "".join(
        f"<tr><td>{t.topic_id}{' <strong>new in this run</strong>' if t.new_in_run else ''}</td><td>{t.size}</td>"
        f"<td>{escape(', '.join(t.keywords[:8]))}</td>"
        f"<td>{escape(', '.join(labels.get(c, c) for c in t.codes)) or '<em>emergent theme</em>'}</td></tr>"
        for t in topics
    )
    quarantine = "".join(f"<li><code>{escape(q.file)}</code>: {escape(q.reason)}</li>" for q in quarantined)
    city_links = "".join(f'<li><a href="city_summaries/{escape(s.city)}.md">{escape(s.city)}</a>: '
                         f'{s.interviews} interviews, {s.excerpts} excerpts</li>' for s in summaries)
    if analysis is not None:
        city_links += '<li><a href="city_summaries/_across_cities.md">Across cities</a></li>'
    timing_rows = "".join(f"<tr><td>{escape(k)}</td><td>{v:.2f} s</td></tr>" for k, v in timings.items())
    count_items = "".join(f"<li>{escape(str(k)).replace('_', ' ')}: {escape(str(v))}</li>" for k, v in counts.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>qualflow run {escape(run_id)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}.warn{{background:#fff4e5;padding:.5em 1em}}</style>
</head><body>
<h1>qualflow run <code>{escape(run_id)}</code></h1>
<p class="warn">Codes here are <strong>suggestions</strong> from a model, for coders to review. They are not findings.</p>
<ul>{count_items}</ul>
<h2>Barriers by city</h2>
<p>Share of each city's excerpts for which the barrier was suggested.</p>
{heatmap_svg(summaries, codebook)}
{study}
<h2>Topic map</h2>
<p>Each dot is an excerpt (a 2-D projection of its embedding), coloured by topic; hover for its text.</p>
{topic_map_svg(vectors, topic_ids, topics, texts)}
<h2>Topics</h2>
<table><tr><th>Topic</th><th>Excerpts</th><th>Keywords</th><th>Maps to</th></tr>{rows}</table>
<h2>City summaries (drafts)</h2><ul>{city_links}</ul>
<h2>Quarantined files</h2>{f"<ul>{quarantine}</ul>" if quarantined else "<p>None: every file was read.</p>"}
<h2>Timings</h2><table>{timing_rows}</table>
</body></html>
"""
