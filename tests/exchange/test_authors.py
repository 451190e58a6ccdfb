"""Whose work an imported file becomes: the operator decides, never the file's user names."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import select

from pipeline.errors import InvalidInput
from pipeline.exchange import export_qdpx, import_qdpx
from pipeline.store import models as m
from tests.exchange.study import build_study, rewrite_qdpx, row_counts


@pytest.fixture
def exported(tmp_path):
    study = build_study(f"sqlite:///{tmp_path / 'study.db'}")
    export_qdpx(study.store, "r1", tmp_path / "study.qdpx")
    return study, tmp_path / "study.qdpx"


def _forge_as_vera(study, path, out):
    """The export plus a coding that claims to be by vera, the validator."""
    bo1 = study.excerpt("BO-01", 1)

    def edit(qde: bytes) -> bytes:
        root = etree.fromstring(qde)
        ns = {"q": root.nsmap[None]}
        q = lambda tag: f"{{{root.nsmap[None]}}}{tag}"
        vera = root.find("q:Users/q:User[@name='vera']", ns).get("guid")
        codes = {c.get("name"): c.get("guid") for c in root.iter(q("Code"))}
        sel = etree.Element(q("PlainTextSelection"), guid="2A2B3C4D-0000-4000-8000-000000000001",
                            startPosition=str(bo1.start), endPosition=str(bo1.end), creatingUser=vera)
        coding = etree.SubElement(sel, q("Coding"), guid="2A2B3C4D-0000-4000-8000-000000000002", creatingUser=vera)
        etree.SubElement(coding, q("CodeRef"), targetGUID=codes["regulation"])
        root.find("q:Sources/q:TextSource[@name='BO-01']/q:Description", ns).addnext(sel)
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")

    return rewrite_qdpx(path, out, edit), bo1


def test_every_coding_and_note_goes_to_the_coder_whatever_user_the_file_names(exported, tmp_path):
    study, path = exported
    forged, bo1 = _forge_as_vera(study, path, tmp_path / "forged.qdpx")
    with study.store.session() as s:
        before = {(d.user_id, d.id) for d in s.scalars(select(m.Decision))}
        memos_before = {mm.id for mm in s.scalars(select(m.Memo))}
    report = import_qdpx(study.store, forged, coder="carol")
    assert report.authors == {"alice": "carol", "bob": "carol", "vera": "carol"}
    with study.store.session() as s:
        people = {u.id: u.username for u in s.scalars(select(m.User))}
        new = [d for d in s.scalars(select(m.Decision)) if (d.user_id, d.id) not in before]
        new_memos = [mm for mm in s.scalars(select(m.Memo)) if mm.id not in memos_before]
        [audit] = s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "import_qdpx")).all()
    assert new and {people[d.user_id] for d in new} == {"carol"}
    assert any(d.excerpt_id == bo1.id and "regulation" in d.codes for d in new)
    assert new_memos and {people[mm.user_id] for mm in new_memos} == {"carol"}
    assert audit.details["authors"] == report.authors  # who the file claimed, and where it went


def test_explicit_mapping_is_the_only_way_to_another_account_and_never_to_admins_or_validators(exported, tmp_path):
    study, path = exported
    forged, _ = _forge_as_vera(study, path, tmp_path / "forged.qdpx")
    refused = [
        (dict(coder="carol", users={"vera": "vera"}), "validator account"),
        (dict(coder="vera"), "--coder: 'vera' is a validator account"),
        (dict(coder="carol", users={"alice": "admin_ann"}), "admin account"),
        (dict(coder="carol", keep_users=True), "map it explicitly"),  # alice and bob are coders here
        (dict(coder="carol", users={"mallory": "carol"}), "the file has no user 'mallory'"),
        (dict(coder="carol", users={"alice": " "}), "needs both names"),
    ]
    with study.store.transaction() as s:
        s.add(m.User(username="admin_ann", role="admin"))
    counts = row_counts(study.store)
    for kwargs, why in refused:
        with pytest.raises(InvalidInput, match=why):
            import_qdpx(study.store, forged, **kwargs)
        assert row_counts(study.store) == counts
    report = import_qdpx(study.store, forged, coder="carol", users={"alice": "alice", "bob": "bob"})
    assert report.authors == {"alice": "alice", "bob": "bob", "vera": "carol"}
    assert report.decisions == 1  # only the forged coding, now carol's; alice's and bob's are unchanged
