"""Gold codes: reading CSVs and Taguette databases, locating segments, checks against the codebook."""

from __future__ import annotations

import sqlite3

import pytest

from pipeline.codebook.yaml_codebook import parse_yaml_codebook
from pipeline.errors import InvalidInput
from pipeline.quality.gold import (
    check_gold_codes,
    gold_with_parents,
    html_text,
    load_gold,
    load_gold_csv,
    load_gold_taguette,
    taguette_offset_unit,
)
from tests.factories import make_transcript
from tests.quality.study import CODEBOOK_YAML, gold_rows, transcripts, write_gold_csv


@pytest.fixture()
def docs():
    return transcripts(3)


@pytest.fixture()
def codebook():
    return parse_yaml_codebook(CODEBOOK_YAML.encode(), "synthetic.yaml")


def test_every_row_is_located_and_offsets_point_at_our_text(tmp_path, docs):
    gold = load_gold_csv(write_gold_csv(tmp_path / "gold.csv", gold_rows(docs)), docs)
    assert gold.segments_read == 36 and len(gold.spans) == 36 and not gold.unlocated
    by_id = {t.id: t for t in docs}
    for span in gold.spans:
        assert by_id[span.transcript_id].text[span.start:span.end] == span.text
        assert span.exact


def test_located_despite_whitespace_punctuation_case_and_quotes(tmp_path):
    t = make_transcript("d1", [("Interviewer", "interviewer", "Why?"),
                               ("Respondent", "respondent", "Well \u2013 the \u201cbus\u201d is late, always. Every day!")],
                        lang="en")
    path = write_gold_csv(tmp_path / "g.csv", [("d1.txt", "x", "well - the \"BUS\"   is late,always every day")])
    span = load_gold_csv(path, [t]).spans[0]
    assert t.text[span.start:span.end] == "Well \u2013 the \u201cbus\u201d is late, always. Every day"


def test_a_segment_across_turns_skips_speaker_labels(tmp_path):
    t = make_transcript("d1", [("Respondent", "respondent", "I cannot find the button."),
                               ("MODERATOR", "interviewer", "Try the menu."),
                               ("Respondent", "respondent", "Oh, there it is.")], lang="en")
    rows = [("d1", "x", "Try the menu. Oh, there it is."),
            ("d1", "y", "I cannot find the button. MODERATOR: Try the menu. Oh, there it is.")]
    gold = load_gold_csv(write_gold_csv(tmp_path / "g.csv", rows), [t])
    assert not gold.unlocated
    assert {s.text.split()[-1] for s in gold.spans} == {"is."}


def test_an_edited_middle_is_located_approximately_and_marked(tmp_path):
    body = ("The first part of this answer is long enough to anchor it at the start, then the middle says one "
            "thing, and the last part of the answer is long enough to anchor it at the end.")
    t = make_transcript("d1", [("Respondent", "respondent", body)], lang="en")
    edited = body.replace("says one thing", "says something else entirely")
    span = load_gold_csv(write_gold_csv(tmp_path / "g.csv", [("d1", "x", edited)]), [t]).spans[0]
    assert not span.exact and span.text == body


def test_multi_label_rows_merge_into_one_span(tmp_path, docs):
    text = docs[0].turns[1].text
    rows = [("doc-0.txt", "tides", text), ("doc-0.txt", "orchard", text)]
    gold = load_gold_csv(write_gold_csv(tmp_path / "g.csv", rows), docs)
    assert len(gold.spans) == 1 and gold.spans[0].codes == {"tides", "orchard"}


def test_rows_with_one_id_are_one_segment(tmp_path, docs):
    text = docs[0].turns[1].text
    path = tmp_path / "g.csv"
    path.write_text(f'id,document,tag,content\n7,doc-0.txt,tides,"{text}"\n7,doc-0.txt,forge,"{text}"\n',
                    encoding="utf-8")
    gold = load_gold_csv(path, docs)
    assert gold.segments_read == 1 and gold.spans[0].codes == {"tides", "forge"}


def test_contents_not_found_and_unknown_documents_are_reported_not_dropped(tmp_path, docs):
    rows = gold_rows(docs)[:3] + [("doc-0.txt", "tides", "Nobody ever said this sentence in any interview."),
                                  ("missing.odt", "forge", "whatever")]
    gold = load_gold(write_gold_csv(tmp_path / "g.csv", rows), docs)
    assert gold.segments_read == 5 and len(gold.spans) == 3
    reasons = {u.document: u.why for u in gold.unlocated}
    assert "not found" in reasons["doc-0.txt"] and "no transcript" in reasons["missing.odt"]
    assert gold.summary()["located_share"] == pytest.approx(0.6)


@pytest.mark.parametrize("content", ["", "document,tag,content\n", "\n\n"])
def test_empty_gold_is_an_error(tmp_path, docs, content):
    path = tmp_path / "g.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput, match="no coded segments|empty"):
        load_gold(path, docs)


def test_gold_with_no_located_segment_is_an_error(tmp_path, docs):
    path = write_gold_csv(tmp_path / "g.csv", [("doc-0.txt", "tides", "not in any transcript at all")])
    with pytest.raises(InvalidInput, match="none of its 1 coded segments"):
        load_gold(path, docs)


