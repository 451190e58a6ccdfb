"""Exporting a run as a REFI-QDA project: schema-valid, positions in code points, every
coder's current codes, open suggestions, memos, users, the code tree and the cases."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from pipeline.errors import InvalidInput, NotFound
from pipeline.exchange import export_qdc, export_qdpx, import_qdc, validate_project
from pipeline.exchange.qdaxml import PROJECT_NS, QUALFLOW_NAMESPACE
from pipeline.store.codebooks import codebook_for
from pipeline.store.studies import resolve_run
from tests.exchange.study import TRANSCRIPTS

NS = {"q": PROJECT_NS}
TEXT = {t.id: t.text for t in TRANSCRIPTS}


def read(path: Path) -> tuple[etree._Element, dict[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    return etree.fromstring(members["project.qde"]), members


def users(root) -> dict[str, str]:
    return {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}


def code_names(root) -> dict[str, str]:
    return {c.get("guid"): c.get("name") for c in root.iter(f"{{{PROJECT_NS}}}Code")}


def selections(root) -> list[dict]:
    """Every selection as (source name, start, end, user name, codes, description, note texts)."""
    who, codes = users(root), code_names(root)
    notes = {n.get("guid"): n.findtext("q:PlainTextContent", namespaces=NS) for n in root.iterfind("q:Notes/q:Note", NS)}
    out = []
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        for sel in source.iterfind("q:PlainTextSelection", NS):
            out.append(dict(
                source=source.get("name"), start=int(sel.get("startPosition")), end=int(sel.get("endPosition")),
                user=who[sel.get("creatingUser")], name=sel.get("name"),
                codes={codes[r.get("targetGUID")] for r in sel.iterfind("q:Coding/q:CodeRef", NS)},
                description=sel.findtext("q:Description", namespaces=NS),
                notes=[notes[r.get("targetGUID")] for r in sel.iterfind("q:NoteRef", NS)],
            ))
    return out


def test_export_is_valid_refi_qda_with_the_stored_text_as_sources(sqlite_export, xsd):
    _, path = sqlite_export
    root, members = read(path)
    validate_project(members["project.qde"], xsd)
    assert etree.QName(root).namespace == PROJECT_NS
    sources = root.findall("q:Sources/q:TextSource", NS)
    assert sorted(s.get("name") for s in sources) == sorted(TEXT)
    assert sorted(members) == sorted(["project.qde"] + [f"sources/{s.get('guid')}.txt" for s in sources])
    for s in sources:
        assert s.get("plainTextPath") == f"internal://{s.get('guid')}.txt"
        assert s.find("q:PlainTextContent", NS) is None  # one or the other, never both
        assert members[f"sources/{s.get('guid')}.txt"] == TEXT[s.get("name")].encode("utf-8")


def test_positions_are_code_points_into_the_stored_text(sqlite_export):
    study, path = sqlite_export
    root, _ = read(path)
    for sel in selections(root):
        text = TEXT[sel["source"]]
        assert 0 <= sel["start"] <= sel["end"] <= len(text)
        assert sel["name"].rstrip("…").strip()[:20] in " ".join(text[sel["start"]:sel["end"]].split())
    # the second English excerpt follows "👩‍👧" (3 code points, 5 UTF-16 units) and "🙂" (1 and 2)
    after_emoji = study.excerpt("EN-01", 1)
    text = TEXT["EN-01"]
    utf16 = len(text[:after_emoji.start].encode("utf-16-le")) // 2
    assert utf16 == after_emoji.start + 3  # so the check below can tell the units apart
    starts = {s["start"] for s in selections(root) if s["source"] == "EN-01"}
    assert after_emoji.start in starts and utf16 not in starts
    greek = [s for s in selections(root) if s["source"] == "TH-01" and s["user"] == "alice"]
    assert [TEXT["TH-01"][s["start"]:s["end"]] for s in greek] == [
        "Δεν εμπιστευόμαστε τον δήμο, γιατί οι υποσχέσεις δεν τηρούνται ποτέ."]


def test_users_are_the_people_who_decided_or_wrote_plus_qualflow_with_stable_guids(sqlite_export):
    _, path = sqlite_export
    root, _ = read(path)
    found = users(root)
    # a neutral user first (QualCoder's current coder is the first user), qualflow last
    assert list(found.values()) == ["reviewer", "alice", "bob", "vera", "qualflow"]  # "idle" did nothing
    expected = str(uuid.uuid5(QUALFLOW_NAMESPACE, "user:alice")).upper()
    assert found[expected] == "alice"
    assert root.get("creatingUserGUID") in found and found[root.get("creatingUserGUID")] == "qualflow"


def test_code_tree_has_descriptions_colours_nesting_and_the_coders_codes(sqlite_export):
    study, path = sqlite_export
    root, _ = read(path)
    top = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [c.get("name") for c in top] == ["funding_calls", "trust", "regulation", "digital_divide", "state_support",
                                            "innovation_culture", "facilitative_technology", "housing"]
    trust = top[1]
    assert [c.get("name") for c in trust.findall("q:Code", NS)] == ["trust/parents", "trust/institutions",
                                                                   "trust/safety"]
    assert trust.get("color") == "#1b9e77" and trust.get("isCodable") == "true"
    assert trust.findtext("q:Description", namespaces=NS).startswith("Trust as a barrier")
    housing = top[-1]  # an emergent code a coder added
    assert housing.get("color") == "#aabbcc" and housing.findtext("q:Description", namespaces=NS) == \
        "Finding a home near care"


def test_each_coders_current_codes_and_only_open_suggestions(sqlite_export):
    study, path = sqlite_export
    root, _ = read(path)
    sels = selections(root)
    bo0, bo1 = study.excerpt("BO-01", 0), study.excerpt("BO-01", 1)
    by = lambda user, excerpt: [s for s in sels if s["user"] == user and (s["start"], s["end"]) ==
                                (excerpt.start, excerpt.end) and s["source"] == excerpt.transcript_id]
    assert [s["codes"] for s in by("alice", bo0)] == [{"funding_calls", "funding_calls/reporting"}]  # recoded
    assert [s["codes"] for s in by("bob", bo0)] == [{"trust"}]  # double coding kept apart
    assert by("alice", bo1) == []  # coded, then rejected: nothing left
    machine = {(s["source"], s["start"], frozenset(s["codes"])): s for s in sels if s["user"] == "qualflow"}
    assert (bo0.transcript_id, bo0.start, frozenset({"funding_calls"})) not in machine  # accepted: no longer open
    reporting = machine[(bo0.transcript_id, bo0.start, frozenset({"funding_calls/reporting"}))]
    assert "confidence 0.64" in reporting["description"] and "close to the examples" in reporting["description"]
    assert len(machine) == 5
    # bob's hand-coded span on the interviewer's question, which no excerpt covers
    question = TRANSCRIPTS[1].turns[0]
    assert [s["codes"] for s in sels if s["user"] == "bob" and s["source"] == "BU-01"] == [{"regulation"}]
    assert any((s["start"], s["end"]) == (question.start, question.end) for s in sels if s["user"] == "bob")


def test_memos_are_notes_on_their_selection_or_source(sqlite_export):
    study, path = sqlite_export
    root, _ = read(path)
    sels = selections(root)
    bo0, en0 = study.excerpt("BO-01", 0), study.excerpt("EN-01", 0)
    alice = [s for s in sels if s["user"] == "alice" and s["start"] == bo0.start and s["source"] == "BO-01"][0]
    assert alice["notes"] == ["Rendicontazione again — see <script>x</script> & 🙂"]
    assert [s for s in sels if s["user"] == "vera"] == []  # no codes of her own: no empty selection
    notes = {n.get("guid"): n for n in root.iterfind("q:Notes/q:Note", NS)}
    # ... but an annotation as QualCoder writes it: the note holds the position, the source refers to it
    english = root.find("q:Sources/q:TextSource[@name='EN-01']", NS)
    [annotation] = [notes[r.get("targetGUID")] for r in english.iterfind("q:NoteRef", NS)]
    assert annotation.findtext("q:PlainTextContent", namespaces=NS).startswith("Check whether this is about age")
    marked = annotation.find("q:PlainTextSelection", NS)
    assert (int(marked.get("startPosition")), int(marked.get("endPosition"))) == (en0.start, en0.end)
    greek = root.find("q:Sources/q:TextSource[@name='TH-01']", NS)
    refs = [notes[r.get("targetGUID")] for r in greek.iterfind("q:NoteRef", NS)]
    assert [n.findtext("q:PlainTextContent", namespaces=NS) for n in refs] == [
        "Interview held in a café; noisy recording."]
    assert users(root)[refs[0].get("creatingUser")] == "bob"
    # QualCoder reads a source's memo from its Description
    assert "bob: Interview held in a café; noisy recording." in greek.findtext("q:Description", namespaces=NS)


def test_every_interview_is_a_case_with_its_variables(sqlite_export):
    _, path = sqlite_export
    root, _ = read(path)
    variables = {v.get("guid"): v for v in root.iterfind("q:Variables/q:Variable", NS)}
    assert [v.get("name") for v in variables.values()] == ["city", "country", "role", "language", "date",
                                                           "interviewer"]
    assert {v.get("typeOfVariable") for v in variables.values()} == {"Text"}
    sources = {s.get("guid"): s.get("name") for s in root.iterfind("q:Sources/q:TextSource", NS)}
    cases = {}
    for case in root.iterfind("q:Cases/q:Case", NS):
        values = {variables[v.find("q:VariableRef", NS).get("targetGUID")].get("name"): v.findtext("q:TextValue", namespaces=NS)
                  for v in case.iterfind("q:VariableValue", NS)}
        assert [sources[r.get("targetGUID")] for r in case.iterfind("q:SourceRef", NS)] == [case.get("name")]
        cases[case.get("name")] = values
    assert cases["BO-01"] == {"city": "Bologna", "country": "Italy", "role": "parent", "language": "it",
                              "date": "2018-05-22", "interviewer": "Giulia"}
    assert cases["TH-01"]["city"] == "Thessaloniki" and cases["TH-01"]["country"] == "Greece"
    assert {c["city"] for c in cases.values()} == {"Bologna", "Budapest", "Thessaloniki", "Kortrijk"}


def test_re_export_is_byte_identical_and_suggestions_can_be_left_out(sqlite_export, tmp_path, xsd):
    study, path = sqlite_export
    again = export_qdpx(study.store, "latest", tmp_path / "again.qdpx")
    assert (tmp_path / "again.qdpx").read_bytes() == path.read_bytes()
    assert again.run_id == "r1" and again.suggestions == 5 and again.codings == 9 and again.memos == 3
    report = export_qdpx(study.store, "r1", tmp_path / "coders.qdpx", include_suggestions=False)
    root, members = read(tmp_path / "coders.qdpx")
    validate_project(members["project.qde"], xsd)
    assert report.suggestions == 0 and not [s for s in selections(root) if s["user"] == "qualflow"]


def test_unknown_run_is_not_found(sqlite_export, tmp_path):
    study, _ = sqlite_export
    with pytest.raises(NotFound, match="no run 'r9'"):
        export_qdpx(study.store, "r9", tmp_path / "x.qdpx")
    assert not (tmp_path / "x.qdpx").exists()


def test_qdc_codebook_round_trips_and_its_tree_is_schema_valid(sqlite_export, tmp_path, xsd):
    study, _ = sqlite_export
    with study.store.session() as s:
        book = codebook_for(s, resolve_run(s, "r1"))
    path = export_qdc(book, tmp_path / "codebook.qdc")
    back = import_qdc(path)
    assert [(c.name, c.parent, c.description, c.colour) for c in back.codes] == [
        (c.name, c.parent, c.description, c.colour) for c in book.codes]
    assert back.version.startswith("qdc-") and back.name == "codebook"
    # The codebook schema is not in the shared data; its Codes are the project schema's, so
    # the tree is checked inside a project.
    tree = etree.fromstring(path.read_bytes())
    assert etree.QName(tree).namespace == "urn:QDA-XML:codebook:1.0" and tree.get("origin").startswith("qualflow")
    project = etree.Element(f"{{{PROJECT_NS}}}Project", nsmap={None: PROJECT_NS}, name="codebook check")
    codebook = etree.SubElement(project, f"{{{PROJECT_NS}}}CodeBook")
    codes = tree.find("{urn:QDA-XML:codebook:1.0}Codes")
    for element in codes.iter():
        element.tag = f"{{{PROJECT_NS}}}{etree.QName(element).localname}"
    codebook.append(codes)
    validate_project(etree.tostring(project), xsd)


def test_validate_project_names_the_element_that_breaks_the_schema(sqlite_export, xsd):
    _, path = sqlite_export
    _, members = read(path)
    broken = members["project.qde"].replace(b'startPosition="', b'beginning="', 1)
    with pytest.raises(InvalidInput, match="PlainTextSelection") as caught:
        validate_project(broken, xsd)
    assert caught.value.where.startswith("line ") and "PlainTextSelection" in caught.value.where


def test_codings_on_a_changed_transcript_are_left_out_not_misplaced(tmp_path):
    """A re-ingested transcript with new text: its old excerpts' offsets would point at other
    words, so their codings are reported, not exported; their memos move to the source."""
    from dataclasses import replace

    from pipeline.store.repository import Repository
    from tests.exchange.study import build_study

    study = build_study(f"sqlite:///{tmp_path / 'study.db'}")
    bo = TRANSCRIPTS[0]
    changed = replace(bo, text="Intervistatrice: (nuova trascrizione)\n" + bo.text, source_sha256="0" * 64)
    Repository(study.store).save_transcripts([changed])
    report = export_qdpx(study.store, "r1", tmp_path / "study.qdpx")
    root, members = read(tmp_path / "study.qdpx")
    assert not [s for s in selections(root) if s["source"] == "BO-01"]
    assert sorted(what for what, _ in report.skipped) == [
        "alice's coding of excerpt " + study.excerpt("BO-01", 0).id,
        "bob's coding of excerpt " + study.excerpt("BO-01", 0).id,
        "suggestion 'funding_calls/reporting' on excerpt " + study.excerpt("BO-01", 0).id,
        "the place of memo 1",
    ]
    source = root.find("q:Sources/q:TextSource[@name='BO-01']", NS)
    assert len(source.findall("q:NoteRef", NS)) == 1
    assert members[f"sources/{source.get('guid')}.txt"] == changed.text.encode("utf-8")


def test_a_code_in_no_codebook_still_gets_a_code_element(tmp_path, xsd):
    from sqlalchemy import select

    from pipeline.store import models as m
    from tests.exchange.study import build_study

    study = build_study(f"sqlite:///{tmp_path / 'study.db'}")
    ko = study.excerpt("KO-01", 0)
    with study.store.transaction() as s:
        alice = s.scalars(select(m.User).where(m.User.username == "alice")).one()
        s.add(m.Decision(run_id="r1", excerpt_id=ko.id, user_id=alice.id, action="code", codes=["made_up", "trust"]))
    report = export_qdpx(study.store, "r1", tmp_path / "study.qdpx")
    assert report.extra_codes == ("made_up",) and report.skipped == ()
    root, members = read(tmp_path / "study.qdpx")
    validate_project(members["project.qde"], xsd)
    assert [c.get("name") for c in root.findall("q:CodeBook/q:Codes/q:Code", NS)][-1] == "made_up"
    assert {"made_up", "trust"} in [s["codes"] for s in selections(root) if s["user"] == "alice"]
