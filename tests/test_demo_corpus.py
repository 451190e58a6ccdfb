"""Consistency checks for the synthetic demo corpus in ``corpora/demo/``.

The transcripts are read here with small, independent parsers (python-docx, odfpy, the csv
module and plain text handling), not with qualflow's readers, so a reader bug cannot hide a
corpus bug. The check functions return lists of problems; ``test_checks_catch_a_broken_corpus``
runs them on a damaged copy to show that they do fail.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from pipeline.records import GUIDE_SECTIONS, RESPONDENT_ROLES

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "corpora" / "demo"
BUILD = REPO / "corpora" / "build_demo.py"

MANIFEST_COLUMNS = ["interview_id", "file", "city", "country", "role", "date", "language", "names", "interviewer"]
FORMATS = {".txt", ".docx", ".odt", ".vtt", ".srt", ".csv"}
LANGUAGES = {"it", "hu", "el", "nl", "en"}
CITIES = {"Bologna": "Italy", "Budapest": "Hungary", "Thessaloniki": "Greece", "Kortrijk": "Belgium"}
CITY_LANGUAGE = {"Bologna": "it", "Budapest": "hu", "Thessaloniki": "el", "Kortrijk": "nl"}
BARRIERS = ("funding_calls", "trust", "regulation", "digital_divide")
def _codebook_codes() -> set[str]:
    from pipeline.codebook import default_codebook_path, load_codebook

    return {code.name for code in load_codebook(default_codebook_path()).codes if code.dimension == "barrier"}


ALLOWED_TAGS = _codebook_codes()  # gold tags are the shipped codebook's barrier codes: the gold codes that family only
SENTENCE_END = ".!?;…»”\")"
ID_RE = re.compile(r"^(BO|BU|TH|KO|EN)-\d{2}$")
LABEL_RE = re.compile(r"^([^:\n]{1,40}):[ \t]+(.*)$", re.S)
PROMPT_RE = re.compile(r"^(\d+)(?:\.([a-z]))? (\S.*)$", re.S)
PII_RE = re.compile(r"@|https?://|www\.|\b\d{2,4}(?: \d{2,4}){2,3}\b")
TIME_RE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})[.,](\d{3}) --> (\d{2}):(\d{2}):(\d{2})[.,](\d{3})$")

Turn = tuple[str, str, str]  # (speaker, role, text)


# --------------------------------------------------------------------------- reading


def load_manifest(folder: Path) -> list[dict[str, str]]:
    with (folder / "manifest.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_gold(folder: Path) -> list[dict[str, str]]:
    with (folder / "gold.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def split_list(value: str) -> list[str]:
    return [v for v in value.split(";") if v]


def decode_txt(data: bytes) -> tuple[str, str]:
    """Decode a plain-text transcript the way a careful reader would: BOM, UTF-8, then cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, enc = data.decode("utf-16"), "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        text, enc = data[3:].decode("utf-8"), "utf-8-sig"
    else:
        try:
            text, enc = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, enc = data.decode("cp1252"), "cp1252"
    return text.replace("\r\n", "\n").replace("\r", "\n"), enc


def _labelled(chunks: list[str], interviewers: set[str], where: str) -> list[Turn]:
    turns = []
    for chunk in chunks:
        m = LABEL_RE.match(chunk)
        assert m, f"{where}: no 'Speaker: text' label in {chunk[:60]!r}"
        speaker, text = m.group(1).strip(), m.group(2).strip()
        turns.append((speaker, "interviewer" if speaker in interviewers else "respondent", text))
    return turns


def _merge(turns: list[Turn]) -> list[Turn]:
    """Join consecutive cues of one speaker into one turn (subtitle exports split long turns)."""
    merged: list[Turn] = []
    for spk, role, text in turns:
        if merged and merged[-1][0] == spk:
            merged[-1] = (spk, role, merged[-1][2] + " " + text)
        else:
            merged.append((spk, role, text))
    return merged


def _timestamps(line: str, where: str) -> tuple[float, float]:
    m = TIME_RE.match(line.strip())
    assert m, f"{where}: bad timestamp line {line!r}"
    g = [int(x) for x in m.groups()]
    return g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000, g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000


