"""Validators: city summaries from accepted codes, narratives, sign-off and export."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from app import study, summaries
from app.charts import grouped_bars
from app.data import city_key
from app.pdf import signed_summary_pdf
from app.permissions import CurrentUser, can_edit_narrative, can_read_summaries, can_sign_off
from app.web import STATIC, done, format_time, render, require, run_for, store_of
from pipeline.store.runs import cities_of

router = APIRouter()


def _evidence_href(city: str, run_id: str, code: str, *, role: str | None = None, section: str | None = None) -> str:
    from urllib.parse import urlencode

    query = {"run": run_id, "code": code}
    if role:
        query["role"] = role
    if section:
        query["section"] = section
    return f"/cities/{quote(city_key(city), safe='')}/evidence?{urlencode(query)}"


def charts(content: dict, *, links: bool = True) -> dict:
    """The page's two charts from summary content (signed or live)."""
    label = {c["name"]: c["label"] for c in content["codes"]}
    city, run_id = content["city"], content["run_id"]

    def group(rows, key, columns):
        index = {(r["code"], r[key]): r for r in rows}
        out = []
        for c in content["codes"]:
            bars = []
            for col in columns:
                r = index.get((c["name"], col))
                if r is None:
                    continue
                href = _evidence_href(city, run_id, c["name"], **{key: col}) if links else None
                bars.append((col.replace("_", " "), r["excerpts"], r["of_excerpts"], href))
            out.append((label[c["name"]], bars))
        return out

    return {
        "role": grouped_bars("Share of excerpts carrying each barrier, by respondent role",
                             group(content["prevalence_by_role"], "role", ["all", *content["roles"]])),
        "section": grouped_bars("Share of excerpts carrying each barrier, by interview-guide section",
                                group(content["prevalence_by_section"], "section", content["sections"])),
    }


@router.get("/cities")
def city_list(request: Request, user: CurrentUser = Depends(require(can_read_summaries)), run: str = ""):
    with store_of(request).session() as s:
        the_run = run_for(request, s, run)
        rows = []
        for city in cities_of(s, the_run.id):
            signed = summaries.signoffs_of(s, the_run.id, city)
            state = summaries.city_state(s, the_run, city) if signed else None
            rows.append({"city": city, "signed": signed[0] if signed else None,
                         "by": signed[0][1] if signed else None,
                         "changed": state.changed_since_signoff if state else False})
        signed = summaries.signoffs_of(s, the_run.id, study.ACROSS_CITY)
        comparison = {"signed": bool(signed), "by": signed[0][1] if signed else None,
                      "changed": summaries.city_state(s, the_run, study.ACROSS_CITY).changed_since_signoff
                      if signed and rows else False}
    return render(request, "cities.html", run=the_run, cities=rows, comparison=comparison)


@router.get("/cities/{city}")
def city_page(request: Request, city: str, user: CurrentUser = Depends(require(can_read_summaries)), run: str = ""):
    with store_of(request).session() as s:
        the_run = run_for(request, s, run)
        city = summaries.known_city(s, the_run.id, city)
        state = summaries.city_state(s, the_run, city)
        history = summaries.signoffs_of(s, the_run.id, city)
    return render(request, "city.html", run=the_run, city=city, state=state, content=state.content,
                  charts=charts(state.content), history=history, can_edit=can_edit_narrative(user) and not state.locked,
                  can_sign=can_sign_off(user) and not state.locked, links=True,
                  pictures=study.pictures(state.content), draft=study.draft_text(state.content))


@router.get("/comparison")
def comparison_page(request: Request, user: CurrentUser = Depends(require(can_read_summaries)), run: str = ""):
    with store_of(request).session() as s:
        the_run = run_for(request, s, run)
        state = summaries.city_state(s, the_run, study.ACROSS_CITY)
        history = summaries.signoffs_of(s, the_run.id, study.ACROSS_CITY)
    return render(request, "comparison.html", run=the_run, state=state, content=state.content, history=history,
                  can_edit=can_edit_narrative(user) and not state.locked,
                  can_sign=can_sign_off(user) and not state.locked, links=True,
                  pictures=study.pictures(state.content), draft=study.draft_text(state.content))


@router.post("/comparison/narrative")
def comparison_narrative(request: Request, user: CurrentUser = Depends(require(can_edit_narrative, write=True)),
                         run: str = Form(""), text: str = Form("")):
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run, write=True)
    summaries.save_narrative(store, user, the_run, study.ACROSS_CITY, text)
    return done(request, {"ok": True}, f"/comparison?run={quote(the_run.id)}")


@router.post("/comparison/signoff")
def comparison_signoff(request: Request, user: CurrentUser = Depends(require(can_sign_off, write=True)),
                       run: str = Form(""), comment: str = Form(""), content_sha256: str = Form("")):
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run, write=True)
    row = summaries.sign_off(store, user, the_run, study.ACROSS_CITY, comment, content_sha256)
    return done(request, {"ok": True, "signoff": row.id, "sha256": row.content_sha256},
                f"/comparison?run={quote(the_run.id)}")


