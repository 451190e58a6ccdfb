"""Two studies in one store: the switcher, per-study pages, sign-offs, audit log, read-only earlier runs."""

from __future__ import annotations

from pipeline.store import models as m
from pipeline.store.repository import Repository
from tests.app import world


def test_pages_follow_the_chosen_study(client_for, store):
    world.seed_other_study(store)  # newer than the first study's run
    coder = client_for("coder")
    # nothing chosen yet: the store's newest run, which is Budapest's
    page = coder.get("/queue")
    assert page.status_code == 200 and "pályázatok" in page.text and "bandi pubblici" not in page.text
    assert 'value="budapest" selected' in page.text  # the switcher shows where we are

    switched = coder.get("/studies?study=test&next=/queue")
    assert switched.status_code == 303 and switched.headers["location"] == "/queue"
    page = coder.get("/queue")
    assert "bandi pubblici" in page.text and "pályázatok" not in page.text
    assert 'value="test" selected' in page.text

    validator = client_for("validator")
    assert validator.get("/cities/Budapest").status_code == 200
    assert validator.get("/cities/Bologna").status_code == 404  # not a city of study budapest
    validator.get("/studies?study=test")
    assert validator.get("/cities/Bologna").status_code == 200
    assert validator.get("/cities/Budapest").status_code == 404
    assert validator.get("/studies?study=nowhere").status_code == 404


def test_the_studies_page_counts_runs_transcripts_coders_and_signoffs(client_for, store, users):
    from app import summaries
    from app.permissions import CurrentUser

    world.seed_other_study(store)
    coder = client_for("coder")
    coder.get("/studies?study=budapest")
    sid = next(iter(world.suggestion_ids_of(store, world.OTHER_RUN)))
    with store.session() as s:
        version = s.get(m.SuggestionRow, sid).version
    assert coder.post(f"/suggestions/{sid}/decision", {"action": "accept", "version": version}).status_code == 303
    with store.session() as s:
        run = s.get(m.Run, world.OTHER_RUN)
        sha = summaries.city_state(s, run, "Budapest").sha256
    summaries.sign_off(store, CurrentUser(users["validator"], "vera", "validator"), run, "Budapest", "ok", sha)

    page = coder.get("/studies").text
    row = page[page.index("<td>budapest</td>"):].split("</tr>")[0]
    assert "<td>1</td><td>r-bp-2026-01</td><td>1</td>" in row and "ana" in row
    assert row.count("<td>1</td>") == 3  # runs, transcripts, sign-offs
    other = page[page.index("<td>test</td>"):].split("</tr>")[0]
    assert "<td>3</td>" in other and "ana" not in other  # three transcripts, no decisions yet


def test_an_earlier_run_opens_read_only_and_refuses_changes(client_for, store):
    repo = Repository(store)
    # a newer run of the same study ("test"): the world's run becomes an earlier one
    repo.create_run("r-2026-02", "corpora/test", {})
    repo.finish_run("r-2026-02", status="completed", output_dir=None, summary={}, codebook_id=world.codebook().id)
    coder = client_for("coder")
    page = coder.get(f"/queue?run={world.RUN}")
    assert page.status_code == 200 and "earlier run of study" in page.text
    sid = world.suggestion_ids(store)[(0, "funding_calls")]
    refused = coder.post(f"/suggestions/{sid}/decision", {"action": "accept", "version": world.version_of(store, sid)},
                         json=True)
    assert refused.status_code == 409 and "read-only" in refused.json()["error"]
    validator = client_for("validator")
    assert validator.post("/cities/Bologna/narrative", {"run": world.RUN, "text": "x"}).status_code == 409
    with store.session() as s:
        assert s.query(m.Decision).count() == 0 and s.query(m.SummaryDraft).count() == 0


def test_the_audit_log_is_per_study(client_for, store):
    world.seed_other_study(store)
    coder = client_for("coder")
    coder.get("/studies?study=budapest")
    sid = next(iter(world.suggestion_ids_of(store, world.OTHER_RUN)))
    coder.post(f"/suggestions/{sid}/decision", {"action": "reject", "version": world.version_of(store, sid)})
    admin = client_for("admin")
    admin.get("/studies?study=test")
    log = admin.get("/admin/audit.csv")
    assert 'filename="qualflow-audit-test.csv"' in log.headers["content-disposition"]
    assert "decision_reject" not in log.text and "sign_in" in log.text  # sign-ins are store-wide
    admin.get("/studies?study=budapest")
    assert "decision_reject" in admin.get("/admin/audit.csv").text
    with store.session() as s:
        entry = s.query(m.AuditEntry).filter_by(action="decision_reject").one()
        assert entry.study == "budapest"
