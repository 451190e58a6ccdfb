"""Every route, walked by every role and by nobody: the expected status of each is in ROUTES.

A route added to the app without a row here fails ``test_every_route_is_in_the_table``.
"""

from __future__ import annotations

import pytest

from app.main import api_routes
from app.permissions import CurrentUser
from tests.app import world

CITY, SIGNED_CITY = "Bologna", "Thessaloniki"
ANON_GET, ANON_POST = 303, 401  # pages redirect to the sign-in form; writes are refused

# (method, route path, concrete path, form data, {role: status})
GETS = [
    ("GET", "/", "/", {"admin": 303, "coder": 303, "validator": 303}),
    ("GET", "/login", "/login", {None: 200, "admin": 303, "coder": 303, "validator": 303}),
    ("GET", "/healthz", "/healthz", {None: 200, "admin": 200, "coder": 200, "validator": 200}),
    ("GET", "/account", "/account", {"admin": 200, "coder": 200, "validator": 200}),
    ("GET", "/studies", "/studies", {"admin": 200, "coder": 200, "validator": 200}),
    ("GET", "/queue", "/queue", {"admin": 403, "coder": 200, "validator": 403}),
    ("GET", "/transcripts/{transcript_id}", "/transcripts/BO-01", {"admin": 200, "coder": 200, "validator": 200}),
    ("GET", "/themes", "/themes", {"admin": 200, "coder": 200, "validator": 403}),
    ("GET", "/cities", "/cities", {"admin": 200, "coder": 403, "validator": 200}),
    ("GET", "/cities/{city}", f"/cities/{CITY}", {"admin": 200, "coder": 403, "validator": 200}),
    ("GET", "/cities/{city}/evidence", f"/cities/{CITY}/evidence?code=funding_calls",
     {"admin": 200, "coder": 403, "validator": 200}),
    ("GET", "/cities/{city}/signoffs/{signoff_id}", f"/cities/{SIGNED_CITY}/signoffs/{{signoff}}",
     {"admin": 200, "coder": 403, "validator": 200}),
    ("GET", "/cities/{city}/signoffs/{signoff_id}/export.html", f"/cities/{SIGNED_CITY}/signoffs/{{signoff}}/export.html",
     {"admin": 200, "coder": 403, "validator": 200}),
    ("GET", "/cities/{city}/signoffs/{signoff_id}/export.pdf", f"/cities/{SIGNED_CITY}/signoffs/{{signoff}}/export.pdf",
     {"admin": 200, "coder": 403, "validator": 200}),
    ("GET", "/comparison", "/comparison", {"admin": 200, "coder": 403, "validator": 200}),
    ("GET", "/comparison/signoffs/{signoff_id}/export.pdf", "/comparison/signoffs/{comparison_signoff}/export.pdf",
     {"admin": 200, "coder": 403, "validator": 200}),
    ("GET", "/admin", "/admin", {"admin": 200, "coder": 403, "validator": 403}),
    ("GET", "/admin/codebook", "/admin/codebook", {"admin": 200, "coder": 403, "validator": 403}),
    ("GET", "/admin/users", "/admin/users", {"admin": 200, "coder": 403, "validator": 403}),
    ("GET", "/admin/assignments", "/admin/assignments", {"admin": 200, "coder": 403, "validator": 403}),
    ("GET", "/admin/agreement", "/admin/agreement", {"admin": 200, "coder": 403, "validator": 403}),
    ("GET", "/admin/reconcile", "/admin/reconcile", {"admin": 200, "coder": 403, "validator": 200}),
    ("GET", "/admin/audit", "/admin/audit", {"admin": 200, "coder": 403, "validator": 403}),
    ("GET", "/admin/audit.csv", "/admin/audit.csv", {"admin": 200, "coder": 403, "validator": 403}),
]
# in this order: the undo undoes the decision before it, the code needs the name, the password change
# keeps the session that makes it, sign-out is last
POSTS = [
    ("POST", "/suggestions/{suggestion_id}/decision", "/suggestions/{suggestion}/decision",
     {"action": "accept", "version": "{version}"}, {"admin": 403, "coder": 303, "validator": 403}),
    ("POST", "/queue/undo", "/queue/undo", {}, {"admin": 403, "coder": 303, "validator": 403}),
    # every excerpt of the world has a suggestion, so a spot-check answer is refused as bad input (400)
    ("POST", "/excerpts/{excerpt_id}/check", "/excerpts/{excerpt}/check", {}, {"admin": 403, "coder": 400,
                                                                             "validator": 403}),
    ("POST", "/excerpts/{excerpt_id}/memos", "/excerpts/{excerpt}/memos", {"text": "a note"},
     {"admin": 403, "coder": 303, "validator": 303}),
    ("POST", "/themes/{topic_id}/name", "/themes/1/name", {"name": "Face-to-face help"},
     {"admin": 303, "coder": 303, "validator": 403}),
    ("POST", "/themes/{topic_id}/code", "/themes/1/code", {}, {"admin": 303, "coder": 303, "validator": 403}),
    ("POST", "/cities/{city}/narrative", f"/cities/{CITY}/narrative", {"text": "Funding dominates."},
     {"admin": 403, "coder": 403, "validator": 303}),
    ("POST", "/cities/{city}/signoff", f"/cities/{CITY}/signoff", {"comment": "ok", "content_sha256": "{sha}"},
     {"admin": 403, "coder": 403, "validator": 303}),
    ("POST", "/comparison/narrative", "/comparison/narrative", {"text": "Trust is common to all."},
     {"admin": 403, "coder": 403, "validator": 303}),
    ("POST", "/comparison/signoff", "/comparison/signoff", {"comment": "ok", "content_sha256": "{comparison_sha}"},
     {"admin": 403, "coder": 403, "validator": 303}),
    ("POST", "/admin/users", "/admin/users", {"username": "new", "role": "coder", "password": "long enough pw"},
     {"admin": 303, "coder": 403, "validator": 403}),
    ("POST", "/admin/users/{user_id}/active", "/admin/users/{coder2}/active", {"active": "0"},
     {"admin": 303, "coder": 403, "validator": 403}),
    ("POST", "/admin/users/{user_id}/password", "/admin/users/{coder2}/password", {"password": "temporary password"},
     {"admin": 303, "coder": 403, "validator": 403}),
    ("POST", "/admin/assignments", "/admin/assignments", {"coders": "{coder2}", "count": "1"},
     {"admin": 303, "coder": 403, "validator": 403}),
    # no excerpt of the world is double-coded, so the admin's reconciliation is refused as bad input (400)
    ("POST", "/admin/reconcile/{excerpt_id}", "/admin/reconcile/{excerpt}", {"version": "0", "codes": "trust"},
     {"admin": 400, "coder": 403, "validator": 403}),
    ("POST", "/account/password", "/account/password",
     {"current": world.PASSWORD, "password": "a brand new password", "repeat": "a brand new password"},
     {"admin": 303, "coder": 303, "validator": 303}),
    ("POST", "/login", "/login", {"username": "ana", "password": world.PASSWORD},
     {None: 403, "admin": 403, "coder": 403, "validator": 403}),
    ("POST", "/logout", "/logout", {}, {"admin": 303, "coder": 303, "validator": 303}),
]
ROLES = [None, "admin", "coder", "validator"]