def test_missing_columns_are_named(tmp_path, docs):
    path = tmp_path / "g.csv"
    path.write_text("file,code,text\na,b,c\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="'document', 'tag', 'content'"):
        load_gold(path, docs)


def test_unknown_codes_are_an_error_listing_them_or_a_warning(tmp_path, docs, codebook):
    rows = gold_rows(docs)[:4] + [("doc-0.txt", "weather", docs[0].turns[1].text),
                                  ("doc-1.txt", "Weather ", docs[1].turns[2].text)]
    gold = load_gold(write_gold_csv(tmp_path / "g.csv", rows), docs)
    with pytest.raises(InvalidInput, match=r"'Weather' \(1\), 'weather' \(1\)"):
        check_gold_codes(gold, codebook)
    kept = check_gold_codes(gold, codebook, on_unknown="warn")
    assert kept.unknown_codes == {"Weather": 1, "weather": 1}
    assert all(s.codes <= {"tides", "orchard", "forge"} for s in kept.spans)


def test_sub_codes_imply_their_parents(tmp_path, docs):
    book = parse_yaml_codebook(CODEBOOK_YAML.replace(
        "  - name: forge\n", "  - name: tides/spring\n    parent: tides\n    description: Spring tides.\n"
        "  - name: forge\n").encode(), "b.yaml")
    gold = load_gold(write_gold_csv(tmp_path / "g.csv", [("doc-0.txt", "tides/spring", docs[0].turns[1].text)]),
                     docs)
    assert gold_with_parents(gold, book).spans[0].codes == {"tides", "tides/spring"}


def test_unknown_format_is_an_error(tmp_path, docs):
    path = tmp_path / "g.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(InvalidInput, match="unknown gold format"):
        load_gold(path, docs)


# --- Taguette ------------------------------------------------------------------------------------


def _taguette(path, documents, highlights):
    """A Taguette-shaped database: ``documents`` (name, html), ``highlights`` (doc index, start, end, tags)."""
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE documents (id INTEGER PRIMARY KEY, name TEXT, description TEXT, filename TEXT,
                                created TEXT, project_id INTEGER, text_direction TEXT, contents TEXT);
        CREATE TABLE highlights (id INTEGER PRIMARY KEY, document_id INTEGER, start_offset INTEGER,
                                 end_offset INTEGER, snippet TEXT);
        CREATE TABLE tags (id INTEGER PRIMARY KEY, project_id INTEGER, path TEXT, description TEXT);
        CREATE TABLE highlight_tags (highlight_id INTEGER, tag_id INTEGER);
    """)
    for i, (name, contents) in enumerate(documents, start=1):
        con.execute("INSERT INTO documents VALUES (?, ?, '', ?, '', 1, 'LEFT_TO_RIGHT', ?)",
                    (i, name, name, contents))
    tag_ids: dict[str, int] = {}
    for hid, (doc, start, end, snippet, tags) in enumerate(highlights, start=1):
        con.execute("INSERT INTO highlights VALUES (?, ?, ?, ?, ?)", (hid, doc, start, end, snippet))
        for tag in tags:
            if tag not in tag_ids:
                tag_ids[tag] = len(tag_ids) + 1
                con.execute("INSERT INTO tags VALUES (?, 1, ?, '')", (tag_ids[tag], tag))
            con.execute("INSERT INTO highlight_tags VALUES (?, ?)", (hid, tag_ids[tag]))
    con.commit()
    con.close()
    return path


def test_html_text_strips_tags_and_decodes_entities():
    assert html_text("<p>a &lt;b&gt; &amp; \u2018c\u2019</p>\n<p>d</p>") == "a <b> & \u2018c\u2019\nd"


def test_taguette_byte_offsets_are_mapped_to_code_points_and_located(tmp_path):
    # Non-ASCII before the highlight shifts byte offsets against code points; an entity
    # counts as the one character it stands for.
    html = ("<p>1 Read the \u2018Home\u2019 tab. Caf\u00e9 &amp; more.</p>\n"
            "<p>   The text is clear, \u03b1\u03bb\u03c6\u03b1 I like it.</p>")
    plain = html_text(html)
    target = "The text is clear, \u03b1\u03bb\u03c6\u03b1 I like it."
    a = len(plain[: plain.index(target)].encode("utf-8"))
    b = a + len(target.encode("utf-8"))
    db = _taguette(tmp_path / "t.sqlite3", [("P1.odt", html)], [(1, a, b, f"<p>{target}</p>", ["clear", "like"])])
    transcript = make_transcript("p1", [("Interviewer", "interviewer", "1 Read the \u2018Home\u2019 tab."),
                                        ("Respondent", "respondent", "Caf\u00e9 & more."),
                                        ("Respondent", "respondent", target)], lang="en")
    transcript = type(transcript)(**{**transcript.__dict__, "meta": type(transcript.meta)(
        **{**transcript.meta.__dict__, "file": "P1.odt"})})
    gold = load_gold_taguette(db, [transcript])
    assert [(s.text, s.codes) for s in gold.spans] == [(target, frozenset({"clear", "like"}))]
    assert "utf-8 bytes" in gold.notes[0]


def test_taguette_offset_unit_is_chosen_by_the_snippets():
    plain = "\u00e9\u00e9\u00e9 hello world"
    start_cp = plain.index("hello")
    in_bytes = (len(plain[:start_cp].encode()), len(plain[:start_cp].encode()) + 5)
    assert taguette_offset_unit(plain, [(*in_bytes, "<p>hello</p>")]) == "utf-8 bytes"
    assert taguette_offset_unit(plain, [(start_cp, start_cp + 5, "hello")]) == "code points"


def test_not_a_taguette_database_is_an_error(tmp_path, docs):
    path = tmp_path / "x.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE other (a)").connection.close()
    with pytest.raises(InvalidInput, match="not a Taguette database"):
        load_gold(path, docs)
