"""A small coded study in five languages for the exchange tests, built through the real
segmenter and repository, with coders' decisions, memos and open suggestions."""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import create_engine, func, inspect, select, text

from pipeline.codebook import DEFAULT_CODEBOOK, codebook_to_dict, load_codebook
from pipeline.records import CategoryScore, Excerpt, ExcerptCoding, Suggestion
from pipeline.segment import segment_transcript
from pipeline.store import models as m
from pipeline.store.db import Store
from pipeline.store.repository import Repository
from tests.factories import make_transcript, seed_completed_run

RUN = "r1"

TRANSCRIPTS = [
    make_transcript("BO-01", [
        ("Intervistatrice", "interviewer", "Quali difficoltà avete incontrato con i bandi?"),
        ("Genitore", "respondent", "Partecipare ai bandi pubblici è difficile per una piccola associazione. "
                                   "La rendicontazione richiede tempo che non abbiamo, perché siamo volontari. "
                                   "Il sito del Comune mostrava <script>alert('bando')</script> invece del modulo."),
        ("Intervistatrice", "interviewer", "E la fiducia tra genitori?"),
        ("Genitore", "respondent", "Tra noi genitori ci fidiamo, ci conosciamo da anni e ci aiutiamo sempre."),
    ], city="Bologna", lang="it"),
    make_transcript("BU-01", [
        ("Kérdező", "interviewer", "Milyen nehézségekkel találkoztak az önkormányzattal?"),
        ("Szülő", "respondent", "Őszintén szólva az önkormányzattal nagyon nehéz együttműködni. "
                                "A szabályok túl szigorúak egy kis egyesület számára, és a pályázatok bonyolultak."),
    ], city="Budapest", role="local_organisation", lang="hu"),
    make_transcript("TH-01", [
        ("Συνεντεύκτρια", "interviewer", "Εμπιστεύεστε τον δήμο;"),
        ("Γονέας", "respondent", "Δεν εμπιστευόμαστε τον δήμο, γιατί οι υποσχέσεις δεν τηρούνται ποτέ. "
                                 "Η χρηματοδότηση αργεί πάντα και τα παιδιά περιμένουν."),
    ], city="Thessaloniki", role="parent", lang="el"),
    make_transcript("KO-01", [
        ("Interviewer", "interviewer", "Hoe verloopt de samenwerking met de stad?"),
        ("Ouder", "respondent", "De stad werkt niet mee 🙂 en de regels voor de opvang zijn echt te streng. "
                                "We vinden ook geen betaalbare woning in de buurt van de crèche."),
    ], city="Kortrijk", role="parent", lang="nl"),
    make_transcript("EN-01", [
        ("Interviewer", "interviewer", "How do you find information about childcare?"),
        ("Parent", "respondent", "Everything is online now 👩‍👧 and my mother can't use the app at all. "
                                 "The <b>portal</b> & the forms only work on a computer, not on a phone."),
        ("Interviewer", "interviewer", "What would help? 🙂"),
        ("Parent", "respondent", "A phone number to call, and someone who answers in English or in Italian."),
    ], city="Bologna", role="parent", lang="en"),
]


@dataclass
class Study:
    store: Store
    excerpts: dict[str, list[Excerpt]]
    """transcript id -> its excerpts, in order"""
    users: dict[str, int]

    def excerpt(self, transcript_id: str, i: int = 0) -> Excerpt:
        return self.excerpts[transcript_id][i]


def load_transcripts(store: Store, *, codebook: bool = True, run: bool = True) -> dict[str, list[Excerpt]]:
    """The study's transcripts and excerpts in ``store``; with ``run``, a completed run that saw
    them all (with the codebook, without suggestions)."""
    repo = Repository(store)
    repo.save_transcripts(TRANSCRIPTS)
    excerpts = {t.id: segment_transcript(t) for t in TRANSCRIPTS}
    repo.save_excerpts([e for es in excerpts.values() for e in es])
    book = load_codebook(DEFAULT_CODEBOOK) if codebook else None
    if book is not None:
        repo.save_codebook(book, codebook_to_dict(book))
    if run:
        codings = [ExcerptCoding(e.id, (CategoryScore("trust", 0.1),), ()) for es in excerpts.values() for e in es]
        seed_completed_run(store, RUN, codebook=book, codings=codings, corpus="study")
    return excerpts


