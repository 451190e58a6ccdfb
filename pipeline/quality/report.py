"""An evaluation's report: the figures overall and per document, language and manifest
attribute, its warnings, and writing it as ``eval.json`` and ``eval.html``."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pipeline.records import Excerpt, Transcript
from pipeline.quality.detection import LEVEL_NAMES, detection_withheld, uncoded_share, withhold
from pipeline.quality.gold import Gold
from pipeline.quality.machine import Predictions
from pipeline.quality.metrics import score_units


@dataclass
class EvalReport:
    settings: dict
    gold: dict
    overall: dict
    per_code: list[dict]
    breakdown: dict[str, list[dict]]
    calibration: dict
    training: dict | None = None
    warnings: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    simulation: list[dict] | None = None
    """Learning-curve points of a simulated review (``pipeline.quality.simulate``)."""
    simulation_review: dict | None = None
    """Its settings, warnings and the reliability of the reviewed suggestions' confidence."""

    def as_dict(self) -> dict:
        out = {"settings": self.settings, "overall": self.overall, "per_code": self.per_code,
               "breakdown": self.breakdown, "calibration": self.calibration, "gold": self.gold,
               "training": self.training, "warnings": self.warnings, "timings_s": self.timings_s}
        if self.simulation is not None:
            out["simulation"] = self.simulation
            out["simulation_review"] = self.simulation_review
        return out


def _attributes(unit: Excerpt, transcript: Transcript) -> dict[str, str]:
    meta = transcript.meta
    out = {"document": transcript.id, "language": unit.language or transcript.language or "unknown"}
    for name in ("city", "country", "role"):
        value = getattr(meta, name)
        if value:
            out[name] = value
    for name, value in (meta.extra or {}).items():
        if value:
            out[name] = str(value)
    return out


def breakdown(units: Sequence[Excerpt], transcripts: Sequence[Transcript], gold: Mapping[str, frozenset[str]],
              predictions: Predictions, *, bootstrap: int = 200) -> dict[str, list[dict]]:
    """The overall figures per document, language and manifest attribute."""
    by_id = {t.id: t for t in transcripts}
    row_of = {u: i for i, u in enumerate(predictions.unit_ids)}
    groups: dict[str, dict[str, list[str]]] = {}
    for u in units:
        for attribute, value in _attributes(u, by_id[u.transcript_id]).items():
            groups.setdefault(attribute, {}).setdefault(value, []).append(u.id)
    out: dict[str, list[dict]] = {}
    for attribute, values in groups.items():
        rows = []
        for value, ids in sorted(values.items()):
            conf = predictions.confidence[[row_of[i] for i in ids]]
            overall, _, _ = score_units(ids, predictions.codes, gold, predictions.suggested, conf, bootstrap=bootstrap)
            rows.append({"value": value, **{k: overall[k] for k in (
                "units", "units_with_gold", "kappa", "alpha", "alpha_ci", "macro_f1", "top1_accuracy", "top3_recall",
                "ece", "precision", "recall", "suggestions_per_100", "reject_share")}})
        out[attribute] = rows
    return out


def report_for(units: Sequence[Excerpt], transcripts: Sequence[Transcript], gold: Gold,
               coding: Mapping[str, frozenset[str]], predictions: Predictions, *, settings: dict,
               unmatched: int, bootstrap: int = 1000, training: dict | None = None,
               warnings: Sequence[str] = (), gold_summary: dict | None = None) -> EvalReport:
    overall, per_code, calibration = score_units(predictions.unit_ids, predictions.codes, coding,
                                                 predictions.suggested, predictions.confidence,
                                                 bootstrap=bootstrap)
    overall["gold_spans_unmatched"] = unmatched
    warns = list(warnings)
    # detection figures only where uncoded gold text means "no code" (pipeline.quality.detection)
    level = settings.get("level", "excerpt")
    settings = {**settings, "measured_over": LEVEL_NAMES.get(level, level)}
    overall["uncoded_share"] = uncoded_share(predictions.unit_ids, coding)
    withheld = detection_withheld(level, overall["uncoded_share"])
    rows = breakdown(units, transcripts, coding, predictions, bootstrap=min(bootstrap, 200))
    if withheld:
        overall = withhold(overall)
        rows = {k: [withhold(r) for r in v] for k, v in rows.items()}
        warns.append(withheld)
    else:
        settings["detection_assumes"] = "uncoded respondent text in the gold documents means no code applies"
    summary = dict(gold_summary) if gold_summary is not None else gold.summary()
    summary["spans_evaluated"] = len(gold.spans)
    if summary["unlocated"]:
        warns.append(f"{len(summary['unlocated'])} of {summary['segments_read']} gold segments could not be "
                     f"located in the transcripts (listed under gold.unlocated)")
    if summary["unknown_codes"]:
        listing = ", ".join(f"{c!r} ({n})" for c, n in summary["unknown_codes"].items())
        warns.append(f"gold codes not in the codebook were left out: {listing}")
    if unmatched:
        warns.append(f"{unmatched} gold spans reach no unit (e.g. interviewer speech at the excerpt level)")
    return EvalReport(settings=settings, gold=summary, overall=overall, per_code=per_code, breakdown=rows,
                      calibration=calibration, training=training, warnings=warns)


def default_out_dir(root: Path = Path("outputs")) -> Path:
    return root / f"eval-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}"


def write_report(report: EvalReport, out_dir: Path) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "eval.json", "html": out_dir / "eval.html"}
    paths["json"].write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    return paths


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, float) for v in value):
        return f"[{value[0]:.3f}, {value[1]:.3f}]"
    return str(value)


