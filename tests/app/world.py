"""A small review world for the app's tests: three cities, four users, one completed run.

Built with the pipeline's own pieces (``make_transcript``, ``segment_transcript``, the
repository, the shipped codebook); no model is loaded. Suggestions get fixed confidences so
the queue's order is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select

from pipeline.codebook import load_codebook
from pipeline.codebook.load import DEFAULT_CODEBOOK
from pipeline.records import CategoryScore, ExcerptCoding, Suggestion, Topic, TopicAssignment
from pipeline.segment import segment_transcript
from pipeline.store import models as m
from pipeline.store.db import Store
from tests.factories import make_transcript, seed_completed_run

XSS = "<script>alert(1)</script>"
PASSWORD = "correct horse battery staple"
USERS = {"admin": "admin", "coder": "ana", "coder2": "ben", "validator": "vera"}
RUN = "r-2026-01"

TRANSCRIPTS = [
    make_transcript("BO-01", [
        ("Intervistatrice", "interviewer", "Quali difficoltà avete incontrato con i bandi?"),
        ("Genitore", "respondent", "Partecipare ai bandi pubblici è difficile per una piccola associazione. "
                                   "La rendicontazione richiede tempo che non abbiamo."),
        ("Intervistatrice", "interviewer", "Vi fidate degli altri genitori?"),
        ("Genitore", "respondent", "Non lascerei mio figlio con genitori che non conosco bene. "
                                   "Prima voglio sapere come vivono e che regole hanno in casa."),
    ], city="Bologna", role="parent"),
    make_transcript("BO-02", [
        ("Intervistatore", "interviewer", "Come funzionano i patti di collaborazione?"),
        ("Funzionaria", "respondent", "Il regolamento dei patti di collaborazione è scritto per i servizi formali. "
                                      "Per un gruppo di genitori è quasi impossibile rispettarlo."),
        ("Intervistatore", "interviewer", "E la tecnologia?"),
        ("Funzionaria", "respondent", f"Molti genitori non usano le piattaforme online del Comune. {XSS} "
                                      "Serve ancora lo sportello di persona."),
    ], city="Bologna", role="local_government"),
    make_transcript("TH-01", [
        ("Συνεντεύκτρια", "interviewer", "Ποιες δυσκολίες είχατε με τη χρηματοδότηση;"),
        ("Γονέας", "respondent", "Οι προσκλήσεις του δήμου είναι πολύ γραφειοκρατικές για έναν μικρό σύλλογο. "
                                 "Δεν έχουμε χρήματα να πληρώσουμε κάποιον να γράφει τις αιτήσεις."),
    ], city="Thessaloniki", role="parent", lang="el"),
]

# excerpt index (in segmentation order) → [(code, confidence)]: first item's confidences are known
PLAN = [
    [("funding_calls", 0.52), ("funding_calls/reporting", 0.81)],
    [("trust", 0.93)],
    [("regulation", 0.47)],
    [("digital_divide", 0.70), ("trust", 0.35)],
    [("funding_calls", 0.60)],
]


@lru_cache(maxsize=1)
def excerpts():
    out = [e for t in TRANSCRIPTS for e in segment_transcript(t)]
    assert len(out) >= len(PLAN), [e.text for e in out]
    return tuple(out)


@lru_cache(maxsize=1)
def codebook():
    return load_codebook(DEFAULT_CODEBOOK)


def seed(store: Store, *, users: bool = True, hasher=None) -> dict[str, int]:
    """Fill ``store``; returns user ids by role key (``admin``, ``coder``, ``coder2``, ``validator``)."""
    found = excerpts()
    codings = []
    for i, e in enumerate(found):
        plan = PLAN[i] if i < len(PLAN) else [("funding_calls", 0.9)]
        codings.append(ExcerptCoding(e.id, tuple(CategoryScore(c, s) for c, s in plan),
                                     tuple(Suggestion(e.id, c, s, f"close to {c} examples", r + 1)
                                           for r, (c, s) in enumerate(plan))))
    topics = [Topic(0, "bandi, fondi", ("bandi", "fondi"), 2, (found[0].id,), ("funding_calls",)),
              Topic(1, f"sportello, persona {XSS}", ("sportello", "persona"), 1, (found[3].id,), (), {}, True)]
    assignments = [TopicAssignment(e.id, 1 if i == 3 else 0) for i, e in enumerate(found)]
    seed_completed_run(store, RUN, transcripts=TRANSCRIPTS, excerpts=found, codebook=codebook(), codings=codings,
                       topics=topics, assignments=assignments, corpus="corpora/test")
    ids: dict[str, int] = {}
    if users:
        from app.auth import add_user

        for key, name in USERS.items():
            role = "coder" if key.startswith("coder") else key
            ids[key] = add_user(store, name, role, PASSWORD)
    return ids


def suggestion_ids(store: Store) -> dict[tuple[int, str], int]:
    """``(excerpt index, code)`` → suggestion id."""
    index = {e.id: i for i, e in enumerate(excerpts())}
    with store.session() as s:
        return {(index[e], c): sid for sid, e, c in s.execute(
            select(m.SuggestionRow.id, m.SuggestionRow.excerpt_id, m.SuggestionRow.code))}


def suggestion_ids_of(store: Store, run_id: str) -> list[int]:
    with store.session() as s:
        return list(s.scalars(select(m.SuggestionRow.id).where(m.SuggestionRow.run_id == run_id)
                              .order_by(m.SuggestionRow.id)))


def version_of(store: Store, suggestion_id: int) -> int:
    with store.session() as s:
        return s.get(m.SuggestionRow, suggestion_id).version


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')


def signed_sha(page: str) -> str:
    """The content hash a summary page asks the validator to sign."""
    return re.search(r'name="content_sha256" value="([0-9a-f]{64})"', page).group(1)


def accept(coder, store: Store, key: tuple[int, str]):
    """The coder accepts the suggestion of excerpt ``key[0]`` for code ``key[1]`` (asserting it worked)."""
    sid = suggestion_ids(store)[key]
    response = coder.post(f"/suggestions/{sid}/decision", {"action": "accept", "version": version_of(store, sid)},
                          json=True)
    assert response.status_code == 200, response.text
    return response


def login(client, username: str, password: str = PASSWORD, *, next_url: str = ""):
    """Sign ``client`` in through the form; returns the response to the POST."""
    page = client.get("/login")
    token = CSRF_INPUT.search(page.text).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": next_url}, follow_redirects=False)


def csrf_of(client) -> str:
    page = client.get("/login", follow_redirects=True)  # signed in: redirects to the home page
    found = CSRF_META.search(page.text)
    return found.group(1) if found else ""


@dataclass
class Signed:
    """A signed-in test client and its CSRF token."""

    client: object
    csrf: str
    user_id: int

    def post(self, url: str, data: dict | None = None, *, json: bool = False, **kw):
        headers = {"Accept": "application/json"} if json else {}
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, headers=headers,
                                follow_redirects=False, **kw)

    def get(self, url: str, **kw):
        return self.client.get(url, follow_redirects=False, **kw)


# -- a second study in the same store (tests/app/test_studies.py, the browser test) --------------

OTHER_STUDY, OTHER_RUN = "budapest", "r-bp-2026-01"
OTHER_TRANSCRIPTS = [
    make_transcript("BP-01", [
        ("Kérdező", "interviewer", "Milyen nehézségeik voltak a pályázatokkal?"),
        ("Szülő", "respondent", "A pályázatok elszámolása túl bonyolult egy kis egyesületnek. "
                                "Nincs pénzünk könyvelőre."),
    ], city="Budapest", role="parent", lang="hu"),
]


def seed_other_study(store: Store, *, started_later: bool = True) -> list[str]:
    """A completed run of study ``budapest`` (one Budapest interview); its excerpt ids."""
    from datetime import datetime, timedelta, timezone

    found = [e for t in OTHER_TRANSCRIPTS for e in segment_transcript(t)]
    codings = [ExcerptCoding(e.id, (CategoryScore("funding_calls", 0.8),),
                             (Suggestion(e.id, "funding_calls", 0.8, "close to funding_calls examples", 1),))
               for e in found]
    seed_completed_run(store, OTHER_RUN, transcripts=OTHER_TRANSCRIPTS, excerpts=found, codebook=codebook(),
                       codings=codings, corpus=f"corpora/{OTHER_STUDY}")
    with store.transaction() as s:  # started after (or before) the first study's run
        s.get(m.Run, OTHER_RUN).started_at = datetime.now(timezone.utc) + timedelta(
            minutes=5 if started_later else -5)
    return [e.id for e in found]
