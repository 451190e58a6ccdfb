"""The study switcher: every study of the store, and choosing the one the pages show."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from app.permissions import CurrentUser, can_switch_study, home_for
from app.web import chosen_study, local_path, remember_study, render, require, store_of
from pipeline.store import studies

router = APIRouter()


@router.get("/studies")
def study_list(request: Request, user: CurrentUser = Depends(require(can_switch_study)), study: str = "",
               next: str = ""):
    """With ``?study=NAME``: remember that study for this browser and go to ``next`` (or home)."""
    with store_of(request).session() as s:
        if study:
            studies.get_study(s, study)  # 404 naming the studies there are
            return remember_study(RedirectResponse(local_path(next, home_for(user)), status_code=303), request,
                                  study)
        rows = studies.studies(s)
    return render(request, "studies.html", rows=rows, chosen=chosen_study(request))