def read_turns(path: Path, interviewers: set[str]) -> list[Turn]:
    """All turns of one transcript, whatever its format, as (speaker, role, text)."""
    suffix = path.suffix.lower()
    where = path.name
    if suffix == ".txt":
        text, _ = decode_txt(path.read_bytes())
        return _labelled([b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()], interviewers, where)
    if suffix == ".docx":
        import docx

        paras = [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]
        return _labelled(paras, interviewers, where)
    if suffix == ".odt":
        from odf import teletype
        from odf import text as odftext
        from odf.opendocument import load

        paras = [teletype.extractText(p) for p in load(str(path)).getElementsByType(odftext.P)]
        paras = [p for p in paras if p.strip()]
        if interviewers:
            return _labelled(paras, interviewers, where)
        turns = []  # layout without labels: numbered prompts, tab-indented answers
        for p in paras:
            if p.startswith("\t"):
                turns.append(("", "respondent", p.strip()))
            else:
                m = PROMPT_RE.match(p)
                assert m, f"{where}: neither a numbered prompt nor an indented answer: {p[:60]!r}"
                turns.append(("", "interviewer", m.group(3).strip()))
        return turns
    if suffix in (".vtt", ".srt"):
        raw = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
        blocks = [b for b in re.split(r"\n\s*\n", raw) if b.strip()]
        cues: list[Turn] = []
        last_end = 0.0
        if suffix == ".vtt":
            assert blocks and blocks[0].startswith("WEBVTT"), f"{where}: no WEBVTT header"
            blocks = blocks[1:]
        for block in blocks:
            lines = block.split("\n")
            k = next(i for i, line in enumerate(lines) if "-->" in line)
            start, end = _timestamps(lines[k], where)
            assert last_end <= start < end, f"{where}: cue times out of order at {lines[k]!r}"
            last_end = end
            body = " ".join(line.strip() for line in lines[k + 1 :] if line.strip())
            if suffix == ".vtt":
                m = re.match(r"^<v(?:\.[\w.-]+)? ([^>]+)>(.*?)(?:</v>)?$", body, re.S)
                assert m, f"{where}: cue without a <v Speaker> voice tag: {body[:60]!r}"
                spk, text = m.group(1).strip(), html.unescape(m.group(2)).strip()
                cues.append((spk, "interviewer" if spk in interviewers else "respondent", text))
            else:
                cues += _labelled([body], interviewers, where)
        return _merge(cues)
    if suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            assert reader.fieldnames == ["speaker", "role", "start", "end", "text"], f"{where}: header {reader.fieldnames}"
            turns, last_end = [], 0.0
            for row in reader:
                start, end = float(row["start"]), float(row["end"])
                assert last_end <= start < end, f"{where}: times out of order at {row['start']}"
                last_end = end
                assert row["role"] in ("interviewer", "respondent"), f"{where}: role {row['role']!r}"
                expected = "interviewer" if row["speaker"] in interviewers else "respondent"
                assert row["role"] == expected, f"{where}: {row['speaker']!r} has role {row['role']!r}"
                turns.append((row["speaker"], row["role"], row["text"].strip()))
            return turns
    raise AssertionError(f"{where}: unexpected format {suffix}")


def corpus_turns(folder: Path) -> dict[str, list[Turn]]:
    return {
        row["file"]: read_turns(folder / row["file"], set(split_list(row["interviewer"])))
        for row in load_manifest(folder)
    }


# --------------------------------------------------------------------------- checks


def manifest_problems(folder: Path) -> list[str]:
    problems = []
    with (folder / "manifest.csv").open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    if header != MANIFEST_COLUMNS:
        problems.append(f"manifest columns {header}")
    rows = load_manifest(folder)
    ids = Counter(r["interview_id"] for r in rows)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    for r in rows:
        iid = r["interview_id"]
        path = folder / r["file"]
        if not ID_RE.match(iid):
            problems.append(f"{iid}: id pattern")
        if not path.is_file():
            problems.append(f"{iid}: missing file {r['file']}")
            continue
        if not r["file"].startswith(iid):
            problems.append(f"{iid}: file name {r['file']} does not start with the id")
        if CITIES.get(r["city"]) != r["country"]:
            problems.append(f"{iid}: city/country {r['city']}/{r['country']}")
        if r["language"] not in LANGUAGES:
            problems.append(f"{iid}: language {r['language']}")
        if iid.startswith("EN") != (r["language"] == "en"):
            problems.append(f"{iid}: EN ids are the English interviews")
        if r["language"] != "en" and CITY_LANGUAGE.get(r["city"]) != r["language"]:
            problems.append(f"{iid}: language {r['language']} in {r['city']}")
        if r["role"] not in RESPONDENT_ROLES:
            problems.append(f"{iid}: role {r['role']}")
        if not re.match(r"^2018-0[5-7]-\d{2}$", r["date"]):
            problems.append(f"{iid}: date {r['date']} not mid-2018 ISO")
        try:
            turns = read_turns(path, set(split_list(r["interviewer"])))
        except AssertionError as e:
            problems.append(f"{iid}: unreadable: {e}")
            continue
        speakers = {s for s, _, _ in turns}
        for label in split_list(r["interviewer"]):
            if label not in speakers:
                problems.append(f"{iid}: interviewer label {label!r} never speaks")
        text = "\n".join(t for _, _, t in turns)
        for name in split_list(r["names"]):
            if name not in text:
                problems.append(f"{iid}: listed name {name!r} not in the transcript")
    return problems


