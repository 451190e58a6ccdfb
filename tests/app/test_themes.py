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


def test_a_theme_in_a_signed_summary_cannot_be_renamed(client_for, store):
    import re

    coder, validator = client_for("coder"), client_for("validator")
    assert coder.post("/themes/1/name", {"name": "Help desks"}).status_code == 303
    page = validator.get("/cities/Bologna").text
    sha = re.search(r'name="content_sha256" value="([0-9a-f]{64})"', page).group(1)
    assert validator.post("/cities/Bologna/signoff", {"comment": "ok", "content_sha256": sha}).status_code == 303

    refused = coder.post("/themes/1/name", {"name": "Counter services"}, json=True)
    assert refused.status_code == 409 and "Bologna" in refused.json()["error"]
    page = validator.get("/cities/Bologna").text
    assert "changed since sign-off" not in page.lower() and "Help desks" in page
    with store.session() as s:
        assert s.get(m.TopicRow, (world.RUN, 1)).name == "Help desks"