def test_every_route_is_in_the_table(application):
    served = {(method, r.path) for r in api_routes(application) for method in r.methods if method != "HEAD"}
    table = {(method, path) for method, path, *_ in GETS + POSTS}
    assert served == table


def test_every_protected_route_checks_a_named_permission(application):
    open_routes = {"/login", "/healthz"}
    for r in api_routes(application):
        if r.path in open_routes:
            continue
        checks = [d.call for d in r.dependant.dependencies if hasattr(d.call, "permission")]
        assert checks, f"{r.path} checks no permission"
        name = checks[0].permission.__name__
        assert name.startswith(("can_", "is_")), name
        if "POST" in r.methods:  # every write checks the CSRF token
            assert checks[0].write, f"{r.path} takes no CSRF token"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_route_table(role, client_for, store, users):
    from app import study, summaries
    from pipeline.store import models as m

    with store.session() as s:
        run = s.get(m.Run, world.RUN)
    validator = CurrentUser(users["validator"], "vera", "validator")
    with store.session() as s:
        signed_sha = summaries.city_state(s, run, SIGNED_CITY).sha256
    signed = summaries.sign_off(store, validator, run, SIGNED_CITY, "fine", signed_sha)
    # a comparison signed earlier, on decisions that have changed since: exportable, not locked
    from datetime import datetime, timezone

    with store.transaction() as s:
        earlier = summaries.comparison_content(s, run, "")
        earlier["basis"]["last_decision_id"] = -1
        signed_across = m.SignOff(run_id=run.id, city=study.ACROSS_CITY, user_id=users["validator"], comment="",
                                  content=earlier, content_sha256=summaries.content_sha256(earlier),
                                  signed_at=datetime.now(timezone.utc))
        s.add(signed_across)
        s.flush()
        signed_across_id = signed_across.id
    with store.session() as s:
        # what the validator will see after the narrative POST that comes before the sign-off
        sha = summaries.content_sha256(summaries.summary_content(s, run, CITY, "Funding dominates."))
        comparison_sha = summaries.content_sha256(summaries.comparison_content(s, run, "Trust is common to all."))
    suggestion = world.suggestion_ids(store)[(0, "funding_calls")]
    values = {"signoff": signed.id, "suggestion": suggestion, "version": world.version_of(store, suggestion),
              "excerpt": world.excerpts()[0].id, "sha": sha, "coder2": users["coder2"],
              "comparison_sha": comparison_sha, "comparison_signoff": signed_across_id}

    client = client_for(role)
    seen = {}
    for method, _, path, *rest in GETS + POSTS:
        expected = rest[-1].get(role, ANON_GET if method == "GET" else ANON_POST)
        url = path.format(**values)
        if method == "GET":
            response = client.get(url)
        else:
            data = {k: v.format(**values) for k, v in rest[0].items()}
            response = client.post(url, data)
        seen[(method, url)] = (response.status_code, expected)
    wrong = {k: v for k, v in seen.items() if v[0] != v[1]}
    assert not wrong, f"(got, expected) for role {role}: {wrong}"


def test_anonymous_pages_redirect_to_sign_in_and_come_back(client_for):
    anon = client_for(None)
    response = anon.get("/cities/Bologna?run=" + world.RUN)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcities%2FBologna%3Frun%3D" + world.RUN
    page = anon.client.get(response.headers["location"])
    assert 'name="next" value="/cities/Bologna?run=' in page.text


def test_every_page_sends_security_headers(client_for):
    response = client_for("coder").get("/queue")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