def gold_problems(folder: Path) -> list[str]:
    problems = []
    with (folder / "gold.csv").open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    if header != ["document", "tag", "content"]:
        problems.append(f"gold columns {header}")
    turns = corpus_turns(folder)
    names = {r["file"]: split_list(r["names"]) for r in load_manifest(folder)}
    rows = load_gold(folder)
    dupes = Counter((r["document"], r["tag"], r["content"]) for r in rows)
    problems += [f"duplicate gold row {k[0]} {k[1]}" for k, n in dupes.items() if n > 1]
    for r in rows:
        doc, tag, content = r["document"], r["tag"], r["content"]
        if tag not in ALLOWED_TAGS:
            problems.append(f"{doc}: tag {tag!r} not allowed")
        if doc not in turns:
            problems.append(f"{doc}: gold document not in the manifest")
            continue
        answers = [t for _, role, t in turns[doc] if role == "respondent" and content in t]
        if not answers:
            problems.append(f"{doc}: content not verbatim in one respondent answer: {content[:60]!r}")
            continue
        # gold spans hold no personal data, so they match the pseudonymised text verbatim too
        if any(n in content for n in names[doc]) or PII_RE.search(content):
            problems.append(f"{doc}: content contains a name, e-mail, phone number or URL: {content[:60]!r}")
        answer = answers[0]
        i = answer.index(content)
        before, after = answer[:i], answer[i + len(content) :]
        if content != content.strip() or content[-1] not in SENTENCE_END:
            problems.append(f"{doc}: content does not end a sentence: {content[-40:]!r}")
        if before and not (before.endswith(" ") and before.rstrip()[-1] in SENTENCE_END):
            problems.append(f"{doc}: content does not start a sentence: {content[:40]!r}")
        if after and not after.startswith(" "):
            problems.append(f"{doc}: content cut inside a sentence: {content[-40:]!r}")
    return problems


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def manifest() -> list[dict[str, str]]:
    return load_manifest(DEMO)


@pytest.fixture(scope="module")
def gold() -> list[dict[str, str]]:
    return load_gold(DEMO)


@pytest.fixture(scope="module")
def turns() -> dict[str, list[Turn]]:
    return corpus_turns(DEMO)


# --------------------------------------------------------------------------- tests


def test_manifest_is_consistent():
    assert manifest_problems(DEMO) == []


def test_readme_says_synthetic():
    readme = (DEMO / "README.md").read_text(encoding="utf-8").lower()
    assert "synthetic" in readme


def test_every_format_and_language(manifest):
    assert {Path(r["file"]).suffix for r in manifest} == FORMATS
    assert {r["language"] for r in manifest} == LANGUAGES
    assert len(manifest) >= 14


def test_cities_and_roles(manifest):
    per_city = Counter(r["city"] for r in manifest)
    assert set(per_city) == set(CITIES)
    assert all(n >= 3 for n in per_city.values()), per_city
    for city in CITIES:
        native = [r for r in manifest if r["city"] == city and r["language"] == CITY_LANGUAGE[city]]
        assert len(native) >= 3, city
        assert {"local_organisation", "local_government", "parent"} <= {r["role"] for r in native}, city
    assert sum(r["role"] == "company" for r in manifest) >= 2
    assert sum(r["language"] == "en" for r in manifest) >= 2


def test_transcripts_have_interview_shape(manifest, turns):
    for r in manifest:
        ts = turns[r["file"]]
        roles = [role for _, role, _ in ts]
        assert roles[0] == "interviewer", r["file"]
        # strict alternation: one prompt, one answer
        assert all(a != b for a, b in zip(roles, roles[1:])), r["file"]
        n_questions = roles.count("interviewer")
        assert 14 <= n_questions <= 22, (r["file"], n_questions)
        for _, role, text in ts:
            assert text and text == text.strip()
            if role == "respondent":
                end = r"[.!?…;]" if r["language"] == "el" else r"[.!?…]"
                n = len(re.findall(end + r"(?=\s|$)", text))
                assert 1 <= n <= 6, (r["file"], n, text[:60])


