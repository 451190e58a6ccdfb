"""A project from another program into a store that does not know its sources: a new study."""

from __future__ import annotations

from sqlalchemy import select

from pipeline.exchange import import_qdpx
from pipeline.store import models as m
from pipeline.store.db import Store
from pipeline.store.studies import studies
from tests.exchange.study import TRANSCRIPTS, fresh_url, make_qdpx

GREEK = ("Συνεντεύκτρια: Πώς βρίσκετε πληροφορίες για τους παιδικούς σταθμούς; 🙂\n"
         "Γονέας: Όλα είναι στο διαδίκτυο 👩‍👧 και η μητέρα μου δεν ξέρει να χρησιμοποιεί την εφαρμογή.\n"
         "Συνεντεύκτρια: Και η χρηματοδότηση;\n"
         "Γονέας: Οι προσκλήσεις του δήμου είναι πολύ γραφειοκρατικές για έναν μικρό σύλλογο.\n")
USER = "F0000000-0000-4000-8000-000000000001"


def greek_project(tmp_path):
    """A hand-built project: one Greek source with emoji, a code tree, a case with variables."""
    spans = {name: (GREEK.index(text), GREEK.index(text) + len(text)) for name, text in {
        "online": "Όλα είναι στο διαδίκτυο 👩‍👧 και η μητέρα μου δεν ξέρει να χρησιμοποιεί την εφαρμογή.",
        "calls": "Οι προσκλήσεις του δήμου είναι πολύ γραφειοκρατικές",
    }.items()}
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Θεσσαλονίκη" origin="QualCoder 3.6">
  <Users><User guid="{USER}" name="Ελένη"/></Users>
  <CodeBook><Codes>
    <Code guid="A0000000-0000-4000-8000-000000000001" name="Ψηφιακό χάσμα" isCodable="true"/>
    <Code guid="A0000000-0000-4000-8000-000000000002" name="Χρηματοδότηση" isCodable="true">
      <Code guid="A0000000-0000-4000-8000-000000000003" name="Προσκλήσεις" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="D0000000-0000-4000-8000-000000000001" name="City" typeOfVariable="Text"/>
    <Variable guid="D0000000-0000-4000-8000-000000000002" name="Role" typeOfVariable="Text"/>
    <Variable guid="D0000000-0000-4000-8000-000000000003" name="Date" typeOfVariable="Text"/>
    <Variable guid="D0000000-0000-4000-8000-000000000004" name="Language" typeOfVariable="Text"/>
    <Variable guid="D0000000-0000-4000-8000-000000000005" name="Age group" typeOfVariable="Text"/>
  </Variables>
  <Cases><Case guid="D1000000-0000-4000-8000-000000000001" name="Γονέας 1">
    <VariableValue><VariableRef targetGUID="D0000000-0000-4000-8000-000000000001"/><TextValue>Θεσσαλονίκη</TextValue></VariableValue>
    <VariableValue><VariableRef targetGUID="D0000000-0000-4000-8000-000000000002"/><TextValue>parent</TextValue></VariableValue>
    <VariableValue><VariableRef targetGUID="D0000000-0000-4000-8000-000000000003"/><TextValue>2019-03-04</TextValue></VariableValue>
    <VariableValue><VariableRef targetGUID="D0000000-0000-4000-8000-000000000004"/><TextValue>el</TextValue></VariableValue>
    <VariableValue><VariableRef targetGUID="D0000000-0000-4000-8000-000000000005"/><TextValue>30-39</TextValue></VariableValue>
    <SourceRef targetGUID="C0000000-0000-4000-8000-000000000001"/>
  </Case></Cases>
  <Sources>
    <TextSource guid="C0000000-0000-4000-8000-000000000001" name="TH-07.txt" plainTextPath="internal://th07.txt">
      <PlainTextSelection guid="E0000000-0000-4000-8000-000000000001" startPosition="{spans['online'][0]}" endPosition="{spans['online'][1]}" creatingUser="{USER}">
        <Coding guid="E1000000-0000-4000-8000-000000000001" creatingUser="{USER}"><CodeRef targetGUID="A0000000-0000-4000-8000-000000000001"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="E0000000-0000-4000-8000-000000000002" startPosition="{spans['calls'][0]}" endPosition="{spans['calls'][1]}" creatingUser="{USER}">
        <Coding guid="E1000000-0000-4000-8000-000000000002" creatingUser="{USER}"><CodeRef targetGUID="A0000000-0000-4000-8000-000000000003"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""
    return make_qdpx(tmp_path / "greek.qdpx", qde, {"th07.txt": GREEK}), spans


