"""What a round trip through QualCoder does to a qualflow export, and how the import copes:
work saved as the file's first user, annotations, and QualCoder's unescaped '&'."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pipeline.errors import InvalidInput
from pipeline.exchange import export_qdpx, import_qdpx
from pipeline.exchange.qdaxml import MACHINE_GUID, guid
from pipeline.store import models as m
from tests.exchange.study import RUN, build_study, rewrite_qdpx


@pytest.fixture
def exported(tmp_path):
    study = build_study(f"sqlite:///{tmp_path / 'study.db'}")
    with study.store.transaction() as s:  # a project memo (on neither excerpt nor transcript)
        s.add(m.Memo(user_id=study.users["alice"], text="Second coding round starts in May."))
    path = export_qdpx(study.store, RUN, tmp_path / "study.qdpx").path
    return study, tmp_path / "study.qdpx"


def test_qualflow_owned_codings_that_qualflow_never_suggested_are_a_persons(exported, tmp_path):
    study, path = exported
    en1 = study.excerpt("EN-01", 1)
    # in QualCoder, a reviewer (saved as "qualflow") coded EN-01's second excerpt with "trust" too
    extra = (f'<PlainTextSelection guid="{guid("t", "x").upper()}" startPosition="{en1.start}" '
             f'endPosition="{en1.end}" creatingUser="{MACHINE_GUID}"><Coding guid="{guid("t", "y").upper()}" '
             f'creatingUser="{MACHINE_GUID}"><CodeRef targetGUID="{guid("code", "trust").upper()}"/></Coding>'
             f'</PlainTextSelection>')

    def edit(qde: bytes) -> bytes:
        text = qde.decode()
        at = text.index("</TextSource>", re.search(r'<TextSource [^>]*name="EN-01"', text).start())
        return (text[:at] + extra + text[at:]).encode()

    from pipeline.exchange.qdc import code_guid

    extra = extra.replace(guid("code", "trust").upper(), code_guid("trust"))
    report = import_qdpx(study.store, rewrite_qdpx(path, tmp_path / "edited.qdpx", edit), coder="carol")
    assert report.machine_codings_as_human == (f"EN-01 {en1.start}-{en1.end}: trust",)
    assert report.suggestions_skipped == 5  # the exported suggestions still are not anyone's judgement
    with study.store.session() as s:
        carol = s.scalars(select(m.User).where(m.User.username == "carol")).one()
        mine = s.scalars(select(m.Decision).where(m.Decision.user_id == carol.id)).all()
        # (alice's and bob's codings go to carol too: no --user mapping) the new coding is hers
        assert [d.codes for d in mine if d.excerpt_id == en1.id] == [["trust"]]
        assert s.query(m.Decision).filter(m.Decision.excerpt_id == en1.id).count() == 1


def test_an_annotation_comes_back_on_its_excerpt_and_the_project_memo_is_written(exported, tmp_path):
    study, path = exported
    import zipfile

    qde = zipfile.ZipFile(path).read("project.qde").decode()
    assert "Project memos:\nalice: Second coding round starts in May." in qde
    with study.store.transaction() as s:  # the import must bring vera's annotation back, on its excerpt
        s.query(m.Memo).delete()
    report = import_qdpx(study.store, path, coder="carol", users={"vera": "vera2", "alice": "alice", "bob": "bob"})
    en0 = study.excerpt("EN-01", 0)
    with study.store.session() as s:
        memos = {mm.text: (mm.excerpt_id, mm.transcript_id) for mm in s.scalars(select(m.Memo))}
    assert memos["Check whether this is about age, not technology.\nSecond line."] == (en0.id, "EN-01")
    assert memos["Interview held in a café; noisy recording."] == (None, "TH-01")
    assert memos["Second coding round starts in May."] == (None, None)
    assert report.memos == 4


def test_an_unescaped_ampersand_names_qualcoders_bug_and_the_repair(exported, tmp_path):
    study, path = exported
    broken = rewrite_qdpx(path, tmp_path / "broken.qdpx",
                          lambda qde: re.sub(rb"&amp;", b"&", qde, count=1))
    with pytest.raises(InvalidInput, match=r"known bug of QualCoder.*replace each '&'.*&amp;"):
        import_qdpx(study.store, broken, coder="carol")