def test_numbered_layout_follows_guide_order():
    """The label-free ODT numbers prompts by guide section (1 .. 7, with 1.a, 1.b follow-ups)."""
    from odf import teletype
    from odf import text as odftext
    from odf.opendocument import load

    found = False
    for r in load_manifest(DEMO):
        if r["interviewer"] or not r["file"].endswith(".odt"):
            continue
        found = True
        paras = [teletype.extractText(p) for p in load(str(DEMO / r["file"])).getElementsByType(odftext.P)]
        numbers = [PROMPT_RE.match(p).groups()[:2] for p in paras if not p.startswith("\t")]
        majors = [int(n) for n, _ in numbers]
        assert majors == sorted(majors)
        assert set(majors) == set(range(1, len(GUIDE_SECTIONS) + 1))
        for (n, sub), (n2, sub2) in zip(numbers, numbers[1:]):
            if n2 == n:
                assert (sub or "`") < sub2, (n, sub, sub2)  # '`' sorts just before 'a'
            else:
                assert sub2 is None
    assert found, "no ODT in the label-free layout"


def test_docx_labels_are_bold(manifest):
    import docx

    for r in manifest:
        if not r["file"].endswith(".docx"):
            continue
        for p in docx.Document(str(DEMO / r["file"])).paragraphs:
            if p.text.strip():
                assert p.runs[0].bold and p.runs[0].text.endswith(":"), (r["file"], p.text[:40])


def test_text_encodings(manifest):
    encodings = {}
    for r in manifest:
        if r["file"].endswith(".txt"):
            data = (DEMO / r["file"]).read_bytes()
            encodings[r["file"]] = decode_txt(data)[1]
    assert sorted(encodings.values()).count("cp1252") == 1
    assert sorted(encodings.values()).count("utf-16") == 1
    cp = next(f for f, e in encodings.items() if e == "cp1252")
    text = decode_txt((DEMO / cp).read_bytes())[0]
    assert re.search(r"[àèéìòùëïöü€]", text), "the cp1252 file should contain accented letters"
    for r in manifest:  # everything that is not .txt is UTF-8 text or a zip package
        if r["file"].endswith((".vtt", ".srt", ".csv")):
            (DEMO / r["file"]).read_bytes().decode("utf-8")


def test_gold_is_consistent():
    assert gold_problems(DEMO) == []


def test_every_barrier_in_every_language(manifest, gold):
    lang = {r["file"]: r["language"] for r in manifest}
    seen = Counter((g["tag"].split("/")[0], lang[g["document"]]) for g in gold)
    missing = {(b, lg): seen[(b, lg)] for b in BARRIERS for lg in LANGUAGES if seen[(b, lg)] < 2}
    assert not missing, f"barrier/language pairs with fewer than 2 gold rows: {missing}"
    assert {g["tag"] for g in gold} == ALLOWED_TAGS, "every code and sub-code is used at least once"


def test_share_of_coded_answers(turns, gold):
    coded = total = 0
    for doc, ts in turns.items():
        contents = [g["content"] for g in gold if g["document"] == doc]
        for _, role, text in ts:
            if role == "respondent":
                total += 1
                coded += any(c in text for c in contents)
    assert 0.40 <= coded / total <= 0.55, (coded, total)


def test_guide_schema():
    data = yaml.safe_load((DEMO / "interview_guide.yaml").read_text(encoding="utf-8"))
    assert list(data) == ["sections"]
    assert [s["id"] for s in data["sections"]] == list(GUIDE_SECTIONS)
    for s in data["sections"]:
        assert set(s) == {"id", "title", "questions"} and s["title"]
        assert set(s["questions"]) == LANGUAGES, s["id"]
        for lg, qs in s["questions"].items():
            assert 2 <= len(qs) <= 4 and all(isinstance(q, str) and q.strip() for q in qs), (s["id"], lg)
            mark = ";" if lg == "el" else "?"
            assert all(q.endswith(mark) for q in qs), (s["id"], lg)


def test_pseudonymisation_targets_present(turns):
    text = "\n".join(t for ts in turns.values() for _, role, t in ts if role == "respondent")
    assert len(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)) >= 3
    assert len(re.findall(r"(?:\+\d{2} )?\b\d{2,4}(?: \d{2,4}){2,3}\b", text)) >= 3
    assert re.search(r"(?:https?://|www\.)\S+", text)