def test_a_hand_built_greek_project_becomes_a_study(store_url, tmp_path):
    store = Store(store_url)
    path, spans = greek_project(tmp_path)
    report = import_qdpx(store, path, coder="eleni", study="thessaloniki")
    assert report.study == "thessaloniki" and report.transcripts_created == ("TH-07",)
    assert report.sources_unmatched == () and report.unknown_codes == ()
    with store.session() as s:
        t = s.get(m.TranscriptRow, "TH-07")
        assert t.text == GREEK  # nothing to pseudonymise: the source's own text
        assert (t.city, t.role, t.date, t.language) == ("Θεσσαλονίκη", "parent", "2019-03-04", "el")
        assert t.variables.get("age_group") == "30-39"
        turns = s.scalars(select(m.TurnRow).where(m.TurnRow.transcript_id == "TH-07").order_by(m.TurnRow.idx)).all()
        assert [(u.speaker, t.text[u.start:u.end][:10]) for u in turns] == [
            ("Συνεντεύκτρια", "Πώς βρίσκε"), ("Γονέας", "Όλα είναι "), ("Συνεντεύκτρια", "Και η χρημ"),
            ("Γονέας", "Οι προσκλή")]
        study = s.get(m.Study, "thessaloniki")
        assert study.origin == "qdpx"
        codes = {c.name: c.parent for c in s.scalars(select(m.CodeRow).where(m.CodeRow.codebook_id == study.codebook_id))}
        assert codes == {"Ψηφιακό_χάσμα": None, "Χρηματοδότηση": None, "Χρηματοδότηση/Προσκλήσεις": "Χρηματοδότηση"}
        labels = {c.name: c.label for c in s.scalars(select(m.CodeRow))}
        assert labels["Ψηφιακό_χάσμα"] == "Ψηφιακό χάσμα"
        decisions = s.scalars(select(m.Decision).order_by(m.Decision.id)).all()
        coded = {}
        for d in decisions:
            e = s.get(m.ExcerptRow, d.excerpt_id)
            start, end = (d.start, d.end) if d.start is not None else (e.start, e.end)
            coded[tuple(d.codes)] = t.text[start:end]
            assert s.get(m.User, d.user_id).username == "eleni" and d.source == "qdpx" and d.run_id is None
        assert coded == {("Ψηφιακό_χάσμα",): GREEK[slice(*spans["online"])],
                         ("Χρηματοδότηση/Προσκλήσεις",): GREEK[slice(*spans["calls"])]}
        [overview] = studies(s)
        assert (overview.name, overview.transcripts, overview.coders, overview.runs) == ("thessaloniki", 1, ("eleni",), 0)
    again = import_qdpx(store, path, coder="eleni", study="thessaloniki")  # known sources now: matched as before
    assert again.transcripts_created == () and again.decisions == 0 and again.unchanged == 2


def test_a_qualflow_export_into_an_empty_store(sqlite_export, store_url, tmp_path):
    study, path = sqlite_export
    store = Store(fresh_url(store_url, tmp_path))
    report = import_qdpx(store, path, coder="carol", study="copy")
    assert sorted(report.transcripts_created) == sorted(t.id for t in TRANSCRIPTS)
    assert report.positions_remapped == ()
    with store.session() as s, study.store.session() as old:
        for t in TRANSCRIPTS:
            assert s.get(m.TranscriptRow, t.id).text == t.text
            assert s.get(m.TranscriptRow, t.id).city == t.meta.city
        # every coder span of the original lands on the same words
        def spans(session):  # (transcript, start, end) of every standing code set
            from pipeline.store.codings import current_codes

            out = set()
            ids = set(session.scalars(select(m.Decision.excerpt_id)))
            for (_, excerpt_id, start, end), d in current_codes(session, ids).items():
                if d.codes:
                    e = session.get(m.ExcerptRow, excerpt_id)
                    out.add((e.transcript_id, e.start if start is None else start, e.end if end is None else end))
            return out
        assert spans(s) == spans(old)


def test_atlas_samples_become_studies(atlas, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'atlas.db'}")
    for name in ("blank-atlas-project.qdpx", "target-atlas-project.qdpx"):
        report = import_qdpx(store, atlas / name, coder="carol", study=name.split("-")[0])
        assert report.study == name.split("-")[0]
        with store.session() as s:
            study = s.get(m.Study, report.study)
            codes = list(s.scalars(select(m.CodeRow).where(m.CodeRow.codebook_id == study.codebook_id)))
            assert len(codes) == len(report.codes)
            if report.codes:
                assert any(c.parent for c in codes)  # the tree is kept