def build_study(url: str) -> Study:
    """The coded study: see the comments for what each coder did."""
    store = Store(url)
    excerpts = load_transcripts(store, run=False)
    book = load_codebook(DEFAULT_CODEBOOK)
    e = {tid: es for tid, es in excerpts.items()}
    bo0, bo1, bu0, th0, ko0, en0 = e["BO-01"][0], e["BO-01"][1], e["BU-01"][0], e["TH-01"][0], e["KO-01"][0], e["EN-01"][0]
    en1 = e["EN-01"][1]  # after two emoji: its code-point and UTF-16 offsets differ

    def sug(x: Excerpt, code: str, conf: float, rank: int = 1) -> Suggestion:
        return Suggestion(x.id, code, conf, f"close to the examples of {code}", rank)

    suggested = {bo0.id: [sug(bo0, "funding_calls", 0.91), sug(bo0, "funding_calls/reporting", 0.64, 2)],
                 th0.id: [sug(th0, "trust/institutions", 0.77)],
                 en0.id: [sug(en0, "digital_divide", 0.88)],
                 en1.id: [sug(en1, "digital_divide", 0.42)],
                 bu0.id: [sug(bu0, "regulation", 0.55)]}
    codings = [ExcerptCoding(x.id, (CategoryScore("funding_calls", 0.5),), tuple(suggested.get(x.id, ())))
               for es in excerpts.values() for x in es]
    seed_completed_run(store, RUN, codebook=book, codings=codings, corpus="study")

    with store.transaction() as s:
        # a date and a manifest column of its own, as case variables
        s.get(m.TranscriptRow, "BO-01").date = "2018-05-22"
        s.get(m.TranscriptRow, "BO-01").variables = {"language": "it", "interviewer": "Giulia"}
        s.get(m.TranscriptRow, "TH-01").country = "Greece"
        users = {name: m.User(username=name, role=role) for name, role in
                 [("alice", "coder"), ("bob", "coder"), ("vera", "validator"), ("idle", "coder")]}
        s.add_all(users.values())
        s.add(m.CodeRow(codebook_id=book.id, name="housing", label="Housing", description="Finding a home near care",
                        parent=None, colour="#aabbcc", origin="emergent"))
        s.flush()
        a, b, v = users["alice"].id, users["bob"].id, users["vera"].id
        sid = {(r.excerpt_id, r.code): r.id for r in s.scalars(select(m.SuggestionRow))}

        def decide(user: int, x: Excerpt, action: str, codes: list[str], *, start=None, end=None, sug=None):
            s.add(m.Decision(run_id=RUN, excerpt_id=x.id, user_id=user, action=action, codes=codes, start=start,
                             end=end, suggestion_id=sug))
            s.flush()

        # alice accepts a suggestion, then recodes the excerpt to add a sub-code
        decide(a, bo0, "accept", ["funding_calls"], sug=sid[(bo0.id, "funding_calls")])
        s.get(m.SuggestionRow, sid[(bo0.id, "funding_calls")]).status = "accepted"
        decide(a, bo0, "recode", ["funding_calls", "funding_calls/reporting"])
        # bob double-codes the same excerpt differently
        decide(b, bo0, "code", ["trust"])
        # alice codes an excerpt, then rejects her own code: nothing left to export
        decide(a, bo1, "code", ["trust/parents"])
        decide(a, bo1, "reject", [])
        # bob hand-codes the interviewer's question in Budapest (no excerpt overlaps it: the nearest one)
        bu = TRANSCRIPTS[1]
        q = bu.turns[0]
        decide(b, bu0, "code", ["regulation"], start=q.start, end=q.end)
        # alice hand-codes part of the Greek answer (inside an excerpt, not all of it)
        th = TRANSCRIPTS[2]
        part = th.text.index("η χρηματοδότηση".capitalize())
        decide(a, th0, "code", ["trust/institutions", "funding_calls"], start=th0.start, end=part - 1)
        # an emergent code, and a code on text after an emoji
        decide(a, ko0, "code", ["housing", "regulation"])
        decide(b, en0, "code", ["digital_divide"])
        # memos: on an excerpt alice coded, on one vera did not code, on a transcript
        s.add_all([
            m.Memo(excerpt_id=bo0.id, user_id=a, text="Rendicontazione again — see <script>x</script> & 🙂"),
            m.Memo(excerpt_id=en0.id, user_id=v, text="Check whether this is about age, not technology.\nSecond line."),
            m.Memo(transcript_id="TH-01", user_id=b, text="Interview held in a café; noisy recording."),
        ])
    return Study(store, excerpts, {"alice": a, "bob": b, "vera": v})


def fresh_url(store_url: str, tmp_path: Path, name: str = "fresh") -> str:
    """A second empty database of the same kind as ``store_url``."""
    if store_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / (name + '.db')}"
    server = store_url.rsplit("/", 1)[0] + "/postgres"
    db = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f"CREATE DATABASE {db}"))
    engine.dispose()
    return store_url.rsplit("/", 1)[0] + f"/{db}"


def row_counts(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {t: s.execute(select(func.count()).select_from(m.Base.metadata.tables[t])).scalar()
                for t in inspect(store.engine).get_table_names() if t in m.Base.metadata.tables}


def rewrite_qdpx(source: Path, out: Path, edit: Callable[[bytes], bytes] | None = None,
                 drop: tuple[str, ...] = ()) -> Path:
    """A copy of the archive ``source`` with ``project.qde`` passed through ``edit``."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = zin.read(info)
            if info.filename == "project.qde" and edit is not None:
                data = edit(data)
            zout.writestr(info.filename, data)
    return out


def make_qdpx(out: Path, qde: str, sources: dict[str, str]) -> Path:
    """An archive as another program would write it: ``qde`` text and ``sources/<name>`` files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", qde.encode("utf-8"))
        for name, body in sources.items():
            z.writestr(f"Sources/{name}", body.encode("utf-8"))
    out.write_bytes(buffer.getvalue())
    return out
