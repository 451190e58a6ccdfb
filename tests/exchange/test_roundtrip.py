"""Export → import into a fresh store that holds the same transcripts: every code, position,
memo, user and case variable comes back, on SQLite and on PostgreSQL."""

from __future__ import annotations

import zipfile

from lxml import etree
from sqlalchemy import select

from pipeline.exchange import export_qdpx, import_qdpx, validate_project
from pipeline.store.codings import current_codes
from pipeline.store import models as m
from pipeline.store.db import Store
from tests.exchange.study import TRANSCRIPTS, build_study, fresh_url, load_transcripts, rewrite_qdpx, row_counts

TEXT = {t.id: t.text for t in TRANSCRIPTS}


def codings_of(store: Store) -> set[tuple]:
    """(coder, transcript, start, end, text there, codes) of every current non-empty coding."""
    with store.session() as s:
        excerpts = {e.id: e for e in s.scalars(select(m.ExcerptRow))}
        out = set()
        for c in current_codes(s, excerpts).values():
            if not c.codes:
                continue
            e = excerpts[c.excerpt_id]
            start, end = (c.start, c.end) if c.start is not None else (e.start, e.end)
            out.add((c.username, e.transcript_id, c.excerpt_id, c.start, c.end, TEXT[e.transcript_id][start:end],
                     c.codes))
        return out


def memos_of(store: Store) -> set[tuple]:
    with store.session() as s:
        people = {u.id: u.username for u in s.scalars(select(m.User))}
        transcript_of = dict(s.execute(select(m.ExcerptRow.id, m.ExcerptRow.transcript_id)).all())
        return {(people[mm.user_id], mm.excerpt_id, mm.transcript_id or transcript_of.get(mm.excerpt_id), mm.text)
                for mm in s.scalars(select(m.Memo))}


def expected_cases(store: Store) -> dict[str, dict[str, str]]:
    with store.session() as s:
        out = {}
        for t in s.scalars(select(m.TranscriptRow)):
            values = {k: getattr(t, k) for k in ("city", "country", "role", "language", "date")}
            values.update(t.variables)
            out[t.id] = {k: str(v) for k, v in values.items() if v}
        return out


def test_round_trip_keeps_codes_positions_memos_users_and_cases(study, store_url, tmp_path, xsd):
    exported = export_qdpx(study.store, "r1", tmp_path / "study.qdpx")
    with zipfile.ZipFile(tmp_path / "study.qdpx") as z:
        validate_project(z.read("project.qde"), xsd)

    fresh = Store(fresh_url(store_url, tmp_path))
    load_transcripts(fresh)
    theirs = {"alice": "alice", "bob": "bob", "vera": "vera"}  # the operator maps the exported users back
    report = import_qdpx(fresh, tmp_path / "study.qdpx", coder="carol", run_id="r1", add_missing_codes=True,
                         users=theirs)

    assert codings_of(fresh) == codings_of(study.store)
    assert len(codings_of(fresh)) == 6
    # the hand-coded spans came back as spans, on the same excerpts, with the same text
    spans = {c for c in codings_of(fresh) if c[3] is not None}
    assert {(c[0], c[1], c[5]) for c in spans} == {
        ("bob", "BU-01", "Milyen nehézségekkel találkoztak az önkormányzattal?"),
        ("alice", "TH-01", "Δεν εμπιστευόμαστε τον δήμο, γιατί οι υποσχέσεις δεν τηρούνται ποτέ.")}
    assert report.placements == {"excerpt": 4, "overlap": 1, "nearest": 1}
    assert memos_of(fresh) == memos_of(study.store)
    with fresh.session() as s:
        people = {u.username: u for u in s.scalars(select(m.User))}
        assert {d.source for d in s.scalars(select(m.Decision))} == {"qdpx"}
        assert {d.run_id for d in s.scalars(select(m.Decision))} == {"r1"}
        imported = s.scalars(select(m.CodeRow).where(m.CodeRow.origin == "imported")).all()
        assert [(c.name, c.colour, c.description) for c in imported] == [("housing", "#aabbcc",
                                                                          "Finding a home near care")]
    assert set(people) == {"alice", "bob", "vera", "carol"}
    assert {people[n].role for n in ("alice", "bob", "vera")} == {"external"}
    assert people["carol"].role == "coder" and people["carol"].password_hash is None
    assert all(p.password_hash is None for p in people.values())
    assert report.users == ("reviewer", "alice", "bob", "vera", "qualflow")
    assert report.unknown_codes == ("housing",) and report.codes_added == ("housing",)
    assert report.suggestions_skipped == exported.suggestions == 5
    assert report.cases == expected_cases(study.store)
    assert report.case_transcripts == {t: (t,) for t in TEXT}
    assert report.sources_matched == {t: t for t in TEXT} and report.sources_unmatched == ()

    # the same file again adds nothing
    before = row_counts(fresh)
    again = import_qdpx(fresh, tmp_path / "study.qdpx", coder="carol", run_id="r1", add_missing_codes=True,
                        users=theirs)
    assert (again.decisions, again.unchanged, again.memos, again.memos_unchanged) == (0, 6, 0, 3)
    after = row_counts(fresh)
    assert after.pop("audit_log") == before.pop("audit_log") + 1 and after == before


