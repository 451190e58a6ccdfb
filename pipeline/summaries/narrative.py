"""Policy narratives: extractive drafts, per city and across cities, structured barrier × condition.

Every claim is a sentence filled in from a template with figures counted by
``triangulate``, and carries links to what it rests on: excerpts (interview answers, open
survey answers, report passages with their page) and closed survey items. Quotes are the
excerpts' own words. No model writes anything; validators edit and sign off the draft.

A narrative is a plain dict (JSON-ready, for sign-off hashes): ``{"scope", "sections":
[{"barrier", "condition", "title", "claims": [claim]}]}``, a claim being ``{"key", "kind",
"text", "figures", "links"}`` and a link ``{"kind": "excerpt" | "survey_item", "id", "source",
"page"}``. ``check_links`` recomputes every figure and quote from the evidence.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from pipeline.summaries.triangulate import BarrierEvidence, Count, Quote, Triangulation, page_of, source_type

ACROSS = "all cities"
"""The scope of the cross-city comparison."""


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _excerpt_links(ids: Sequence[str], source: dict[str, tuple[str, int | None]]) -> list[dict]:
    return [{"kind": "excerpt", "id": i, "source": source[i][0], "page": source[i][1]} for i in ids]


def _quote_claim(key: str, q: Quote, intro: str, kind: str = "quote") -> dict:
    fallback = "survey respondent" if kind == "survey" else "unknown role"
    where = f"p. {q.page}" if q.page is not None else (q.role or fallback).replace("_", " ")
    return {"key": key, "kind": kind, "text": f"{intro}: \u201c{q.text}\u201d ({q.source_id}, {where}).",
            "figures": {}, "quote": q.text,
            "links": [{"kind": "excerpt", "id": q.excerpt_id, "source": q.source_id, "page": q.page}]}


def _closed_claim(key: str, item: dict, city: str) -> dict | None:
    label = item["label"] or item["item"]
    link = [{"kind": "survey_item", "id": item["item"], "source": city, "page": None}]
    if item["agree_share"] is not None:
        interval = (f" (95% interval {_pct(item['agree_low'])}\u2013{_pct(item['agree_high'])})"
                    if item["agree_low"] is not None and item["agree_high"] is not None else "")
        return {"key": key, "kind": "survey", "links": link,
                "text": f"{_pct(item['agree_share'])} of {item['n']} survey respondents in {city} "
                        + ("answered yes to" if item.get("kind") == "yes_no" else "agreed with")
                        + f" \u201c{label}\u201d{interval}.",
                "figures": {"agree_share": round(item["agree_share"], 4), "n": item["n"]}}
    if item["mean"] is not None:
        interval = (f" (95% interval {item['mean_low']:.2f}\u2013{item['mean_high']:.2f})"
                    if item["mean_low"] is not None and item["mean_high"] is not None else "")
        return {"key": key, "kind": "survey", "links": link,
                "text": f"Survey respondents in {city} (n = {item['n']}) rated \u201c{label}\u201d "
                        f"{item['mean']:.2f} on average{interval}.",
                "figures": {"mean": round(item["mean"], 4), "n": item["n"]}}
    return None


def city_narrative(tri: Triangulation, city: str, excerpts: Sequence[Any]) -> dict:
    """The extractive draft for one city: a section per barrier, then one per barrier × condition."""
    c = tri.city(city)
    source = {e.id: (e.transcript_id, page_of(e)) for e in excerpts}
    label = tri.labels
    sections = []
    for ev in c.barriers:
        b = label[ev.barrier]
        claims = [_interview_claim(ev, b, source)]
        if ev.quotes:
            claims.append(_quote_claim(f"{city}/{ev.barrier}/quote", ev.quotes[0], "An interviewee put it this way"))
        if ev.survey_answers.excerpts:
            a = ev.survey_answers
            claims.append({"key": f"{city}/{ev.barrier}/survey_open", "kind": "survey",
                           "text": f"{a.excerpts} of {a.of_excerpts} open survey answers in {city} raise {b.lower()}.",
                           "figures": {"excerpts": a.excerpts, "of_excerpts": a.of_excerpts},
                           "links": _excerpt_links(a.excerpt_ids, source)})
            claims.append(_quote_claim(f"{city}/{ev.barrier}/survey_quote", ev.survey_quotes[0],
                                       "A survey respondent wrote", "survey"))
        for n, item in enumerate(ev.closed_items):
            claim = _closed_claim(f"{city}/{ev.barrier}/closed/{item['item']}", item, city)
            if claim:
                claims.append(claim)
        if ev.documents.excerpts:
            d = ev.documents
            pages = sorted({p for q in d.excerpt_ids if (p := source[q][1]) is not None})
            claims.append({"key": f"{city}/{ev.barrier}/documents", "kind": "document",
                           "text": f"Official reports on {city} touch on {b.lower()} in {d.excerpts} passages of "
                                   f"{d.sources} documents" + (f" (pages {', '.join(map(str, pages))})." if pages else "."),
                           "figures": {"excerpts": d.excerpts, "sources": d.sources},
                           "links": _excerpt_links(d.excerpt_ids, source)})
            claims.append(_quote_claim(f"{city}/{ev.barrier}/document_quote", ev.document_quotes[0],
                                       "A report says", "document"))
        for flag in ev.flags:
            claims.append({"key": f"{city}/{ev.barrier}/flag/{flag.rule}", "kind": "flag",
                           "text": f"Sources disagree: {flag.message}", "figures": {},
                           "links": _excerpt_links(ev.interviews.excerpt_ids, source)})
        sections.append({"barrier": ev.barrier, "condition": None, "title": b, "claims": claims})
        for count in ev.by_condition:
            if not count.excerpts:
                continue
            k = label[count.key]
            claims = [{"key": f"{city}/{ev.barrier}/{count.key}", "kind": "interview",
                       "text": f"Read against {k.lower()}: {count.excerpts} of the {count.of_excerpts} interview "
                               f"excerpts on {b.lower()} in {city}, from {count.sources} interviews, raise it together "
                               f"with {k.lower()}.",
                       "figures": {"excerpts": count.excerpts, "of_excerpts": count.of_excerpts,
                                   "sources": count.sources},
                       "links": _excerpt_links(count.excerpt_ids, source)}]
            if count.key in ev.condition_quotes:
                claims.append(_quote_claim(f"{city}/{ev.barrier}/{count.key}/quote", ev.condition_quotes[count.key],
                                           "For example"))
            sections.append({"barrier": ev.barrier, "condition": count.key, "title": f"{b} \u00d7 {k}",
                             "claims": claims})
    return {"scope": city, "sections": sections}


def _interview_claim(ev: BarrierEvidence, b: str, source) -> dict:
    i = ev.interviews
    top = max((r for r in ev.by_role if r.excerpts), key=lambda r: (r.share, r.key), default=None)
    most = (f"; most often among {top.key.replace('_', ' ')} respondents ({top.excerpts} of {top.of_excerpts} of "
            f"their excerpts)") if top else ""
    return {"key": f"{ev.city}/{ev.barrier}/interviews", "kind": "interview",
            "text": f"In {ev.city}, {b.lower()} came up in {i.sources} of {i.of_sources} interviews "
                    f"({i.excerpts} of {i.of_excerpts} excerpts){most}.",
            "figures": {"sources": i.sources, "of_sources": i.of_sources, "excerpts": i.excerpts,
                        "of_excerpts": i.of_excerpts},
            "links": _excerpt_links(i.excerpt_ids, source)}


def comparison_narrative(tri: Triangulation, excerpts: Sequence[Any], rule_share: float | None = None) -> dict:
    """Common trends and differences across cities, per barrier and per barrier × condition.

    A barrier is a **common trend** when it came up in at least ``rule_share`` (default the
    rule's ``dense_interviews``) of the interviews of every city; otherwise the claim names the
    cities where it was most and least present."""
    share = tri.rule.dense_interviews if rule_share is None else rule_share
    source = {e.id: (e.transcript_id, page_of(e)) for e in excerpts}
    label = tri.labels
    cities = [c for c in tri.cities if c.interviews]
    sections = []
    for barrier in tri.barriers:
        b = label[barrier]
        per = [(c.city, next(ev for ev in c.barriers if ev.barrier == barrier)) for c in cities]
        if not per:
            continue
        listing = ", ".join(f"{city} {ev.interviews.sources}/{ev.interviews.of_sources}" for city, ev in per)
        ids = [i for _, ev in per for i in ev.interviews.excerpt_ids]
        figures = {city: ev.interviews.sources for city, ev in per}
        if all(ev.interviews.source_share >= share for _, ev in per):
            text = f"Common trend: {b.lower()} came up in every city (interviews: {listing})."
            kind = "trend"
        else:
            hi = max(per, key=lambda p: (p[1].interviews.source_share, p[0]))
            lo = min(per, key=lambda p: (p[1].interviews.source_share, p[0]))
            text = (f"Difference: {b.lower()} was most present in {hi[0]} ({hi[1].interviews.sources} of "
                    f"{hi[1].interviews.of_sources} interviews) and least in {lo[0]} ({lo[1].interviews.sources} of "
                    f"{lo[1].interviews.of_sources}); interviews: {listing}.")
            kind = "difference"
        claims = [{"key": f"{ACROSS}/{barrier}", "kind": kind, "text": text, "figures": figures,
                   "links": _excerpt_links(ids, source)}]
        items: dict[str, list[dict]] = {}
        for city, ev in per:
            for item in ev.closed_items:
                if item["agree_share"] is not None:
                    items.setdefault(item["item"], []).append(item)
        for item_id, rows in items.items():
            rows.sort(key=lambda r: (r["agree_share"], r["city"]))
            lo, hi = rows[0], rows[-1]
            claims.append({"key": f"{ACROSS}/{barrier}/closed/{item_id}", "kind": "survey",
                           "text": ("Yes answers to" if hi.get("kind") == "yes_no" else "Agreement with")
                                   + f" \u201c{hi['label'] or item_id}\u201d ranged from "
                                   f"{_pct(lo['agree_share'])} in {lo['city']} to {_pct(hi['agree_share'])} in "
                                   f"{hi['city']}.",
                           "figures": {r["city"]: round(r["agree_share"], 4) for r in rows},
                           "links": [{"kind": "survey_item", "id": item_id, "source": r["city"], "page": None}
                                     for r in rows]})
        sections.append({"barrier": barrier, "condition": None, "title": b, "claims": claims})
        for condition in tri.conditions:
            counts = [(city, next(c for c in ev.by_condition if c.key == condition)) for city, ev in per]
            present = [(city, c) for city, c in counts if c.excerpts]
            if not present:
                continue
            k = label[condition]
            listing = ", ".join(f"{city} {c.excerpts}" for city, c in counts)
            claims = [{"key": f"{ACROSS}/{barrier}/{condition}",
                       "kind": "trend" if len(present) == len(counts) else "difference",
                       "text": f"{b} was raised together with {k.lower()} in {len(present)} of {len(counts)} cities "
                               f"(interview excerpts: {listing}).",
                       "figures": {city: c.excerpts for city, c in counts},
                       "links": _excerpt_links([i for _, c in counts for i in c.excerpt_ids], source)}]
            sections.append({"barrier": barrier, "condition": condition, "title": f"{b} \u00d7 {k}",
                             "claims": claims})
    return {"scope": ACROSS, "sections": sections}


def check_links(narrative: dict, excerpts: Sequence[Any], codes_of: Mapping[str, Mapping[str, float]],
                transcripts: Mapping[str, Any], closed_items: Sequence[dict] = ()) -> list[str]:
    """Problems found when every claim's figures and quotes are recomputed from its links
    (empty: every figure and quote resolves to its evidence). ``codes_of`` with parents added."""
    by_id = {e.id: e for e in excerpts}
    items = {(i["item"], i["city"]): i for i in closed_items}
    problems = []
    for section in narrative["sections"]:
        wanted = {section["barrier"]} | ({section["condition"]} if section["condition"] else set())
        for claim in section["claims"]:
            key = claim["key"]
            linked = [by_id.get(link["id"]) for link in claim["links"] if link["kind"] == "excerpt"]
            if any(e is None for e in linked):
                problems.append(f"{key}: links an excerpt that does not exist")
                continue
            for e in linked:
                if claim["kind"] != "flag" and not wanted <= set(codes_of.get(e.id, {})):
                    problems.append(f"{key}: excerpt {e.id} does not carry {', '.join(sorted(wanted))}")
            for link in claim["links"]:
                e = by_id.get(link["id"]) if link["kind"] == "excerpt" else None
                if e is not None and (link["page"] != page_of(e) or link["source"] != e.transcript_id):
                    problems.append(f"{key}: link to {e.id} names the wrong page or source")
                if link["kind"] == "survey_item" and (link["id"], link["source"]) not in items:
                    problems.append(f"{key}: links a survey item that does not exist")
            if "quote" in claim and (len(linked) != 1 or linked[0].text != claim["quote"]
                                     or claim["quote"] not in claim["text"]):
                problems.append(f"{key}: the quote is not its excerpt's text")
            figures = claim["figures"]
            if "excerpts" in figures and figures["excerpts"] != len(linked):
                problems.append(f"{key}: says {figures['excerpts']} excerpts but links {len(linked)}")
            if "sources" in figures and figures["sources"] != len({e.transcript_id for e in linked}):
                problems.append(f"{key}: says {figures['sources']} sources but links another number")
            for link in claim["links"]:
                item = items.get((link["id"], link["source"])) if link["kind"] == "survey_item" else None
                if item is None:
                    continue
                mine = figures.get("agree_share", figures.get(link["source"]))
                if item["agree_share"] is not None and mine is not None and abs(mine - item["agree_share"]) > 1e-4:
                    problems.append(f"{key}: says {mine} agree but the survey says {item['agree_share']}")
            if narrative["scope"] == ACROSS and claim["kind"] in ("trend", "difference") and linked:
                per_city: dict[str, set] = {}
                for e in linked:
                    per_city.setdefault(transcripts[e.transcript_id].city or "unknown", set()).add(
                        e.transcript_id if section["condition"] is None else e.id)
                for city, n in figures.items():
                    if n and len(per_city.get(city, ())) != n:
                        problems.append(f"{key}: says {n} for {city} but links {len(per_city.get(city, ()))}")
    return problems


def render_narrative_markdown(narrative: dict, *, title: str) -> str:
    """The narrative as Markdown, each claim followed by what it rests on."""
    lines = [f"## {title}", "", "_Extractive draft: every sentence is counted or quoted from the evidence it links; "
             "validators edit and sign it off._", ""]
    for section in narrative["sections"]:
        lines += [f"### {section['title']}", ""]
        for claim in section["claims"]:
            refs = []
            for link in claim["links"][:8]:
                refs.append(f"`{link['id']}`" + (f" p. {link['page']}" if link["page"] is not None else ""))
            more = f" and {len(claim['links']) - 8} more" if len(claim["links"]) > 8 else ""
            lines.append(f"- {claim['text'].replace(chr(10), ' ')}" + (f" [{', '.join(refs)}{more}]" if refs else ""))
        lines.append("")
    return "\n".join(lines)


__all__ = ["ACROSS", "check_links", "city_narrative", "comparison_narrative", "render_narrative_markdown"]