def _table(rows: Sequence[Mapping], columns: Sequence[str]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{e(_fmt(r.get(c)))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_title(report: EvalReport) -> str:
    """What was compared, over which units: e.g. "prototype.v1 vs human codes, excerpt level, all
    respondent speech, 1,234 units"."""
    s = report.settings
    who = f"{s['mapper']} vs human codes"
    over = s.get("measured_over") or LEVEL_NAMES.get(s["level"], s["level"])
    return f"{who}, {over}, {report.overall.get('units', 0):,} units"


def render_html(report: EvalReport) -> str:
    """A small self-contained page: no scripts, nothing loaded from anywhere, every value escaped."""
    e = html.escape
    overall_rows = [{"measure": k, "value": v} for k, v in report.overall.items()]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>qualflow eval</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}td:first-child,th:first-child"
        "{text-align:left}.warn{color:#a50}</style></head><body>",
        "<h1>Agreement with human coders</h1>",
        f"<p><strong>{e(report_title(report))}</strong></p>",
        "<p>" + e(", ".join(f"{k}: {v}" for k, v in report.settings.items())) + "</p>",
    ]
    parts += [f"<p class='warn'>{e(w)}</p>" for w in report.warnings]
    parts += ["<h2>Overall</h2>", _table(overall_rows, ["measure", "value"]),
              "<h2>Per code</h2>",
              _table(report.per_code, ["code", "support", "predicted", "precision", "recall", "f1", "kappa"])]
    for attribute, rows in report.breakdown.items():
        parts += [f"<h2>By {e(attribute)}</h2>",
                  _table(rows, ["value", "units", "units_with_gold", "kappa", "alpha", "macro_f1",
                                "top1_accuracy", "top3_recall", "ece"])]
    if report.calibration:
        parts += [f"<h2>Calibration (ECE {e(_fmt(report.calibration.get('ece')))})</h2>",
                  _table(report.calibration["bins"], ["bin", "count", "mean_confidence", "observed"])]
    if report.simulation is not None:

        parts.append(simulation_html(report.simulation, report.simulation_review or {}))
    unlocated = report.gold.get("unlocated") or []
    if unlocated:
        parts += ["<h2>Gold segments not located</h2>",
                  _table(unlocated, ["document", "source", "why", "content"])]
    parts.append("</body></html>")
    return "\n".join(parts)


def simulation_html(points: Sequence[Mapping], summary: Mapping) -> str:
    """eval.html's section: settings, the learning curve, the points and the reliability of decisions."""

    e = html.escape
    settings = summary.get("settings", {})
    reliability = summary.get("reliability", {})
    parts = ["<h2>Simulated review: learning from decisions</h2>",
             "<p>" + e(", ".join(f"{k}: {v}" for k, v in settings.items())) + "</p>"]
    parts += [f"<p class='warn'>{e(w)}</p>" for w in summary.get("warnings", [])]
    parts += [learning_curve_svg(points),
              _table(points, ["decisions", "from_queue", "from_browsing", "excerpts_left", "macro_f1", "precision",
                              "recall", "suggestions_per_100", "reviewed_suggestions", "accepted_share"])]
    if reliability.get("bins"):
        parts += [f"<h3>Confidence of reviewed suggestions against acceptance "
                  f"(ECE {e(_fmt(reliability.get('ece')))}, {e(str(reliability.get('count')))} suggestions)</h3>",
                  _table(reliability["bins"], ["bin", "count", "mean_confidence", "observed"])]
    return "\n".join(parts)


# --------------------------------------------------------------------------------------
# The learning curve, for eval.html
# --------------------------------------------------------------------------------------

CURVES = (("macro_f1", "macro-F1", "#1f77b4"), ("precision", "precision", "#2ca02c"), ("recall", "recall", "#d62728"))


def learning_curve_svg(points: Sequence[Mapping], width: int = 560, height: int = 260) -> str:
    """An inline SVG of macro-F1, precision and recall against decisions (no script, every label escaped)."""
    e = html.escape
    left, right, top, bottom = 48, 120, 12, 36
    w, h = width - left - right, height - top - bottom
    xs = [int(p["decisions"]) for p in points]
    x_max = max(xs + [1])

    def x(v: float) -> float:
        return left + w * v / x_max

    def y(v: float) -> float:
        return top + h * (1 - v)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="learning curve">',
             f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="none" stroke="#999"/>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{left}" x2="{left + w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#eee"/>'
                     f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">'
                     f'{e(f"{tick:.2f}")}</text>')
    for v in sorted(set(xs)):
        parts.append(f'<text x="{x(v):.1f}" y="{top + h + 16}" font-size="11" text-anchor="middle">{e(str(v))}</text>')
    parts.append(f'<text x="{left + w / 2:.1f}" y="{height - 4}" font-size="11" text-anchor="middle">'
                 f'{e("decisions")}</text>')
    for k, (key, label, colour) in enumerate(CURVES):
        pts = [(x(p["decisions"]), y(float(p[key]))) for p in points if p.get(key) is not None]
        if pts:
            path = " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
            parts += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}"/>' for a, b in pts]
        parts.append(f'<text x="{left + w + 10}" y="{top + 14 + 16 * k}" font-size="12" fill="{colour}">'
                     f'{e(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["EvalReport", "breakdown", "default_out_dir", "learning_curve_svg", "render_html", "report_for", "report_title",
           "simulation_html", "write_report"]