def test_a_reviewers_new_codings_are_theirs_and_the_exported_ones_stay_put(tmp_path):
    """The round trip a coder does: export, code in NVivo (a new user, a new selection, a
    changed code), import back into the same store."""
    study = build_study(f"sqlite:///{tmp_path / 'study.db'}")
    path = tmp_path / "study.qdpx"
    export_qdpx(study.store, "r1", path)
    bo1 = study.excerpt("BO-01", 1)
    en0 = study.excerpt("EN-01", 0)
    nvivo_user = "0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0"

    def edit(qde: bytes) -> bytes:
        root = etree.fromstring(qde)
        ns = {"q": root.nsmap[None]}
        q = lambda tag: f"{{{root.nsmap[None]}}}{tag}"
        etree.SubElement(root.find("q:Users", ns), q("User"), guid=nvivo_user, name="Carol Rossi")
        codes = {c.get("name"): c.get("guid") for c in root.iter(q("Code"))}
        source = root.find("q:Sources/q:TextSource[@name='BO-01']", ns)
        sel = etree.Element(q("PlainTextSelection"), guid="1A2B3C4D-0000-4000-8000-000000000001",
                            startPosition=str(bo1.start), endPosition=str(bo1.end), creatingUser=nvivo_user)
        coding = etree.SubElement(sel, q("Coding"), guid="1A2B3C4D-0000-4000-8000-000000000002",
                                  creatingUser=nvivo_user)
        etree.SubElement(coding, q("CodeRef"), targetGUID=codes["trust/parents"])
        source.find("q:Description", ns).addnext(sel)
        # bob's coding of the English excerpt, changed in the other program
        english = root.find("q:Sources/q:TextSource[@name='EN-01']", ns)
        bob = [s for s in english.iterfind("q:PlainTextSelection", ns)
               if s.find("q:Coding", ns) is not None and s.get("creatingUser") != root.get("creatingUserGUID")][0]
        bob.find("q:Coding/q:CodeRef", ns).set("targetGUID", codes["trust/institutions"])
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")

    reviewed = rewrite_qdpx(path, tmp_path / "reviewed.qdpx", edit)
    before = codings_of(study.store)
    report = import_qdpx(study.store, reviewed, coder="carol", users={"alice": "alice", "bob": "bob"})
    after = codings_of(study.store)
    added = after - before
    assert report.decisions == 2 and report.unchanged == 5
    # alice's and bob's memos that went out are already here; vera is a validator, whom no
    # import may speak for, so her memo comes back as the importing coder's
    assert (report.memos, report.memos_unchanged) == (1, 2)
    assert report.authors == {"Carol Rossi": "carol", "alice": "alice", "bob": "bob", "vera": "carol"}
    assert {(c[0], c[2], c[6]) for c in added} == {("carol", bo1.id, ("trust/parents",)),
                                                   ("bob", en0.id, ("trust/institutions",))}
    assert ("bob", "EN-01", en0.id, None, None, en0.text, ("digital_divide",)) in before - after
    with study.store.session() as s:
        carol = s.scalars(select(m.User).where(m.User.username == "carol")).one()
        assert carol.role == "coder"
        audit = s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "import_qdpx")).all()
        assert [(a.user_id, a.object_id, a.details["decisions"]) for a in audit] == [(carol.id, "reviewed.qdpx", 2)]
