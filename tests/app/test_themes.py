"""Emergent themes: named by coders, turned into codes they can then apply."""

from __future__ import annotations

from sqlalchemy import select

from app.themes import code_name
from pipeline.store import models as m
from tests.app import world


def test_name_a_theme_and_make_it_a_code_that_recoding_can_use(client_for, store):
    coder = client_for("coder")
    assert coder.post("/themes/1/code", {}).status_code == 400  # a name first
    assert coder.post("/themes/1/name", {"name": "Face-to-face  help desks"}).status_code == 303
    assert coder.post("/themes/1/code", {"description": "Wanting a person, not a website."}).status_code == 303
    assert coder.post("/themes/1/code", {}).status_code == 409  # only once
    with store.session() as s:
        topic = s.get(m.TopicRow, (world.RUN, 1))
        assert topic.name == "Face-to-face help desks"
        code = s.scalars(select(m.CodeRow).where(m.CodeRow.origin == "emergent")).one()
        assert (code.name, code.label) == ("face_to_face_help_desks", "Face-to-face help desks")
        assert code.description == "Wanting a person, not a website."
    assert coder.post("/themes/0/name", {"name": "x"}).status_code == 400  # maps to a code: not emergent
    assert "Face-to-face help desks" in client_for("admin").get("/admin/codebook").text

    sid = world.suggestion_ids(store)[(3, "digital_divide")]
    page = coder.get("/queue").text
    assert 'value="face_to_face_help_desks"' in page  # offered when recoding
    done = coder.post(f"/suggestions/{sid}/decision", {"action": "recode", "version": 1,
                                                       "codes": ["face_to_face_help_desks"]}, json=True)
    assert done.json()["codes"] == ["face_to_face_help_desks"]
    city = client_for("validator").get("/cities/Bologna").text
    assert "Face-to-face help desks" in city and "25% (1/4; 1/2 int.)" in city


def test_code_names_from_theme_names():
    assert code_name("Face-to-face help") == "face_to_face_help"
    assert code_name("Società civile") == "societa_civile"
    assert code_name("Εμπιστοσύνη").startswith("theme_")