def test_markup_is_kept_as_text(turns):
    answers = [t for ts in turns.values() for _, role, t in ts if role == "respondent"]
    assert any("<script>alert(1)</script>" in t for t in answers)
    assert any("<b>" in t for t in answers)


def test_one_turn_switches_language(manifest, turns):
    english = {"the", "and", "i", "we", "they", "was", "to", "a", "of", "that", "it's", "because", "but"}
    dutch = {"de", "het", "een", "en", "ik", "we", "dat", "is", "niet", "van", "maar", "omdat", "ze"}
    switched = []
    for r in manifest:
        if r["language"] == "nl":
            for _, role, t in turns[r["file"]]:
                words = re.findall(r"[\w']+", t.lower())
                if role == "respondent" and sum(w in english for w in words) > 3 * max(1, sum(w in dutch for w in words)):
                    switched.append(t)
    assert len(switched) == 1, switched


def test_rebuild_reproduces_the_corpus(tmp_path):
    out = tmp_path / "demo"
    subprocess.run([sys.executable, str(BUILD), "--out", str(out)], check=True, cwd=tmp_path)
    committed = {p.relative_to(DEMO).as_posix() for p in DEMO.rglob("*") if p.is_file()} - {"README.md"}
    assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} == committed
    for name in sorted(committed):
        if name.endswith(".pdf"):  # the text and its pages; the embedded font subset is the machine's
            from pipeline.ingest.pdf import pdf_paragraphs

            assert pdf_paragraphs(out / name) == pdf_paragraphs(DEMO / name), name
        elif name.endswith((".docx", ".odt")):
            row = next(r for r in load_manifest(DEMO) if r["file"] == name)
            labels = set(split_list(row["interviewer"]))
            assert read_turns(out / name, labels) == read_turns(DEMO / name, labels), name
        else:
            assert (out / name).read_bytes() == (DEMO / name).read_bytes(), name


def test_checks_catch_a_broken_corpus(tmp_path):
    broken = tmp_path / "demo"
    shutil.copytree(DEMO, broken)
    rows = load_gold(broken)
    rows[0]["content"] = rows[0]["content"].replace(" ", "  ", 1)  # no longer verbatim
    rows[1]["tag"] = "trust/everything"  # not an allowed tag
    rows[2]["content"] = rows[2]["content"][:-1]  # cut inside a sentence
    with (broken / "gold.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["document", "tag", "content"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    problems = gold_problems(broken)
    assert len(problems) >= 3, problems
    victim = load_manifest(broken)[-1]["file"]
    (broken / victim).unlink()
    assert any(victim in p for p in manifest_problems(broken))


def test_survey_marginals_follow_the_study():
    """STUDY.md: 385 respondents (117/107/84/77); ~70% find it hard to trust others with childcare;
    32.3% used a platform; online calendar 22.2% (Kortrijk 47.3%, Budapest 27.9%); means 4.35, 3.96, 3.87."""
    from pipeline.survey import load_survey, summarise

    survey = load_survey(DEMO / "survey.yaml")
    assert survey.quarantined == ()
    assert Counter(r.attributes["city"] for r in survey.respondents) == {
        "Bologna": 117, "Kortrijk": 107, "Thessaloniki": 84, "Budapest": 77}
    s = {(x.item, x.city): x for x in summarise(survey)}
    assert round(s["trust_hard", "all"].agree_share, 2) == 0.70
    assert round(s["used_platform", "all"].agree_share, 3) == 0.323
    assert [round(s["online_calendar", c].agree_share, 3) for c in ("all", "Kortrijk", "Budapest")] == [0.222, 0.473, 0.279]
    assert [round(s[i, "all"].mean, 2) for i in ("easy_to_learn", "keen_to_try", "interested")] == [4.35, 3.96, 3.87]
    languages = {"Bologna": "it", "Kortrijk": "nl", "Thessaloniki": "el", "Budapest": "hu"}
    answered = [r for r in survey.respondents if r.open]
    assert 30 <= len(answered) <= 80  # a few short answers: the demo run stays fast
    assert all(r.attributes["language"] == languages[r.attributes["city"]] for r in answered)


def test_every_city_has_report_pdfs():
    rows = list(csv.DictReader(open(DEMO / "documents" / "manifest.csv", encoding="utf-8")))
    assert Counter(r["city"] for r in rows) == {c: 2 for c in CITIES}
    assert all((DEMO / "documents" / r["file"]).read_bytes().startswith(b"%PDF") for r in rows)