@router.get("/comparison/signoffs/{signoff_id}/export.pdf")
def comparison_export_pdf(request: Request, signoff_id: int,
                          user: CurrentUser = Depends(require(can_read_summaries)), run: str = ""):
    with store_of(request).session() as s:
        the_run = run_for(request, s, run)
        row, validator = summaries.signoff(s, the_run.id, study.ACROSS_CITY, signoff_id)
    pdf = signed_summary_pdf(row.content, validator=validator, signed_at=format_time(row.signed_at), comment=row.comment,
                             sha256=row.content_sha256)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''across-cities-signed-{row.id}.pdf",
                             "Cache-Control": "no-store"})


@router.get("/cities/{city}/evidence")
def city_evidence(request: Request, city: str, user: CurrentUser = Depends(require(can_read_summaries)),
                  run: str = "", code: str = "", role: str = "", section: str = ""):
    with store_of(request).session() as s:
        the_run = run_for(request, s, run)
        city = summaries.known_city(s, the_run.id, city)
        rows = summaries.evidence(s, the_run, city, code, role or None, section or None)
    return render(request, "evidence.html", run=the_run, city=city, code=code, role=role, section=section, rows=rows)


@router.post("/cities/{city}/narrative")
def narrative(request: Request, city: str, user: CurrentUser = Depends(require(can_edit_narrative, write=True)),
              run: str = Form(""), text: str = Form("")):
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run, write=True)
        city = summaries.known_city(s, the_run.id, city)
    summaries.save_narrative(store, user, the_run, city, text)
    return done(request, {"ok": True}, f"/cities/{quote(city_key(city), safe='')}?run={quote(the_run.id)}")


@router.post("/cities/{city}/signoff")
def signoff(request: Request, city: str, user: CurrentUser = Depends(require(can_sign_off, write=True)),
            run: str = Form(""), comment: str = Form(""), content_sha256: str = Form("")):
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run, write=True)
        city = summaries.known_city(s, the_run.id, city)
    row = summaries.sign_off(store, user, the_run, city, comment, content_sha256)
    return done(request, {"ok": True, "signoff": row.id, "sha256": row.content_sha256},
                f"/cities/{quote(city_key(city), safe='')}?run={quote(the_run.id)}")


def _signed_pictures(content: dict) -> dict:
    """Pictures of a signed summary; one signed before the study's analysis existed has none."""
    return study.pictures(content) if "triangulation" in content else {}


def _signed(request: Request, city: str, signoff_id: int, run: str):
    """``(run, city name, sign-off, validator, verified)`` for a city key and sign-off id."""
    with store_of(request).session() as s:
        the_run = run_for(request, s, run)
        city = summaries.known_city(s, the_run.id, city)
        row, validator = summaries.signoff(s, the_run.id, city, signoff_id)
    verified = summaries.content_sha256(row.content) == row.content_sha256
    return the_run, city, row, validator, verified


@router.get("/cities/{city}/signoffs/{signoff_id}")
def signed_version(request: Request, city: str, signoff_id: int,
                   user: CurrentUser = Depends(require(can_read_summaries)), run: str = ""):
    the_run, city, row, validator, verified = _signed(request, city, signoff_id, run)
    return render(request, "signed.html", run=the_run, city=city, signoff=row, validator=validator,
                  verified=verified, content=row.content, charts=charts(row.content), links=True,
                  pictures=_signed_pictures(row.content))


@router.get("/cities/{city}/signoffs/{signoff_id}/export.html")
def export_html(request: Request, city: str, signoff_id: int,
                user: CurrentUser = Depends(require(can_read_summaries)), run: str = ""):
    the_run, city, row, validator, verified = _signed(request, city, signoff_id, run)
    # our own stylesheet, not user data: escaping it would turn "Segoe UI" into &#34;Segoe UI&#34;
    css = Markup((STATIC / "style.css").read_text(encoding="utf-8"))
    html = request.app.state.templates.get_template("export.html").render(
        city=city, signoff=row, validator=validator, verified=verified, content=row.content,
        charts=charts(row.content, links=False), css=css, links=False, pictures=_signed_pictures(row.content))
    name = f"{city}-signed-{row.id}.html"
    return HTMLResponse(html, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                                       "Cache-Control": "no-store"})


@router.get("/cities/{city}/signoffs/{signoff_id}/export.pdf")
def export_pdf(request: Request, city: str, signoff_id: int,
               user: CurrentUser = Depends(require(can_read_summaries)), run: str = ""):
    the_run, city, row, validator, verified = _signed(request, city, signoff_id, run)
    pdf = signed_summary_pdf(row.content, validator=validator, signed_at=format_time(row.signed_at), comment=row.comment,
                             sha256=row.content_sha256)
    name = f"{city}-signed-{row.id}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                             "Cache-Control": "no-store"})
